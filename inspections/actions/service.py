"""How an action moves: the venue answers, an officer verifies or reopens."""

from __future__ import annotations

from litestar.datastructures import UploadFile
from litestar.exceptions import PermissionDeniedException

from inspections.actions import queries
from inspections.actions.schemas import Action, ActionPatch
from nte.auth.identity import Identity, Role
from nte.clock import today
from nte.db import Connection
from nte.errors import InvalidInput
from venues.staff.service import MAX_CERTIFICATE_BYTES, read_certificate

__all__ = ["ANSWERERS", "FILE_BODY_LIMIT", "VERIFIERS", "attach_file", "move"]

# Room for a 10 MB file and the form around it; the file's own limit is checked exactly.
FILE_BODY_LIMIT = MAX_CERTIFICATE_BYTES + 256 * 1024

# The venue answers; an administrator may enter an answer sent on paper.
ANSWERERS: tuple[Role, ...] = ("venue_manager", "admin")
VERIFIERS: tuple[Role, ...] = ("officer", "admin")


async def move(conn: Connection, action: Action, data: ActionPatch, who: Identity) -> Action:
    note = data.note.strip()
    allowed = ANSWERERS if data.action == "answer" else VERIFIERS
    if who.role not in allowed:
        raise PermissionDeniedException(
            "Only the venue answers an action"
            if data.action == "answer"
            else "Only an officer verifies or reopens an action"
        )
    if data.action == "answer":
        if action.status == "verified":
            raise InvalidInput({"action": "this action is verified already; nothing to answer"})
        if not note:
            raise InvalidInput({"note": "is required: say what was done"})
    elif data.action == "verify":
        if action.status == "verified":
            return action  # verified twice is verified once
    elif not note:
        raise InvalidInput({"note": "is required: say what is still missing"})
    await queries.set_status(conn, action.id, data.action, note, who.user_id)
    moved = await queries.get_action(conn, action.id, today())
    assert moved is not None
    return moved


async def attach_file(conn: Connection, action: Action, upload: UploadFile, who: Identity) -> None:
    """The answer's evidence: a photo (JPEG, PNG) or a PDF, at most 10 MB, type by content."""
    if who.role not in ANSWERERS:
        raise PermissionDeniedException("Only the venue answers an action")
    if action.status == "verified":
        raise InvalidInput({"file": "this action is verified already"})
    file = await read_certificate(upload, field="file")
    await queries.save_file(
        conn,
        action.id,
        action.venue_id,
        filename=file.filename,
        content_type=file.content_type,
        content=file.content,
        user_id=who.user_id,
    )
