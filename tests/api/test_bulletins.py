"""Bulletins by API: preview, publish once, read, download; the office's token publishes, a unit's
token reads what is published; bad input is a 4xx that writes nothing."""

from __future__ import annotations

from datetime import datetime

from tests.builders import CST, County, row_counts
from tests.dashboard.test_records import scenario

DECEMBER = datetime(2026, 12, 3, 9, tzinfo=CST)


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _county(database_url: str) -> County:
    c = scenario(database_url)
    c.clock.set(DECEMBER)
    return c


def test_preview_publish_and_read_back(database_url: str) -> None:
    c = _county(database_url)
    office = _auth(c.office_token)
    preview = c.client.get("/api/v1/bulletins/draft?kind=monthly&period=2026-11", headers=office)
    assert preview.status_code == 200, preview.text
    draft = preview.json()
    assert (draft["number"], draft["published_at"], draft["first_day"], draft["last_day"]) == (
        None,
        None,
        "2026-11-01",
        "2026-11-30",
    )
    qdh = next(r for r in draft["rows"] if r["code"] == "qdh")
    assert (qdh["score"], qdh["on_time"], qdh["late"], qdh["missed_candidates"]) == (91, 1, 1, 1)

    answer = c.client.post(
        "/api/v1/bulletins", json={"kind": "monthly", "period": "2026-11"}, headers=office
    )
    assert answer.status_code == 201, answer.text
    published = answer.json()
    assert (published["number"], published["number_text"]) == (1, "2026年第1期（月报）")
    assert published["published_at"] == DECEMBER.isoformat()
    assert published["rows"] == draft["rows"]

    unit = _auth(c.tokens["qdh"])
    listed = c.client.get("/api/v1/bulletins", headers=unit).json()["bulletins"]
    assert [b["id"] for b in listed] == [published["id"]]
    one = c.client.get(f"/api/v1/bulletins/{published['id']}", headers=unit).json()
    assert one["rows"] == draft["rows"]
    pdf = c.client.get(f"/api/v1/bulletins/{published['id']}?format=pdf", headers=unit)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    xlsx = c.client.get(f"/api/v1/bulletins/{published['id']}?format=xlsx", headers=unit)
    assert xlsx.status_code == 200 and xlsx.content.startswith(b"PK")

    again = c.client.post(
        "/api/v1/bulletins", json={"kind": "monthly", "period": "2026-11"}, headers=office
    )
    assert again.status_code == 409 and again.json()["error"]["code"] == "bulletin_exists"


def test_bad_requests_and_other_callers_change_nothing(database_url: str) -> None:
    c = _county(database_url)
    office, unit = _auth(c.office_token), _auth(c.tokens["qdh"])
    before = row_counts(database_url)
    for body, status in (
        ({"kind": "monthly", "period": "2026-12"}, 422),  # not ended
        ({"kind": "quarterly", "period": "2026-Q4"}, 422),
        ({"kind": "monthly", "period": "2026-13"}, 422),
        ({"kind": "weekly", "period": "2026-11"}, 422),
        ({"kind": "monthly"}, 422),
        ({"kind": "monthly", "period": "2026-11", "number": 7}, 422),
        ({"kind": "monthly", "period": "x" * 40}, 422),
    ):
        answer = c.client.post("/api/v1/bulletins", json=body, headers=office)
        assert answer.status_code == status, (body, answer.text)
        assert answer.json()["error"]["fields"], body
    mine = c.client.post(
        "/api/v1/bulletins", json={"kind": "monthly", "period": "2026-11"}, headers=unit
    )
    assert mine.status_code == 403
    assert (
        c.client.get(
            "/api/v1/bulletins/draft?kind=monthly&period=2026-11", headers=unit
        ).status_code
        == 403
    )
    assert (
        c.client.get("/api/v1/bulletins/draft?kind=monthly&period=11", headers=office).status_code
        == 422
    )
    assert c.client.get("/api/v1/bulletins/12345", headers=office).status_code == 404
    assert c.client.get("/api/v1/bulletins", headers={}).status_code == 401
    assert row_counts(database_url) == before
