"""POST /api/v1/incidents/{id}/archive (归档): only the incident's office, only once the final
report is in (DOMAIN scenario 9's last clause); an archived incident is read-only and leaves the
open list."""

from __future__ import annotations

from typing import Any

from tests.builders import County, at, county, followup, initial, obligation, row_counts


def _archive(c: County, incident_id: int, token: str | None) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return c.client.post(f"/api/v1/incidents/{incident_id}/archive", headers=headers)


def _finished(database_url: str) -> tuple[County, int]:
    """Scenario 9: handling finished on day 2 at 18:00, final report due day 3 at 18:00."""
    c = county(database_url, start=at(9, 10))
    incident_id = c.post(initial()).json()["incident_id"]
    c.clock.set(at(18, day=22))
    c.post(followup(incident_id, handling_finished=True))
    return c, incident_id


def _final(c: County, incident_id: int) -> None:
    answer = c.post({"kind": "final", "incident_id": incident_id, "description": "终报"})
    assert answer.status_code == 201, answer.text


def test_archiving_before_the_final_report_is_refused_and_writes_nothing(
    database_url: str,
) -> None:
    c, incident_id = _finished(database_url)
    before = row_counts(database_url)

    answer = _archive(c, incident_id, c.office_token)

    assert answer.status_code == 409, answer.text
    assert answer.json()["error"]["code"] == "final_report_missing"
    assert "终报" in answer.json()["error"]["message"]
    assert row_counts(database_url) == before
    assert c.incident(incident_id)["archived_at"] is None


def test_the_office_archives_a_closed_incident_once(database_url: str) -> None:
    c, incident_id = _finished(database_url)
    c.clock.set(at(12, day=23))
    _final(c, incident_id)
    c.clock.set(at(14, day=23))

    answer = _archive(c, incident_id, c.office_token)

    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["state"], body["archived_at"], body["archived_by"]) == (
        "archived",
        at(14, day=23).isoformat(),
        "县政府总值班室",
    )
    incident = c.incident(incident_id)
    entry = next(e for e in incident["timeline"] if e["kind"] == "incident_archived")
    assert entry["at"] == at(14, day=23).isoformat()
    listed = c.client.get(
        "/api/v1/incidents", headers={"Authorization": f"Bearer {c.office_token}"}
    ).json()
    assert incident_id not in [i["id"] for i in listed["incidents"]]
    archived = c.client.get(
        "/api/v1/incidents?state=archived",
        headers={"Authorization": f"Bearer {c.office_token}"},
    ).json()
    assert [i["id"] for i in archived["incidents"]] == [incident_id]

    again = _archive(c, incident_id, c.office_token)
    assert again.status_code == 409 and again.json()["error"]["code"] == "incident_archived"


def test_an_archived_incident_takes_no_filing_waiver_or_instruction(database_url: str) -> None:
    c, incident_id = _finished(database_url)
    c.clock.set(at(12, day=23))
    _final(c, incident_id)
    assert _archive(c, incident_id, c.office_token).status_code == 200
    still_owed = [o for o in c.incident(incident_id)["obligations"] if o["status"] == "pending"]
    before = row_counts(database_url)

    refused = [
        c.post(followup(incident_id)),
        c.post({"kind": "final", "incident_id": incident_id, "description": "再报"}),
        c.post(
            {"kind": "register", "unit": "qdh", "incident_id": incident_id, "description": "x"},
            token=c.office_token,
        ),
    ]
    for answer in refused:
        assert answer.status_code == 409, answer.text
        assert answer.json()["error"]["code"] == "incident_archived"
    instruction = c.client.post(
        "/api/v1/instructions",
        json={
            "issuer": {"name": "王五", "post": "县长", "level": "county"},
            "received_at": at(11, 30, day=23).isoformat(),
            "text": "请总结经验教训",
            "type": "guidance",
            "incident_id": incident_id,
            "units": ["qdh"],
        },
        headers={"Authorization": f"Bearer {c.office_token}"},
    )
    assert instruction.status_code == 422, instruction.text
    assert instruction.json()["error"]["fields"] == [
        {"field": "incident_id", "problem": "该事件已归档"}
    ]
    assert still_owed == []
    assert row_counts(database_url) == before


def test_only_the_incidents_office_archives(database_url: str) -> None:
    c, incident_id = _finished(database_url)
    c.clock.set(at(12, day=23))
    _final(c, incident_id)
    before = row_counts(database_url)
    for token in (c.tokens["qdh"], c.tokens["wsh"]):  # the owning unit, and another
        assert _archive(c, incident_id, token).status_code == 403
    assert _archive(c, incident_id, None).status_code == 401
    assert _archive(c, 999999, c.office_token).status_code == 404
    assert row_counts(database_url) == before


def test_archiving_stops_the_countys_own_clocks_and_misses_what_is_overdue(
    database_url: str,
) -> None:
    """The unit's final is in, but the county still owes the city its report (K4, overdue) and
    its own final (not yet due): archiving misses the one and stops the other."""
    c, incident_id = _finished(database_url)
    c.clock.set(at(12, day=23))
    _final(c, incident_id)
    incident = c.incident(incident_id)
    assert obligation(incident, "upward")["status"] == "pending"
    assert obligation(incident, "final:office")["status"] == "pending"

    assert _archive(c, incident_id, c.office_token).status_code == 200

    incident = c.incident(incident_id)
    assert obligation(incident, "upward")["status"] == "missed"
    final = obligation(incident, "final:office")
    assert (final["status"], final["reason"]) == ("waived", "archived")
    assert incident["next_due_at"] is None
