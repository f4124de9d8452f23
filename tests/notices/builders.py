"""Notices tests' data: a county where 千岛湖镇 filed one initial report an hour late and never
reported a fire the office registered from a media report (a missed candidate at the end of the
next day); confirming findings; reading candidates and notices through the API."""

from __future__ import annotations

from typing import Any

from tests.builders import County, at, county, initial, seed_roster
from tests.records.builders import REGISTER, office, unit

LATE_TITLE = initial()["title"]  # 千岛湖镇某工地脚手架坍塌: known 08:00, due 10:00
MISSED_TITLE = REGISTER["title"]  # 某村民房火灾: registered 15:00, never reported
READ_AT = at(9, day=23)  # after the missed cut-off (midnight into the 23rd)


def late_and_missed(database_url: str) -> tuple[County, int, int]:
    """The county on the 23rd at 09:00: (the county, the late incident, the missed one)."""
    c = county(database_url, start=at(11))
    seed_roster(database_url, start=at(0))
    late = c.post(initial())  # at 11:00: 60 minutes late
    assert late.status_code == 201, late.text
    c.clock.set(at(15))
    missed = c.post(REGISTER, token=c.office_token)
    assert missed.status_code == 201, missed.text
    c.at_tick(READ_AT)
    return c, int(late.json()["incident_id"]), int(missed.json()["incident_id"])


def listed(c: County, headers: dict[str, str] | None = None) -> dict[str, Any]:
    """GET /api/v1/notices (as the office unless told)."""
    answer = c.client.get("/api/v1/notices", headers=headers or office(c))
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


def candidate(c: County, kind: str) -> dict[str, Any]:
    """The one candidate of `kind`."""
    [found] = [s for s in listed(c)["candidates"] if s["kind"] == kind]
    return found


def finding_id(c: County, incident_id: int, kind: str = "missed") -> int:
    """The id of the incident's finding of `kind`."""
    answer = c.client.get(f"/api/v1/incidents/{incident_id}/findings", headers=office(c))
    [found] = [f for f in answer.json()["findings"] if f["kind"] == kind]
    return int(found["id"])


def decide(c: County, finding: int, decision: str, reason: str = "经核实属实") -> None:
    """A decision about a finding through the API, as the office."""
    answer = c.client.post(
        f"/api/v1/findings/{finding}/decision",
        json={"decision": decision, "reason": reason},
        headers=office(c),
    )
    assert answer.status_code == 201, answer.text


def draft(c: County, source: str, **body: Any) -> Any:
    """POST /api/v1/notices as the office."""
    return c.client.post("/api/v1/notices", json={"source": source, **body}, headers=office(c))


def approve(c: County, notice_id: int, headers: dict[str, str] | None = None) -> Any:
    """POST /api/v1/notices/{id}/approval (as the office unless told)."""
    return c.client.post(f"/api/v1/notices/{notice_id}/approval", headers=headers or office(c))


__all__ = ["office", "unit"]
