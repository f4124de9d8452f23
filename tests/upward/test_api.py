"""The upward reports' API: drafting, editing, deciding and resending, and every refusal
answered clearly with nothing written."""

from __future__ import annotations

from typing import Any

import pytest

from tests.builders import County, at, county, initial, obligation, row_counts

PARENT = {"name": "city", "title": "市政府总值班室", "url": "http://127.0.0.1:9"}
REPORTER = {"name": "周值班", "post": "值班员", "phone": "13900000021"}


def _county(database_url: str, *, parents: list[dict[str, Any]] | None = None) -> County:
    return county(
        database_url,
        environ={"JIBAO_UPWARD_TOKEN_CITY": "issued"},
        upward={"parents": [PARENT] if parents is None else parents},
    )


def _call(c: County, method: str, path: str, body: Any = None, token: str | None = None) -> Any:
    headers = {"Authorization": f"Bearer {token or c.office_token}"}
    if isinstance(body, bytes | str):
        headers["Content-Type"] = "application/json"
        return c.client.request(method, path, content=body, headers=headers)
    return c.client.request(method, path, json=body, headers=headers)


def _approved_first(c: County) -> int:
    incident_id = c.post(initial()).json()["incident_id"]
    draft = _call(c, "POST", f"/api/v1/incidents/{incident_id}/upward", _body(REPORTER))
    assert draft.status_code == 201, draft.text
    decided = _call(
        c,
        "POST",
        f"/api/v1/upward/{draft.json()['id']}/decision",
        {"decision": "approve", "approver": "陈副县长"},
    )
    assert decided.status_code == 200, decided.text
    return int(incident_id)


def _body(reporter: dict[str, str] | None = None, **fields: Any) -> dict[str, Any]:
    return {"fields": {**({"reporter": reporter} if reporter else {}), **fields}}


REFUSED_DRAFTS = [  # (body, status, code, field)
    (_body(REPORTER, handling_finished=True), 422, "invalid", "fields.handling_finished"),
    (
        _body(REPORTER, occurred_at=at(11).isoformat(), learned_at=at(11).isoformat()),
        422,
        "invalid",
        "fields.occurred_at",
    ),
    (_body(REPORTER, description=None), 422, "invalid", "fields.description"),
    (_body(), 422, "invalid", "fields.reporter"),
    (_body(REPORTER, casualties={"dead": -1}), 422, "invalid", "fields.casualties.dead"),
    ({"kind": "final", **_body(REPORTER)}, 409, "upward_first_needed", None),
    ({"kind": "middle"}, 422, "invalid", "kind"),
    ({"parent": "province", **_body(REPORTER)}, 422, "invalid", "parent"),
    ({"fields": {"nonsense": 1}}, 422, "invalid", "fields.nonsense"),
    ({"fields": []}, 422, "invalid", "fields"),
    (b"{not json", 422, "bad_json", None),
    (b"[1, 2]", 422, "bad_json", None),
]


@pytest.mark.parametrize(("body", "status", "code", "field"), REFUSED_DRAFTS)
def test_a_refused_draft_names_its_problem_and_writes_nothing(
    database_url: str, body: Any, status: int, code: str, field: str | None
) -> None:
    c = _county(database_url)
    incident_id = c.post(initial()).json()["incident_id"]
    before = row_counts(database_url)
    answer = _call(c, "POST", f"/api/v1/incidents/{incident_id}/upward", body)
    assert answer.status_code == status, answer.text
    error = answer.json()["error"]
    assert error["code"] == code and error["message"]
    if field is not None:
        assert field in [f["field"] for f in error["fields"]], error
    assert row_counts(database_url) == before


