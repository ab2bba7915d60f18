"""Training certificates: only PDF, JPEG and PNG, served as what they are, to who may see them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import asyncpg

from tests.helpers import (
    BROWSER,
    ELF,
    JPEG,
    MISSING,
    MZ,
    PDF,
    PNG,
    Client,
    add_person,
    add_training,
    add_venue,
    count,
    invalid_params,
    problem,
    today,
)
from venues.staff.service import MAX_CERTIFICATE_BYTES

# --- certificates ------------------------------------------------------------------------


async def trained(db: asyncpg.Connection, venue_id: int | None = None) -> tuple[int, int]:
    """(venue, training record) for a person with one WAVE course."""
    venue_id = venue_id or await add_venue(db)
    staff_id = await add_person(db, venue_id, "Ann Barker")
    return venue_id, await add_training(db, staff_id, "wave", today() + timedelta(days=300))


def upload(name: str, content: bytes, content_type: str = "application/pdf") -> dict[str, Any]:
    return {"certificate": (name, content, content_type)}


NOT_ALLOWED = [
    ("certificate.pdf", ELF, "application/pdf"),
    ("certificate.pdf", MZ, "application/pdf"),
    ("certificate.png", MZ, "image/png"),
    ("certificate.pdf", b"<html><script>alert(1)</script>", "application/pdf"),
    ("certificate.jpg", b"GIF89a" + b"\x00" * 20, "image/jpeg"),
    ("certificate.pdf", b"", "application/pdf"),
]
# Sent as -> served as: the content decides, and the name keeps only its last part.
ALLOWED = [
    ("wave.pdf", PDF, "application/pdf", "wave.pdf"),
    ("C:\\Users\\ann\\Desktop\\WAVE cert.jpeg", JPEG, "image/jpeg", "WAVE cert.jpg"),
    ("scan.pdf", PNG, "image/png", "scan.png"),
    ("../../etc/passwd.png", PNG, "image/png", "passwd.png"),
]


async def test_only_pdf_jpeg_and_png_are_taken_and_served_as_what_they_are(
    client: Client, db: asyncpg.Connection
) -> None:
    _, training_id = await trained(db)
    url = f"/api/v1/training/{training_id}/certificate"
    for name, content, claimed in NOT_ALLOWED:
        reasons = invalid_params(await client.put(url, files=upload(name, content, claimed)))
        assert list(reasons) == ["certificate"], name
        assert reasons["certificate"] in ("must be a PDF, JPEG or PNG file", "is an empty file")
    assert await count(db, "training_certificates") == 0
    staff_id = await db.fetchval("SELECT staff_id FROM training")
    for sent_as, content, served_type, served_name in ALLOWED:
        # The browser's claim is ignored either way.
        response = await client.put(url, files=upload(sent_as, content, "application/octet-stream"))
        assert response.status_code == 200, response.text
        assert response.json()["filename"] == served_name
        for where in (url, f"/training/{training_id}/certificate"):
            served = await client.get(where, headers=BROWSER)
            assert served.status_code == 200
            assert served.content == content
            assert served.headers["content-type"] == served_type
            assert served.headers["x-content-type-options"] == "nosniff"
            assert served.headers["content-disposition"].startswith(
                f'inline; filename="{served_name}"'
            )
            assert "no-store" in served.headers["cache-control"]
        listed = (await client.get(f"/api/v1/staff/{staff_id}/training")).json()
        assert listed[0]["certificate"]["size"] == len(content)
    assert await count(db, "training_certificates") == 1, "a new upload replaces the old"


async def test_ten_megabytes_pass_and_one_byte_more_is_refused(
    client: Client, db: asyncpg.Connection
) -> None:
    _, training_id = await trained(db)
    url = f"/api/v1/training/{training_id}/certificate"
    exact = PDF + b"\0" * (MAX_CERTIFICATE_BYTES - len(PDF))
    assert len(exact) == 10 * 1024 * 1024
    over = invalid_params(await client.put(url, files=upload("big.pdf", exact + b"\0")))
    assert over == {"certificate": "must be at most 10 MB"}
    assert await count(db, "training_certificates") == 0
    response = await client.put(url, files=upload("big.pdf", exact))
    assert response.status_code == 200, response.text
    assert response.json()["size"] == MAX_CERTIFICATE_BYTES
    served = await client.get(url)
    assert served.content == exact
    # Far over the limit, the body is refused before it is read; the field is still named.
    huge = invalid_params(await client.put(url, files=upload("huge.pdf", exact * 2)), 413)
    assert huge == {"certificate": "must be at most 10 MB"}
    assert (await client.get(url)).content == exact, "the refused upload replaced nothing"


async def test_certificate_upload_needs_the_certificate_field(
    client: Client, db: asyncpg.Connection
) -> None:
    _, training_id = await trained(db)
    url = f"/api/v1/training/{training_id}/certificate"
    response = await client.put(url, files={"file": ("wave.pdf", PDF, "application/pdf")})
    assert set(invalid_params(response, response.status_code)) == {"certificate"}
    assert (
        await client.put(f"/api/v1/training/{MISSING}/certificate", files=upload("w.pdf", PDF))
    ).status_code == 404
    no_file = await client.get(url)
    assert problem(no_file, 404)["detail"] == "This training record has no certificate"


# who -> (reading a certificate, uploading one)
CERTIFICATE_ACCESS = {
    "officer": (200, 200),
    "admin": (200, 200),
    "partner": (200, 403),
    "manager_own": (200, 200),
    "manager_other": (404, 404),
}


async def test_who_may_fetch_and_upload_a_certificate(people: Any, db: asyncpg.Connection) -> None:
    own, training_id = await trained(db)
    await db.execute(
        "INSERT INTO training_certificates (venue_id, training_id, filename, content_type, size,"
        " content) VALUES ($1, $2, 'wave.pdf', 'application/pdf', $3, $4)",
        own,
        training_id,
        len(PDF),
        PDF,
    )
    staff_id = await db.fetchval("SELECT staff_id FROM training WHERE id = $1", training_id)
    other = await add_venue(db, "Elsewhere")
    for who, (read, write) in CERTIFICATE_ACCESS.items():
        role = "venue_manager" if who.startswith("manager") else who
        venues = {"manager_own": [own], "manager_other": [other]}.get(who, [])
        async with await people.signed_in(role, venues) as browser:
            for url in (
                f"/api/v1/training/{training_id}/certificate",
                f"/training/{training_id}/certificate",
            ):
                response = await browser.get(url)
                assert response.status_code == read, (who, url)
                assert (response.content == PDF) == (read == 200)
            put = await browser.put(
                f"/api/v1/training/{training_id}/certificate", files=upload("wave.pdf", PDF)
            )
            assert put.status_code == write, who
            # Another venue's manager learns nothing about the people either.
            person = await browser.get(f"/api/v1/staff/{staff_id}")
            assert person.status_code == (404 if who == "manager_other" else 200), who
