"""Leader instructions (批示) through the API: scenario 8's clocks, each move on the incident's
timeline with who and when, feedback as a filing, and every bad input refused with nothing
written (docs/scenarios.md, scenario 8)."""

from __future__ import annotations

from typing import Any

import pytest

from alerts.roster.watch import open_items
from alerts.storage import models as m
from tests.builders import County, at, county, initial, row_counts

PATH = "/api/v1/instructions"


def instruction(**overrides: Any) -> dict[str, Any]:
    """An instruction received at 10:00 saying 24 小时内报告, on township qdh."""
    body: dict[str, Any] = {
        "issuer": {"name": "王县长", "post": "县长", "level": "county"},
        "received_at": at(10, 0).isoformat(),
        "text": "请千岛湖镇迅速核实情况，24小时内报告处置结果。",
        "type": "act",
        "units": ["qdh"],
        "deadline_at": at(10, 0, day=22).isoformat(),
    }
    return {**body, **overrides}


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _record(c: County, body: dict[str, Any] | None = None, token: str | None = None) -> Any:
    return c.client.post(PATH, json=body or instruction(), headers=_auth(token or c.office_token))


def _move(c: County, iid: int, code: str, move: str, token: str, **body: Any) -> Any:
    return c.client.post(f"{PATH}/{iid}/units/{code}/{move}", json=body, headers=_auth(token))


def _feedback(c: County, iid: int, token: str, **extra: Any) -> Any:
    return c.post(
        {"kind": "feedback", "instruction_id": iid, "description": "已落实", **extra}, token
    )


def _clocks(answer: dict[str, Any]) -> dict[str, tuple[str, str]]:
    return {o["key"].split(":", 2)[2]: (o["status"], o["due_at"]) for o in answer["obligations"]}


def _scenario_8(database_url: str) -> tuple[County, int, int]:
    """An incident of qdh, an instruction on it at 10:00, relayed at 10:30."""
    c = county(database_url, start=at(9, 10))
    incident_id = c.post(initial()).json()["incident_id"]
    c.clock.set(at(10, 0))
    recorded = _record(c, instruction(incident_id=incident_id))
    assert recorded.status_code == 201, recorded.text
    iid = recorded.json()["id"]
    c.clock.set(at(10, 30))
    relayed = _move(c, iid, "qdh", "relay", c.office_token)
    assert relayed.status_code == 200, relayed.text
    return c, iid, incident_id


def test_scenario_8_relay_due_10_30_ack_11_30_feedback_10_00_the_next_day(database_url):
    c = county(database_url, start=at(10, 0))

    recorded = _record(c)

    assert recorded.status_code == 201, recorded.text
    answer = recorded.json()
    assert answer["units"] == [{"unit": "qdh", "stage": "received"}]
    assert _clocks(answer) == {"qdh:relay": ("pending", at(10, 30).isoformat())}
    c.clock.set(at(10, 30))
    relayed = _move(c, answer["id"], "qdh", "relay", c.office_token).json()
    assert _clocks(relayed) == {
        "qdh:relay": ("met", at(10, 30).isoformat()),
        "qdh:ack": ("pending", at(11, 30).isoformat()),
        "qdh:feedback": ("pending", at(10, 0, day=22).isoformat()),
    }
    assert relayed["units"] == [{"unit": "qdh", "stage": "relayed"}]
    kinds = {o["key"].rsplit(":", 1)[1]: o["kind"] for o in relayed["obligations"]}
    assert kinds == {
        "relay": "instruction_relay",
        "ack": "instruction_ack",
        "feedback": "instruction_feedback",
    }
    owed = {o["key"].rsplit(":", 1)[1]: o["owed_by"] for o in relayed["obligations"]}
    assert owed == {"relay": "county", "ack": "qdh", "feedback": "qdh"}