def test_who_may_and_what_is_in_conflict(database_url: str) -> None:
    c = _county(database_url)
    incident_id = c.post(initial()).json()["incident_id"]
    path = f"/api/v1/incidents/{incident_id}/upward"
    assert _call(c, "GET", path, token=c.tokens["qdh"]).status_code == 403
    assert _call(c, "POST", path, _body(REPORTER), token=c.tokens["qdh"]).status_code == 403
    assert _call(c, "GET", "/api/v1/incidents/999/upward").status_code == 404
    assert _call(c, "GET", "/api/v1/upward/999").status_code == 404
    draft = _call(c, "POST", path, _body(REPORTER)).json()
    again = _call(c, "POST", path, _body(REPORTER))
    assert again.status_code == 409 and again.json()["error"]["code"] == "upward_draft_open"
    assert _call(c, "GET", path).json()["proposal"] is None
    decision = f"/api/v1/upward/{draft['id']}/decision"
    before = row_counts(database_url)
    for body in (
        {"decision": "return", "approver": "陈副县长"},
        {"decision": "return", "approver": "陈副县长", "reason": "   "},
        {"decision": "approve", "approver": ""},
        {"decision": "approve"},
        {"decision": "sign", "approver": "陈副县长"},
    ):
        answer = _call(c, "POST", decision, body)
        assert answer.status_code == 422, (body, answer.text)
    resend = _call(c, "POST", f"/api/v1/upward/{draft['id']}/resend", {})
    assert resend.status_code == 409 and resend.json()["error"]["code"] == "upward_not_resendable"
    assert row_counts(database_url) == before

    returned = _call(
        c,
        "POST",
        decision,
        {"decision": "return", "approver": "陈副县长", "reason": "伤亡数字待核"},
    )
    assert returned.json()["state"] == "returned" and returned.json()["reason"] == "伤亡数字待核"
    again = _call(c, "POST", decision, {"decision": "approve", "approver": "陈副县长"})
    assert again.status_code == 409 and again.json()["error"]["code"] == "upward_decided"
    edited = _call(c, "PATCH", f"/api/v1/upward/{draft['id']}", _body(casualties={"injured": 4}))
    assert edited.status_code == 200 and edited.json()["state"] == "draft"
    assert edited.json()["fields"]["casualties"]["injured"] == 4
    approved = _call(c, "POST", decision, {"decision": "approve", "approver": "陈副县长"}).json()
    assert approved["fields"]["casualties"]["injured"] == 4
    late = _call(c, "PATCH", f"/api/v1/upward/{draft['id']}", _body(description="改"))
    assert late.status_code == 409
    second = _call(c, "POST", path, {"kind": "first", **_body(REPORTER)})
    assert second.status_code == 409 and second.json()["error"]["code"] == "upward_first_exists"


def test_a_follow_up_keeps_to_what_the_parent_was_told(database_url: str) -> None:
    c = _county(database_url)
    incident_id = _approved_first(c)
    path = f"/api/v1/incidents/{incident_id}/upward"
    proposal = _call(c, "GET", path).json()["proposal"]
    assert proposal["kind"] == "followup"
    fewer = _call(c, "POST", path, _body(description="续报", casualties={"injured": 1}))
    assert fewer.status_code == 422
    assert fewer.json()["error"]["fields"][0]["field"] == "fields.casualties.injured"
    explained = _body(description="续报", casualties={"injured": 1}, casualty_correction="重复统计")
    draft = _call(c, "POST", path, explained)
    assert draft.status_code == 201 and draft.json()["kind"] == "followup"
    approved = _call(
        c,
        "POST",
        f"/api/v1/upward/{draft.json()['id']}/decision",
        {"decision": "approve", "approver": "陈副县长"},
    ).json()
    assert approved["number"] == 1 and approved["delivery"]["state"] == "waiting"
    unknown = _call(c, "POST", path, {"kind": "final", **_body(casualties={"dead": "unknown"})})
    assert unknown.status_code == 422
    assert unknown.json()["error"]["fields"][0]["field"] == "fields.casualties.dead"


def test_declining_a_first_report_waives_k4_with_the_reason_and_approver(
    database_url: str,
) -> None:
    c = _county(database_url)
    incident_id = c.post(initial()).json()["incident_id"]
    draft = _call(c, "POST", f"/api/v1/incidents/{incident_id}/upward", _body(REPORTER)).json()
    c.clock.set(at(9, 30))
    answer = _call(
        c,
        "POST",
        f"/api/v1/upward/{draft['id']}/decision",
        {"decision": "decline", "approver": "陈副县长", "reason": "经核实为一般事故，不需上报"},
    )
    assert answer.status_code == 200 and answer.json()["state"] == "declined"
    incident = c.incident(incident_id)
    k4 = obligation(incident, "upward")
    assert (k4["status"], k4["reason"]) == ("waived", "经核实为一般事故，不需上报")
    waived = [e for e in incident["timeline"] if e["kind"] == "obligation_waived"]
    assert waived and waived[0]["at"] == at(9, 30).isoformat()


def test_without_a_parent_there_is_nowhere_to_report(database_url: str) -> None:
    c = _county(database_url, parents=[])
    incident_id = c.post(initial()).json()["incident_id"]
    answer = _call(c, "POST", f"/api/v1/incidents/{incident_id}/upward", _body(REPORTER))
    assert answer.status_code == 409 and answer.json()["error"]["code"] == "upward_no_parent"
