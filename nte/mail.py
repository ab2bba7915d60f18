"""The one mail transport: SMTP when configured, else a folder of .eml files for development."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default as default_policy
from pathlib import Path

import aiosmtplib
import msgspec

from nte.settings import Settings

__all__ = ["DevMail", "Mail", "dev_mail_dir", "list_dev_mail", "send_mail"]


class Mail(msgspec.Struct):
    to: str
    subject: str
    text: str


class DevMail(msgspec.Struct):
    name: str
    to: str
    subject: str
    sent_at: str
    text: str


def dev_mail_dir(settings: Settings) -> Path:
    return settings.data_dir / "mail"


def _message(settings: Settings, mail: Mail) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message["Message-ID"] = f"<{uuid.uuid4().hex}@nte>"
    message.set_content(mail.text)
    return message


async def send_mail(settings: Settings, mail: Mail) -> None:
    """Send now; raises on failure so the caller's transaction rolls back with it."""
    message = _message(settings, mail)
    if settings.smtp_host:
        await aiosmtplib.send(
            message, hostname=settings.smtp_host, port=settings.smtp_port, timeout=15
        )
        return
    folder = dev_mail_dir(settings)
    name = f"{datetime.now(UTC):%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:8]}.eml"
    await asyncio.to_thread(_write, folder / name, bytes(message))


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def list_dev_mail(settings: Settings, limit: int = 100) -> list[DevMail]:
    """Mail written to the development folder, newest first."""
    folder = dev_mail_dir(settings)
    if not folder.is_dir():
        return []
    out = []
    for path in sorted(folder.glob("*.eml"), reverse=True)[:limit]:
        parsed = BytesParser(policy=default_policy).parsebytes(path.read_bytes())
        body = parsed.get_body(preferencelist=("plain",))
        out.append(
            DevMail(
                name=path.name,
                to=str(parsed["To"]),
                subject=str(parsed["Subject"]),
                sent_at=path.name[:15],
                text=body.get_content() if body is not None else "",
            )
        )
    return out
