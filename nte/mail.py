"""Mail as it goes on the wire: messages built once from what they are, and the development folder.

Every mail leaves through the outbox (``nte.outbox``); this module only knows how a message
looks. A message's Message-ID is made from its outbox key ("digest:12:2026-W48"), so a
resend after a crash carries the same Message-ID and the receiving side can tell it is the
same mail.
"""

from __future__ import annotations

import asyncio
import binascii
import hashlib
import secrets
from datetime import UTC, datetime
from email.header import Header
from email.parser import BytesParser
from email.policy import default as default_policy
from email.utils import format_datetime
from pathlib import Path

import msgspec

from nte.settings import Settings

__all__ = [
    "DevMail",
    "Mail",
    "build_message",
    "dev_mail_dir",
    "list_dev_mail",
    "message_id",
    "write_dev_mail",
]


class Mail(msgspec.Struct, kw_only=True):
    """One mail to one person: a plain-text body, and an HTML alternative where it has one."""

    to: str
    subject: str
    text: str
    html: str | None = None
    headers: dict[str, str] = msgspec.field(default_factory=dict)
    """Extra headers (``List-Unsubscribe`` ...)."""


class DevMail(msgspec.Struct):
    name: str
    to: str
    subject: str
    sent_at: str
    text: str


def dev_mail_dir(settings: Settings) -> Path:
    return settings.data_dir / "mail"


def _domain(settings: Settings) -> str:
    return settings.mail_from.rpartition("@")[2].strip("<> ") or "nte.invalid"


def message_id(settings: Settings, key: str) -> str:
    """The Message-ID of the mail the outbox knows as ``key``: the same every time it is built."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    kind = key.partition(":")[0] or "mail"
    return f"<{kind}.{digest}@{_domain(settings)}>"


def _header_value(value: str) -> str:
    if value.isascii():
        return value
    return Header(value, "utf-8").encode()


def _part(content_type: str, body: str) -> bytes:
    # Quoted-printable keeps the text readable on the wire and every line under 76 characters.
    encoded = binascii.b2a_qp(body.replace("\r\n", "\n").encode("utf-8"), istext=True)
    encoded = encoded.replace(b"\n", b"\r\n")
    return (
        (
            f"Content-Type: {content_type}; charset=utf-8\r\n"
            "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
        ).encode()
        + encoded
        + b"\r\n"
    )


def build_message(
    settings: Settings, key: str, mail: Mail, *, date: datetime | None = None
) -> bytes:
    """The message's bytes: text alone, or multipart/alternative with the HTML after the text.

    Built by hand rather than through ``email.message``: the weekly digest builds thousands
    of these in one go, and this is several times faster for the same bytes a client reads.
    """
    headers: dict[str, str] = {
        "From": settings.mail_from,
        "To": mail.to,
        "Subject": _header_value(mail.subject),
        "Date": format_datetime(date or datetime.now(UTC)),
        "Message-ID": message_id(settings, key),
        "MIME-Version": "1.0",
        "Auto-Submitted": "auto-generated",
    }
    headers.update(mail.headers)
    head = "".join(f"{name}: {value}\r\n" for name, value in headers.items()).encode()
    if mail.html is None:
        return head + _part("text/plain", mail.text)
    boundary = "=_nte_" + secrets.token_hex(12)
    return (
        head
        + f'Content-Type: multipart/alternative; boundary="{boundary}"\r\n\r\n'.encode()
        + f"--{boundary}\r\n".encode()
        + _part("text/plain", mail.text)
        + f"--{boundary}\r\n".encode()
        + _part("text/html", mail.html)
        + f"--{boundary}--\r\n".encode()
    )


async def write_dev_mail(settings: Settings, name: str, message: bytes) -> None:
    """Development delivery: the message as an .eml file under ``NTE_DATA_DIR/mail``."""
    await asyncio.to_thread(_write, dev_mail_dir(settings) / name, message)


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
