"""The inspection checklist: each checkable condition and each standard check as a concrete question.

Pure functions over the venue's conditions and people, so the question an officer sees on
the tablet (before the server has the inspection) and the one the server stores are made by
the same words. The stored copy is a snapshot: later edits to a condition never reach it.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import msgspec

__all__ = ["ChecklistContext", "ChecklistItem", "DoorSupervisor", "build_checklist", "question_for"]

DAY_NAMES = {
    "mon": "Mon",
    "tue": "Tue",
    "wed": "Wed",
    "thu": "Thu",
    "fri": "Fri",
    "sat": "Sat",
    "sun": "Sun",
}


class ChecklistItem(msgspec.Struct, kw_only=True):
    key: str
    """"condition:12" or "check:dps": stable before the server has stored the inspection."""
    kind: str
    question: str
    guidance: str = ""
    condition_id: int | None = None
    check: str | None = None
    condition_text: str = ""


class DoorSupervisor(msgspec.Struct):
    name: str
    sia_licence_no: str | None
    sia_expires_on: date | None


class ChecklistContext(msgspec.Struct, kw_only=True):
    """What the standard checks need to know about the venue on the day."""

    on: date
    dps_name: str | None = None
    door_supervisors: list[DoorSupervisor] = msgspec.field(default_factory=list)
    angela_enrolled: bool = False
    angela_posters: bool = False
    angela_trained: int = 0


def _days(raw: Any) -> str:
    if isinstance(raw, str):
        parts = [p.strip().lower() for p in raw.replace(";", ",").split(",") if p.strip()]
    elif isinstance(raw, list):
        parts = [str(p).strip().lower() for p in raw]
    else:
        return ""
    return ", ".join(DAY_NAMES.get(p[:3], p.capitalize()) for p in parts)


def question_for(kind: str, params: dict[str, Any], text: str) -> tuple[str, str]:
    """(question, guidance) for a condition of this kind with these parameters."""
    p = params or {}
    if kind == "cctv":
        days = p.get("retention_days")
        question = (
            f"Ask to see footage from {days} days ago"
            if days
            else "Ask to see recorded CCTV footage from the retention period"
        )
        guidance = "Cameras cover the entrances and public areas"
        if str(p.get("trained_operator", "")).lower() in {"yes", "true", "1"}:
            guidance += "; a trained member of staff on duty can download footage on request"
        return question, guidance + "."
    if kind == "door_supervisors":
        if "count" not in p:
            return (
                "Everyone doing security work tonight holds an SIA licence",
                "Ask each door supervisor for their badge.",
            )
        count = p["count"]
        question = f"{count} SIA door supervisor{'s' if count != 1 else ''} on duty"
        if p.get("from"):
            question += f" from {p['from']}"
        if days := _days(p.get("days")):
            question += f" ({days})"
        return question, "Count them and check each badge against the rota."
    if kind == "age_verification":
        scheme = p.get("scheme")
        if scheme:
            return (
                f"{scheme} policy in use: ask staff which ID they accept",
                "Acceptable: passport, photocard driving licence, PASS card.",
            )
        return (
            "An age-verification policy is adopted and staff can describe it",
            "Photo ID with date of birth and a hologram or UV mark.",
        )
    if kind in ("refusals_log", "incident_log"):
        what = "Refusals register" if kind == "refusals_log" else "Incident log"
        months = p.get("kept_months")
        if months:
            return (
                f"{what} kept: look at entries from {months} months ago",
                f"Kept for {months} months and shown on request.",
            )
        return f"{what} kept and shown on request", ""
    if kind == "last_entry":
        at = p.get("time")
        if at:
            return f"No admission or re-admission after {at}", "Ask how last entry is enforced."
        return "Last entry time kept", text
    if kind == "glassware":
        material = str(p.get("material") or "polycarbonate or toughened")
        after = p.get("after")
        question = f"{material.capitalize()} glassware in use" + (
            f" after {after}" if after else ""
        )
        return question, ""
    if kind == "dispersal":
        return "Written dispersal policy kept and followed at closing", ""
    if kind == "capacity":
        limit = p.get("max_persons")
        if limit:
            return (
                f"No more than {limit} persons on the premises (staff excluded)",
                "Ask for tonight's count and how it is kept.",
            )
        return "Capacity limit kept", text
    if kind == "pubwatch":
        scheme = p.get("scheme") or "Pubwatch"
        return f"Member of {scheme}: ask to see proof of membership", ""
    return text, ""


def _sia_line(person: DoorSupervisor, on: date) -> str:
    if not person.sia_licence_no:
        return f"{person.name}: no SIA licence on record"
    if person.sia_expires_on is None:
        return f"{person.name}: SIA {person.sia_licence_no}, expiry unknown"
    state = "EXPIRED" if person.sia_expires_on < on else "expires"
    return f"{person.name}: SIA {person.sia_licence_no}, {state} {person.sia_expires_on:%-d %b %Y}"


def build_checklist(
    conditions: list[tuple[int, str, dict[str, Any], str]], ctx: ChecklistContext
) -> list[ChecklistItem]:
    """The checklist for a venue: its conditions (id, kind, params, text) in order, then the
    standard checks of DOMAIN.md that no condition already covers."""
    items = []
    kinds = set()
    for condition_id, kind, params, text in conditions:
        question, guidance = question_for(kind, params, text)
        kinds.add(kind)
        items.append(
            ChecklistItem(
                key=f"condition:{condition_id}",
                kind=kind,
                question=question,
                guidance=guidance,
                condition_id=condition_id,
                condition_text=text,
            )
        )

    def check(code: str, question: str, guidance: str = "") -> None:
        items.append(
            ChecklistItem(
                key=f"check:{code}", kind=code, question=question, guidance=guidance, check=code
            )
        )

    check(
        "dps",
        "DPS on site or contactable",
        f"DPS on the licence: {ctx.dps_name}." if ctx.dps_name else "No DPS named on the licence.",
    )
    door = ctx.door_supervisors
    check(
        "sia_badges",
        "SIA badges displayed and valid",
        "; ".join(_sia_line(p, ctx.on) for p in door) if door else "No door supervisors on record.",
    )
    if ctx.angela_enrolled:
        angela = "Taking part in Ask for Angela"
        angela += "; posters displayed" if ctx.angela_posters else "; no posters recorded"
    else:
        angela = "Not enrolled in Ask for Angela"
    angela += f"; {ctx.angela_trained} front-of-house staff with valid Angela training."
    check("angela", "Ask for Angela posters displayed and staff trained", angela)
    if not {"refusals_log", "incident_log"} <= kinds:
        check("logs", "Refusals register and incident log kept", "Both kept for 12 months.")
    if "age_verification" not in kinds:
        check("age_verification", "Age-verification policy in place and followed")
    if "cctv" not in kinds:
        check("cctv", "CCTV working and recordings kept for the retention period")
    return items