def test_every_move_is_on_the_incidents_timeline_and_feedback_is_a_filing(database_url):
    c, iid, incident_id = _scenario_8(database_url)
    c.clock.set(at(10, 50))
    assert _move(c, iid, "qdh", "acknowledge", c.tokens["qdh"]).status_code == 200
    c.clock.set(at(15, 0))
    reporter = {"name": "张三", "post": "镇应急办主任", "phone": "13800000000"}

    filed = _feedback(c, iid, c.tokens["qdh"], reporter=reporter)

    assert filed.status_code == 201, filed.text
    body = filed.json()
    assert (body["instruction_id"], body["incident_id"], body["filing_id"]) == (
        iid,
        incident_id,
        None,
    )
    assert _clocks(body)["qdh:feedback"] == ("met", at(10, 0, day=22).isoformat())
    assert _clocks(body)["qdh:verify"] == ("pending", at(17, 0).isoformat())
    c.clock.set(at(16, 0))
    returned = _move(c, iid, "qdh", "return", c.office_token, reason="请补充伤员去向")
    assert returned.json()["units"] == [{"unit": "qdh", "stage": "acknowledged"}]
    assert _clocks(returned.json())["qdh:feedback:2"] == (
        "pending",
        at(16, 0, day=22).isoformat(),
    )
    incident = c.incident(incident_id)
    moves = [
        (e["kind"], e["at"], e["data"]["by"])
        for e in incident["timeline"]
        if e["kind"].startswith("instruction_")
    ]
    assert moves == [
        ("instruction_recorded", at(10, 0).isoformat(), "县政府总值班室"),
        ("instruction_relay", at(10, 30).isoformat(), "县政府总值班室"),
        ("instruction_acknowledge", at(10, 50).isoformat(), "千岛湖镇"),
        ("instruction_feed_back", at(15, 0).isoformat(), "张三"),
        ("instruction_return", at(16, 0).isoformat(), "县政府总值班室"),
    ]
    returned_event = next(e for e in incident["timeline"] if e["kind"] == "instruction_return")
    assert returned_event["data"]["reason"] == "请补充伤员去向"
    shown = {o["key"] for o in incident["obligations"] if o["kind"].startswith("instruction_")}
    assert f"instruction:{iid}:qdh:feedback" in shown


def test_get_and_list_show_the_instruction_to_its_office_and_units_only(database_url):
    c, iid, _ = _scenario_8(database_url)

    own = c.client.get(f"{PATH}/{iid}", headers=_auth(c.tokens["qdh"]))
    other = c.client.get(f"{PATH}/{iid}", headers=_auth(c.tokens["wsh"]))
    listed = c.client.get(PATH, headers=_auth(c.office_token)).json()["instructions"]

    assert own.status_code == 200 and own.json()["text"].startswith("请千岛湖镇")
    assert [s["move"] for s in own.json()["steps"]] == ["relay"]
    assert other.status_code == 404
    assert [i["id"] for i in listed] == [iid]
    assert c.client.get(PATH, headers=_auth(c.tokens["wsh"])).json() == {"instructions": []}


def test_reference_needs_relay_and_acknowledgement_only(database_url):
    c = county(database_url, start=at(10, 0))
    iid = _record(c, instruction(type="reference", deadline_at=None)).json()["id"]
    _move(c, iid, "qdh", "relay", c.office_token)

    acked = _move(c, iid, "qdh", "acknowledge", c.tokens["qdh"]).json()

    assert acked["units"] == [{"unit": "qdh", "stage": "closed"}]
    assert sorted(_clocks(acked)) == ["qdh:ack", "qdh:relay"]


BAD_RECORDS = [
    pytest.param({"units": ["nowhere"]}, "units.0", id="unknown-unit"),
    pytest.param({"units": ["city"]}, "units.0", id="a-unit-not-the-offices"),
    pytest.param({"units": ["qdh", "qdh"]}, "units.1", id="unit-twice"),
    pytest.param({"deadline_at": at(9, 0).isoformat()}, "deadline_at", id="deadline-before"),
    pytest.param({"received_at": at(12, 0).isoformat()}, "received_at", id="received-ahead"),
    pytest.param({"incident_id": 999}, "incident_id", id="unknown-incident"),
    pytest.param({"type": "order"}, "type", id="unknown-type"),
    pytest.param({"units": []}, "units", id="no-units"),
    pytest.param({"text": "  "}, "text", id="empty-text"),
]


@pytest.mark.parametrize(("change", "field"), BAD_RECORDS)
def test_a_bad_instruction_is_refused_and_nothing_written(database_url, change, field):
    c = county(database_url, start=at(10, 0))
    before = row_counts(database_url)

    answer = _record(c, instruction(**change))

    assert answer.status_code == 422, answer.text
    assert field in [f["field"] for f in answer.json()["error"]["fields"]]
    assert row_counts(database_url) == before


def test_only_an_office_records_instructions(database_url):
    c = county(database_url, start=at(10, 0))
    before = row_counts(database_url)

    answer = _record(c, token=c.tokens["qdh"])

    assert answer.status_code == 403
    assert row_counts(database_url) == before


def _refused(database_url: str, c: County, answer: Any, status: int, code: str) -> None:
    assert answer.status_code == status, answer.text
    assert answer.json()["error"]["code"] == code


