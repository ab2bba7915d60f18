"""The bundle as a PDF: the Typst template beside the Jinja ones, fed its data as JSON."""

from __future__ import annotations

import hashlib
import io
import tempfile
import textwrap
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any

import msgspec
import typst

from inspections.evidence.schemas import Gathered
from nte.clock import LONDON
from venues.schemas import Condition, Venue

__all__ = ["LINE_CHARS", "Rendered", "lines", "render"]

LINE_CHARS = 60
"""Characters a line of a field holds: the template sets values in a monospaced font whose
60 characters fit the value column (64 would), so lines cut here are the lines printed."""


def lines(value: Any) -> list[str]:
    """A value as the lines it is printed on (empty text is one dash)."""
    text = "-" if value is None or value == "" else str(value)
    out: list[str] = []
    for paragraph in text.splitlines() or [""]:
        out.extend(
            textwrap.wrap(paragraph, LINE_CHARS, break_long_words=True, break_on_hyphens=False)
            or [""]
        )
    return out


class Rendered(msgspec.Struct):
    content: bytes
    sha256: str
    pages: int


def _template() -> Path:
    return Path(str(resources.files("templates"))) / "evidence" / "bundle.typ"


def _data(
    venue: Venue,
    conditions: list[Condition],
    gathered: Gathered,
    *,
    period: tuple[str, str],
    audience_label: str,
    made_by: str,
    made_at: datetime,
    note: str,
) -> dict[str, Any]:
    title = f"{venue.name}: evidence bundle"
    return {
        "title": title,
        "footer": f"{venue.premises_licence_no or 'No licence number'} · {period[0]} to {period[1]}",
        "cover": {
            "made_by": made_by,
            "audience_label": audience_label,
            "note": note,
            "rows": [
                ["Venue", ", ".join(p for p in (venue.name, venue.address, venue.postcode) if p)],
                ["Premises licence", venue.premises_licence_no or "not recorded"],
                ["Licence holder", venue.licence_holder or "not recorded"],
                ["Period", f"{period[0]} to {period[1]} (both days included)"],
                ["Copy for", audience_label],
                ["Exhibits", str(len(gathered.exhibits))],
                ["Made by", made_by],
                ["Made at", made_at.astimezone(LONDON).strftime("%-d %B %Y %H:%M")],
            ],
        },
        "licence": {
            "rows": [
                [label, lines(value)]
                for label, value in [
                    ("Licence number", venue.premises_licence_no),
                    ("Holder", venue.licence_holder),
                    ("Designated premises supervisor", venue.dps_name),
                    ("Status", venue.status),
                    (
                        "Licensable activities",
                        ", ".join(a.replace("_", " ") for a in venue.licensable_activities),
                    ),
                    ("Capacity", venue.capacity),
                ]
            ],
            "conditions": [
                [
                    f"{c.objective.replace('_', ' ')}"
                    + (" · mandatory" if c.mandatory else "")
                    + f" · condition {c.id}",
                    lines(c.text),
                ]
                for c in conditions
            ],
        },
        "exhibits": [
            {
                "number": e.number,
                "date": e.at.astimezone(LONDON).strftime("%-d %b %Y"),
                "kind": e.kind,
                "source": e.source,
                "fields": [[f.label, f.lines] for f in e.fields],
                "photos": [
                    [name, f"Photo {name.split('.')[0].split('-')[1]}"] for name in e.photos
                ],
            }
            for e in gathered.exhibits
        ],
    }


def render(venue: Venue, conditions: list[Condition], gathered: Gathered, **cover: Any) -> Rendered:
    """Compile the bundle in a scratch folder holding the template, its data and the photos
    (Typst reads files only under its root), and count its pages."""
    from pypdf import PdfReader

    data = _data(venue, conditions, gathered, **cover)
    try:
        pdf = _compile(data, gathered.photos)
    except RuntimeError:
        # A stored photo Typst cannot draw (it was checked only by its first bytes when
        # uploaded) must not stop the hearing's papers: say so where it would have been.
        for exhibit in data["exhibits"]:
            exhibit["fields"] += [
                ["Photo", [f"{caption}: kept, but the file could not be drawn"]]
                for _name, caption in exhibit["photos"]
            ]
            exhibit["photos"] = []
        pdf = _compile(data, {})
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    return Rendered(content=pdf, sha256=hashlib.sha256(pdf).hexdigest(), pages=pages)


def _compile(data: dict[str, Any], photos: dict[str, tuple[str, bytes]]) -> bytes:
    with tempfile.TemporaryDirectory(prefix="nte-bundle-") as folder:
        root = Path(folder)
        (root / "bundle.typ").write_bytes(_template().read_bytes())
        (root / "data.json").write_bytes(msgspec.json.encode(data))
        for name, (_type, content) in photos.items():
            (root / name).write_bytes(content)
        pdf = typst.compile(
            str(root / "bundle.typ"), root=str(root), format="pdf", ignore_system_fonts=True
        )
    assert isinstance(pdf, bytes)
    return pdf
