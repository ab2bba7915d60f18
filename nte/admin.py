"""Administration pages: accounts (invite, disable, roles, venue scopes, tokens), reads of
sensitive incidents, and dev mail."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.response import Redirect, Template

from nte.access_log import DOOR_LABELS, list_reads
from nte.accounts import get_user, invite_user, list_users, update_user, venue_choices
from nte.auth.guards import ADMIN, roles, signed_in
from nte.auth.identity import ALL_ROLES
from nte.auth.store import list_api_tokens, revoke_api_token
from nte.db import Connection, RequestConnection
from nte.errors import InvalidInput
from nte.mail import list_dev_mail
from nte.outbox import list_outbox, outbox_counts, retry_failed

__all__ = ["AdminPages"]

OUTBOX_STATUSES = ("waiting", "sent", "failed")

READS_PER_PAGE = 100


def _id_or_none(name: str, raw: str | None) -> int | None:
    value = (raw or "").strip()
    if not value:
        return None
    if not value.isdigit() or len(value) > 18:
        raise InvalidInput({name: "must be a number from the list or the record"})
    return int(value)


def _venue_ids(values: list[str]) -> list[int]:
    try:
        return [int(v) for v in values if v]
    except ValueError:
        raise InvalidInput({"venues": "must be chosen from the list"}) from None


class AdminPages(Controller):
    path = "/admin"
    guards = [signed_in, roles(*ADMIN)]
    include_in_schema = False

    @get("/users")
    async def users(self, conn: RequestConnection, state: State) -> Template:
        return await _users_page(conn, state, errors={}, values={})

    @post("/users")
    async def invite(
        self, request: Request[Any, Any, Any], conn: RequestConnection, state: State
    ) -> Response[Any]:
        form = await request.form()
        values: dict[str, Any] = {
            "email": str(form.get("email", "")),
            "display_name": str(form.get("display_name", "")),
            "role": str(form.get("role", "")),
            "venues": list(form.getall("venues", [])),
        }
        try:
            if values["role"] not in ALL_ROLES:
                raise InvalidInput({"role": "must be one of " + ", ".join(ALL_ROLES)})
            async with conn.transaction():
                await invite_user(
                    conn,
                    state.settings,
                    email=values["email"],
                    role=values["role"],
                    display_name=values["display_name"],
                    venue_ids=_venue_ids(values["venues"]),
                )
        except InvalidInput as exc:
            return await _users_page(conn, state, errors=exc.errors, values=values, status=422)
        return Redirect("/admin/users?invited=1")

    @get("/users/{user_id:int}")
    async def user(self, conn: RequestConnection, user_id: FromPath[int]) -> Template:
        return await _user_page(conn, user_id, errors={})

    @post("/users/{user_id:int}")
    async def update(
        self, request: Request[Any, Any, Any], conn: RequestConnection, user_id: FromPath[int]
    ) -> Response[Any]:
        if await get_user(conn, user_id) is None:
            raise NotFoundException("No such account")
        form = await request.form()
        role = str(form.get("role", ""))
        try:
            if role not in ALL_ROLES:
                raise InvalidInput({"role": "must be one of " + ", ".join(ALL_ROLES)})
            async with conn.transaction():
                await update_user(
                    conn,
                    user_id,
                    role=role,
                    venue_ids=_venue_ids(form.getall("venues", [])),
                    disabled=form.get("disabled") == "on",
                )
        except InvalidInput as exc:
            return await _user_page(conn, user_id, errors=exc.errors, status=422)
        return Redirect(f"/admin/users/{user_id}?saved=1")

    @post("/tokens/{token_id:int}/revoke")
    async def revoke_token(self, conn: RequestConnection, token_id: FromPath[int]) -> Redirect:
        user_id = await revoke_api_token(conn, token_id)
        if user_id is None:
            raise NotFoundException("No such token")
        return Redirect(f"/admin/users/{user_id}")

    @get("/reads")
    async def reads(
        self,
        conn: RequestConnection,
        user: FromQuery[str | None] = None,
        incident: FromQuery[str | None] = None,
        page: Annotated[int, QueryParameter(ge=1, le=100_000)] = 1,
    ) -> Template:
        """Every recorded read of a sensitive incident, newest first, by person and incident."""
        # The filter form sends an empty box as "user=": that means no filter, not an error.
        user_id, incident_id = _id_or_none("user", user), _id_or_none("incident", incident)
        found = await list_reads(
            conn,
            user_id=user_id,
            incident_id=incident_id,
            limit=READS_PER_PAGE,
            offset=(page - 1) * READS_PER_PAGE,
        )
        return Template(
            template_name="admin/reads.html",
            context={
                "reads": found,
                "users": await list_users(conn),
                "user": user_id,
                "incident": incident_id,
                "page": page,
                "door_labels": DOOR_LABELS,
            },
        )

    @get("/mail")
    async def mail(self, state: State) -> Template:
        return Template(
            template_name="admin/mail.html",
            context={"mails": list_dev_mail(state.settings), "smtp": state.settings.smtp_host},
        )

    @get("/outbox")
    async def outbox(
        self, conn: RequestConnection, state: State, status: FromQuery[str | None] = None
    ) -> Template:
        status = status if status in OUTBOX_STATUSES else None
        return Template(
            template_name="admin/outbox.html",
            context={
                "rows": await list_outbox(conn, status),
                "counts": await outbox_counts(conn),
                "status": status or "",
                "statuses": OUTBOX_STATUSES,
                "smtp": state.settings.smtp_host,
            },
        )

    @post("/outbox/{outbox_id:int}/retry")
    async def retry(self, conn: RequestConnection, outbox_id: FromPath[int]) -> Redirect:
        if not await conn.fetchval("SELECT 1 FROM outbox WHERE id = $1", outbox_id):
            raise NotFoundException("No such mail in the outbox")
        retried = await retry_failed(conn, outbox_id)
        return Redirect(f"/admin/outbox?retried={int(retried)}")


async def _users_page(
    conn: Connection,
    state: State,
    *,
    errors: dict[str, str],
    values: dict[str, Any],
    status: int = 200,
) -> Template:
    return Template(
        template_name="admin/users.html",
        context={
            "users": await list_users(conn),
            "roles": ALL_ROLES,
            "errors": errors,
            "values": values,
            "venues": await venue_choices(conn),
        },
        status_code=status,
    )


async def _user_page(
    conn: Connection, user_id: int, *, errors: dict[str, str], status: int = 200
) -> Template:
    user = await get_user(conn, user_id)
    if user is None:
        raise NotFoundException("No such account")
    tokens = await list_api_tokens(conn, user_id)
    return Template(
        template_name="admin/user.html",
        context={
            # Not "user": base.html names the person signed in so, and would win.
            "account": user,
            "roles": ALL_ROLES,
            "errors": errors,
            "tokens": tokens,
            "venues": await venue_choices(conn),
        },
        status_code=status,
    )
