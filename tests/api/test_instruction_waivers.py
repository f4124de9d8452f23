"""POST /api/v1/obligations/{id}/waiver on an instruction's clock (批示 免报): the office that
recorded the instruction waives a relay, acknowledgement, feedback or verification still owed;
the instruction's answer lists the waiver, the incident's timeline says `instruction_waived`,
the clock's ladder stops; anyone else, a clock already met and a bad reason write nothing."""

from __future__ import annotations

from typing import Any

from alerts.storage.database import make_engine, make_session_factory
from alerts.storage.queries import add_token, add_unit, unit_by_code
from tests.builders import County, at, county, initial, row_counts

PATH = "/api/v1/instructions"
REASON = "已由县领导当面交办"


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _waive(c: County, obligation_id: int, body: Any, token: str | None = None) -> Any:
    headers = _auth(token) if token else {}
    return c.client.post(f"/api/v1/obligations/{obligation_id}/waiver", json=body, headers=headers)


def _instruction(c: County, iid: int, token: str | None = None) -> Any:
    answer = c.client.get(f"{PATH}/{iid}", headers=_auth(token or c.office_token))
    assert answer.status_code == 200, answer.text
    return answer.json()


def _clock(answer: dict[str, Any], suffix: str) -> dict[str, Any]:
    """The clock of qdh whose key ends with `:suffix` (relay, ack, feedback, verify)."""
    return next(
        o for o in answer["obligations"] if o["key"] == f"instruction:{answer['id']}:qdh:{suffix}"
    )


def _recorded(c: County, *, incident_id: int | None = None, relay: bool = True) -> int:
    """An instruction to qdh received at 10:00 (feedback by 10:00 the next day), relayed at
    10:30 unless told not to; the clock is left at 10:30."""
    c.clock.set(at(10, 0))
    body = {
        "issuer": {"name": "王县长", "post": "县长", "level": "county"},
        "received_at": at(10, 0).isoformat(),
        "text": "请千岛湖镇迅速核实情况，24小时内报告处置结果。",
        "type": "act",
        "units": ["qdh"],
        "deadline_at": at(10, 0, day=22).isoformat(),
        "incident_id": incident_id,
    }
    recorded = c.client.post(PATH, json=body, headers=_auth(c.office_token))
    assert recorded.status_code == 201, recorded.text
    iid: int = recorded.json()["id"]
    c.clock.set(at(10, 30))
    if relay:
        moved = c.client.post(
            f"{PATH}/{iid}/units/qdh/relay", json={}, headers=_auth(c.office_token)
        )
        assert moved.status_code == 200, moved.text
    return iid


def _on_incident(database_url: str) -> tuple[County, int, int]:
    c = county(database_url, start=at(9, 10))
    incident_id = c.post(initial()).json()["incident_id"]
    return c, _recorded(c, incident_id=incident_id), incident_id


def test_the_office_waives_the_acknowledgement_and_the_instruction_shows_it(database_url):
    c, iid, incident_id = _on_incident(database_url)
    ack = _clock(_instruction(c, iid), "ack")
    assert ack["status"] == "pending"
    c.clock.set(at(10, 50))

    answer = _waive(c, ack["id"], {"reason": f"  {REASON} "}, c.office_token)

    assert answer.status_code == 201, answer.text
    assert answer.json() == {
        "obligation_id": ack["id"],
        "incident_id": incident_id,
        "instruction_id": iid,
        "key": f"instruction:{iid}:qdh:ack",
        "status": "waived",
        "reason": REASON,
        "by": "县政府总值班室",
        "at": at(10, 50).isoformat(),
    }
    shown = _instruction(c, iid)
    waived = _clock(shown, "ack")
    assert (waived["status"], waived["reason"], waived["met_at"]) == ("waived", REASON, None)
    assert _clock(shown, "feedback")["status"] == "pending"  # the other clocks run on
    assert shown["units"] == [{"unit": "qdh", "stage": "relayed"}]  # a waiver is no move
    assert shown["waivers"] == [
        {
            "obligation_id": ack["id"],
            "key": f"instruction:{iid}:qdh:ack",
            "kind": "instruction_ack",
            "unit": "qdh",
            "reason": REASON,
            "by": "县政府总值班室",
            "at": at(10, 50).isoformat(),
        }
    ]
    assert _instruction(c, iid, c.tokens["qdh"])["waivers"] == shown["waivers"]
    timeline = c.incident(incident_id)["timeline"]
    entry = next(e for e in timeline if e["kind"] == "instruction_waived")
    assert entry["at"] == at(10, 50).isoformat()
    assert entry["data"] == {
        "instruction_id": iid,
        "unit": "qdh",
        "key": f"instruction:{iid}:qdh:ack",
        "kind": "instruction_ack",
        "by": "县政府总值班室",
        "reason": REASON,
    }
    assert any(
        e["kind"] == "obligation_waived" and e["data"]["key"] == waived["key"] for e in timeline
    )

    again = _waive(c, ack["id"], {"reason": "再来一次"}, c.office_token)
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "obligation_not_open"