def test_bad_moves_are_refused_and_nothing_written(database_url):
    c, iid, _ = _scenario_8(database_url)
    before = row_counts(database_url)

    cases = [
        (_move(c, iid, "qdh", "relay", c.office_token), 409, "move_not_allowed"),
        (_move(c, iid, "qdh", "verify", c.office_token), 409, "move_not_allowed"),
        (_move(c, iid, "wsh", "acknowledge", c.tokens["wsh"]), 404, "instruction_not_found"),
        (_move(c, iid, "wsh", "acknowledge", c.office_token), 404, "unit_not_responsible"),
        (_move(c, iid, "qdh", "verify", c.tokens["qdh"]), 403, "forbidden"),
        (_move(c, iid, "qdh", "return", c.office_token), 409, "move_not_allowed"),
        (_move(c, 999, "qdh", "relay", c.office_token), 404, "instruction_not_found"),
        (_feedback(c, iid, c.tokens["wsh"]), 422, "invalid"),
        (_feedback(c, 999, c.tokens["qdh"]), 422, "invalid"),
        (_feedback(c, iid, c.tokens["wsh"], unit="qdh"), 403, "forbidden"),
    ]

    for answer, status, code in cases:
        _refused(database_url, c, answer, status, code)
    assert row_counts(database_url) == before


def test_feedback_the_unit_does_not_owe_names_the_instruction(database_url):
    c, iid, _ = _scenario_8(database_url)

    answer = _feedback(c, iid, c.tokens["wsh"])

    assert answer.status_code == 422
    assert answer.json()["error"]["fields"][0]["field"] == "instruction_id"


def test_a_second_feedback_after_verification_is_refused_and_nothing_written(database_url):
    c, iid, _ = _scenario_8(database_url)
    assert _feedback(c, iid, c.tokens["qdh"]).status_code == 201
    assert _move(c, iid, "qdh", "verify", c.office_token).status_code == 200
    before = row_counts(database_url)

    again = _feedback(c, iid, c.tokens["qdh"])

    _refused(database_url, c, again, 409, "feedback_already_verified")
    assert row_counts(database_url) == before
    closed = _move(c, iid, "qdh", "close", c.office_token).json()
    assert closed["units"] == [{"unit": "qdh", "stage": "closed"}]
    late = _feedback(c, iid, c.tokens["qdh"])
    _refused(database_url, c, late, 409, "feedback_already_verified")


def test_a_return_needs_a_reason(database_url):
    c, iid, _ = _scenario_8(database_url)
    assert _feedback(c, iid, c.tokens["qdh"]).status_code == 201
    before = row_counts(database_url)

    answer = _move(c, iid, "qdh", "return", c.office_token)

    assert answer.status_code == 422
    assert answer.json()["error"]["fields"][0]["field"] == "reason"
    assert row_counts(database_url) == before


def test_feedback_for_a_reference_is_not_owed(database_url):
    c = county(database_url, start=at(10, 0))
    iid = _record(c, instruction(type="reference", deadline_at=None)).json()["id"]
    _move(c, iid, "qdh", "relay", c.office_token)
    before = row_counts(database_url)

    answer = _feedback(c, iid, c.tokens["qdh"])

    assert answer.status_code == 422
    assert answer.json()["error"]["fields"][0]["field"] == "instruction_id"
    assert row_counts(database_url) == before


def test_a_handover_lists_pending_instruction_clocks_beside_the_report_clocks(
    database_url: str,
) -> None:
    """docs/scenarios.md, scenario 10: what a shift hands over includes pending instructions,
    also one written on no incident (named by its text)."""
    c, iid, incident_id = _scenario_8(database_url)
    loose = _record(c, instruction(text="请各乡镇加强汛期值守。", deadline_at=None))
    assert loose.status_code == 201, loose.text
    services = c.client.app.state.services  # type: ignore[attr-defined]
    with services.session() as session:
        office = session.query(m.Unit).filter_by(code="county").one()
        township = session.query(m.Unit).filter_by(code="qdh").one()
        handed = open_items(session, office)
        owed_by_qdh = open_items(session, township)
    kinds = {(item["kind"], item["instruction_id"], item["incident_id"]) for item in handed}
    assert ("instruction_relay", loose.json()["id"], None) in kinds
    assert any(k == "instruction_ack" and i == iid for k, i, _ in kinds)
    assert any(k == "upward" and inc == incident_id for k, _, inc in kinds)
    titled = next(item for item in handed if item["instruction_id"] == loose.json()["id"])
    assert titled["title"] == "请各乡镇加强汛期值守。"
    assert {item["kind"] for item in owed_by_qdh} >= {"instruction_ack", "instruction_feedback"}
