"""Issue 12 item 4 on two Jibao instances: an instruction (批示) the city records on the
county's report goes down to the county's Jibao through the city's outbox, signed, and is
recorded there on the county's own incident, from 市政府总值班室, with the township that
reported it responsible: the county's relay clock (K9) starts when it arrives. A county that is
down is retried; a repeat records nothing twice; a forged or broken document is refused with
nothing written."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
from pathlib import Path
from typing import Any

from sqlalchemy import update

from alerts.storage import models as m
from alerts.storage.database import make_engine
from tests.builders import at, initial, row_counts
from tests.engine.harness import served
from tests.upward.instances import SECRET, Pair, pair

REPORTER = {"name": "周值班", "post": "县政府总值班室值班员", "phone": "13900000021"}
INSTRUCTION = {
    "issuer": {"name": "王市长", "post": "市长", "level": "city"},
    "text": "全力救治伤员，查明原因，及时续报",
    "type": "act",
    "units": ["county"],
}


def _reported(both: Pair) -> tuple[int, int]:
    """A township's report, the county's 首报 approved and received by the city at 10:00; the
    county's incident id and the city's."""
    incident_id = both.county.post(initial(), both.seeded.tokens["qdh"])["incident_id"]
    status, draft = both.as_county(
        "POST", f"/api/v1/incidents/{incident_id}/upward", {"fields": {"reporter": REPORTER}}
    )
    assert status == 201, draft
    status, _ = both.as_county(
        "POST",
        f"/api/v1/upward/{draft['id']}/decision",
        {"decision": "approve", "approver": "陈副县长"},
    )
    both.county.at_tick(at(10))
    status, report = both.as_county("GET", f"/api/v1/upward/{draft['id']}")
    assert report["delivery"]["state"] == "received", report
    return incident_id, int(report["delivery"]["parent_incident_id"])


def _city_instructs(both: Pair, city_incident: int, received_at: str) -> Any:
    response = both.city_http.post(
        "/api/v1/instructions",
        json={**INSTRUCTION, "incident_id": city_incident, "received_at": received_at},
        headers={"Authorization": f"Bearer {both.city_office_token}"},
    )
    assert response.status_code == 201, response.text
    return response.json()


def _county_instructions(both: Pair) -> list[Any]:
    status, listed = both.as_county("GET", "/api/v1/instructions")
    assert status == 200, listed
    return list(listed["instructions"])


def test_a_city_instruction_reaches_the_county_and_starts_its_relay_clock(
    tmp_path: Path,
) -> None:
    both = pair(tmp_path, start=at(9, 10))
    incident_id, city_incident = _reported(both)

    both.seeded.clock.set(at(10, 20))
    _city_instructs(both, city_incident, at(10, 15).isoformat())
    assert _county_instructions(both) == []
    both.city.at_tick(at(10, 25))  # type: ignore[union-attr]  # the city's outbox sends it down

    (down,) = _county_instructions(both)
    status, down = both.as_county("GET", f"/api/v1/instructions/{down['id']}")
    assert status == 200, down
    assert down["incident_id"] == incident_id and down["office"] == "county"
    assert down["recorded_by"] == "市政府总值班室"
    assert down["issuer"] == INSTRUCTION["issuer"] and down["text"] == INSTRUCTION["text"]
    assert down["received_at"] == at(10, 25).isoformat()
    assert [u["unit"] for u in down["units"]] == ["qdh"]
    relay = next(o for o in down["obligations"] if o["key"].endswith(":relay"))
    assert relay["status"] == "pending" and relay["due_at"] == at(10, 55).isoformat()

    county_timeline = both.county.incident(incident_id, both.seeded.office_token)["timeline"]
    assert "upward_instruction_in" in [e["kind"] for e in county_timeline]
    city_timeline = both.as_city(f"/api/v1/incidents/{city_incident}")["timeline"]
    kinds = [e["kind"] for e in city_timeline]
    assert "upward_down_queued" in kinds and "upward_down_received" in kinds

    # a lost answer (the row queued again) records nothing twice: the key replays it
    engine = make_engine(both.city_database)
    with engine.begin() as connection:
        connection.execute(
            update(m.Notification)
            .where(m.Notification.address == "child:county")
            .values(state="queued", next_attempt_at=at(10, 25))
        )
    engine.dispose()
    both.city.at_tick(at(10, 30))  # type: ignore[union-attr]
    assert len(_county_instructions(both)) == 1


def test_a_county_that_is_down_gets_the_instruction_once_when_back(tmp_path: Path) -> None:
    both = pair(tmp_path, start=at(9, 10), notifications__backoff="1m")
    incident_id, city_incident = _reported(both)
    county_settings, clock = both.county.settings, both.seeded.clock
    port = int(both.county_url.rsplit(":", 1)[1])
    both.county.close()

    clock.set(at(10, 20))
    _city_instructs(both, city_incident, at(10, 15).isoformat())
    both.city.at_tick(at(10, 20))  # type: ignore[union-attr]
    city_rows = _rows(both)
    assert [(r["state"], r["attempts"]) for r in city_rows] == [("queued", 1)]
    assert "ClientConnectorError" in (city_rows[0]["last_error"] or "")

    county = served(county_settings, clock, port)
    both = dataclasses.replace(both, county=county)
    both.city.at_tick(at(10, 40))  # type: ignore[union-attr]
    both.city.at_tick(at(10, 50))  # type: ignore[union-attr]
    (down,) = _county_instructions(both)
    assert down["incident_id"] == incident_id
    assert down["received_at"] == at(10, 40).isoformat()
    assert [(r["state"], r["attempts"]) for r in _rows(both)] == [("sent", 2)]


def test_a_forged_or_broken_instruction_is_refused_and_changes_nothing(tmp_path: Path) -> None:
    both = pair(tmp_path, start=at(9, 10))
    _, city_incident = _reported(both)
    good = {
        "event": "jibao.instruction",
        "version": 1,
        "key": "k-1",
        "parent_incident_id": city_incident,
        "issuer": INSTRUCTION["issuer"],
        "type": "act",
        "text": "全力救治",
        "deadline_at": None,
    }
    before = row_counts(both.county.settings.database_url)
    cases: list[tuple[bytes, str | None, int, str]] = [
        (_bytes(good), "wrong-secret", 401, "bad_signature"),
        (_bytes(good), None, 401, "bad_signature"),
        (b"{not json", SECRET, 422, "bad_json"),
        (b"[1]", SECRET, 422, "bad_json"),
        (_bytes({**good, "type": "order"}), SECRET, 422, "invalid"),
        (_bytes({**good, "issuer": {"name": "", "level": "x"}}), SECRET, 422, "invalid"),
        (_bytes({**good, "parent_incident_id": "7"}), SECRET, 422, "invalid"),
        (_bytes({**good, "deadline_at": "tomorrow"}), SECRET, 422, "invalid"),
        (
            _bytes({**good, "parent_incident_id": city_incident + 99}),
            SECRET,
            404,
            "upward_incident_unknown",
        ),
    ]
    for raw, secret, status, code in cases:
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            digest = hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
            headers["X-Jibao-Signature"] = f"sha256={digest}"
        answer = both.county.http.post("/api/v1/upward/instructions", content=raw, headers=headers)
        assert answer.status_code == status, (raw, answer.text)
        error = answer.json()["error"]
        assert error["code"] == code and error["message"] not in ("", code), answer.text
    assert row_counts(both.county.settings.database_url) == before


def _bytes(document: dict[str, Any]) -> bytes:
    return json.dumps(document, ensure_ascii=False).encode()


def _rows(both: Pair) -> list[dict[str, Any]]:
    engine = make_engine(both.city_database)
    with engine.connect() as connection:
        rows = connection.execute(
            m.Notification.__table__.select().where(m.Notification.address == "child:county")  # type: ignore[attr-defined]
        ).mappings()
        found = [dict(r) for r in rows]
    engine.dispose()
    return found