def test_an_acknowledgement_after_the_waiver_meets_nothing_but_moves_the_unit(database_url):
    c, iid, _ = _on_incident(database_url)
    ack = _clock(_instruction(c, iid), "ack")
    assert _waive(c, ack["id"], {"reason": REASON}, c.office_token).status_code == 201
    c.clock.set(at(11, 0))

    moved = c.client.post(
        f"{PATH}/{iid}/units/qdh/acknowledge", json={}, headers=_auth(c.tokens["qdh"])
    )

    assert moved.status_code == 200, moved.text
    assert moved.json()["units"] == [{"unit": "qdh", "stage": "acknowledged"}]
    assert _clock(moved.json(), "ack")["status"] == "waived"


def test_an_instruction_on_no_incident_has_its_relay_waived(database_url):
    c = county(database_url, start=at(9, 10))
    iid = _recorded(c, relay=False)
    relay = _clock(_instruction(c, iid), "relay")
    c.clock.set(at(10, 45))  # 15 minutes overdue: waived from now on, not late

    answer = _waive(c, relay["id"], {"reason": "批示已由县领导直接交办"}, c.office_token)

    assert answer.status_code == 201, answer.text
    assert (answer.json()["incident_id"], answer.json()["instruction_id"]) == (None, iid)
    waived = _clock(_instruction(c, iid), "relay")
    assert (waived["status"], waived["late_minutes"]) == ("waived", None)


def test_a_waived_feedback_brings_no_督办(database_url):
    c, iid, incident_id = _on_incident(database_url)
    feedback = _clock(_instruction(c, iid), "feedback")
    c.clock.set(at(20, 0))
    assert (
        _waive(c, feedback["id"], {"reason": "已并入另一批示办理"}, c.office_token).status_code
        == 201
    )

    c.at_tick(at(10, 30, day=22))  # half an hour past the feedback's due time

    fired = {e["obligation_id"] for e in c.incident(incident_id)["escalations"]}
    assert feedback["id"] not in fired
    assert _clock(_instruction(c, iid), "feedback")["status"] == "waived"


def _other_office(database_url: str) -> str:
    """A second office (another county) with its own token."""
    engine = make_engine(database_url)
    with make_session_factory(engine)() as session:
        city = unit_by_code(session, code="city")
        other = add_unit(
            session, code="county2", name="邻县总值班室", parent=city, is_office=True, now=at(9, 0)
        )
        token = add_token(session, unit=other, label="test", now=at(9, 0))
        session.commit()
    engine.dispose()
    return token


def test_only_the_office_that_recorded_it_waives(database_url):
    c, iid, _ = _on_incident(database_url)
    ack = _clock(_instruction(c, iid), "ack")
    other = _other_office(database_url)
    before = row_counts(database_url)

    for token in (c.tokens["qdh"], c.tokens["wsh"], other):  # the unit, another, another office
        answer = _waive(c, ack["id"], {"reason": "不签收了"}, token)
        assert answer.status_code == 403, answer.text
        assert answer.json()["error"]["code"] == "forbidden"
    assert _waive(c, ack["id"], {"reason": "x"}).status_code == 401

    assert row_counts(database_url) == before
    assert _clock(_instruction(c, iid), "ack")["status"] == "pending"


def test_bad_waivers_of_an_instruction_clock_write_nothing(database_url):
    c, iid, _ = _on_incident(database_url)
    shown = _instruction(c, iid)
    ack, relay = _clock(shown, "ack"), _clock(shown, "relay")
    assert relay["status"] == "met"
    before = row_counts(database_url)
    cases = {
        "empty": (ack, {"reason": "   "}, 422, ["reason"]),
        "too-long": (ack, {"reason": "长" * 201}, 422, ["reason"]),
        "missing": (ack, {}, 422, ["reason"]),
        "already-met": (relay, {"reason": "无需转办"}, 409, ["obligation_id"]),
        "met-and-empty": (relay, {"reason": " "}, 422, ["reason"]),
    }
    for name, (clock, body, status, fields) in cases.items():
        answer = _waive(c, clock["id"], body, c.office_token)
        assert answer.status_code == status, (name, answer.text)
        assert [f["field"] for f in answer.json()["error"]["fields"]] == fields, name
    assert row_counts(database_url) == before
    assert _instruction(c, iid)["waivers"] == []


def test_a_clock_of_an_instruction_on_an_archived_incident_is_not_waived(database_url):
    c, iid, incident_id = _on_incident(database_url)
    c.clock.set(at(10, 40))
    final = c.post({"kind": "final", "incident_id": incident_id, "description": "终报"})
    assert final.status_code == 201, final.text
    archived = c.client.post(
        f"/api/v1/incidents/{incident_id}/archive", headers=_auth(c.office_token)
    )
    assert archived.status_code == 200, archived.text
    ack = _clock(_instruction(c, iid), "ack")
    assert ack["status"] == "pending"
    before = row_counts(database_url)

    answer = _waive(c, ack["id"], {"reason": REASON}, c.office_token)

    assert answer.status_code == 409, answer.text
    assert answer.json()["error"]["code"] == "incident_archived"
    assert row_counts(database_url) == before
