"""What the domain refuses answers with the same status and body as ever: the error shape, the
code, each field's problem in the configured language (external checks read them)."""

from __future__ import annotations

from typing import Any

from tests.builders import County, at, county, initial, seed_roster


def _api(c: County, method: str, path: str, token: str | None = None, **body: Any) -> Any:
    headers = {"Authorization": f"Bearer {token or c.office_token}"}
    return c.client.request(method, path, json=body or None, headers=headers)


def _error(code: str, message: str, *fields: tuple[str, str]) -> dict[str, Any]:
    problems = [{"field": field, "problem": problem} for field, problem in fields]
    return {"error": {"code": code, "message": message, "fields": problems}}


def test_intake_refusals(database_url: str) -> None:
    c = county(database_url, start=at(10))
    phone = c.post(initial(kind="phone"))
    assert phone.status_code == 403
    assert phone.json() == _error(
        "forbidden",
        "无权为该单位或该事件报送",
        ("kind", "电话报告由值班室登记，单位请报送书面首报"),
    )
    missing = c.post({"kind": "followup", "incident_id": 999, "description": "续报"})
    assert (missing.status_code, missing.json()) == (
        404,
        _error("incident_not_found", "事件不存在"),
    )
    incident_id = c.post(initial()).json()["incident_id"]
    again = c.post(initial(incident_id=incident_id))
    assert again.status_code == 409
    assert again.json() == _error("initial_exists", "该单位已报送首报，请改报续报")
    future = c.post(initial(occurred_at=at(11).isoformat(), learned_at=at(11, 5).isoformat()))
    assert future.status_code == 422
    assert future.json()["error"]["code"] == "invalid"
    assert [f["field"] for f in future.json()["error"]["fields"]] == ["occurred_at", "learned_at"]


def test_roster_refusals(database_url: str) -> None:
    c = county(database_url, start=at(9, 10))
    ids = seed_roster(database_url, start=at(0, day=1), days=60, skip=(("wsh", "duty_officer"),))
    swap = _api(
        c,
        "POST",
        "/api/v1/roster/swaps",
        unit="county",
        role="duty_officer",
        from_person_id=ids[("county", "duty_officer")],
        to_person_id=ids[("county", "section_head")],
        starts_at=at(11).isoformat(),
        ends_at=at(14).isoformat(),
    ).json()
    path = f"/api/v1/roster/swaps/{swap['id']}/approve"
    director = _api(c, "POST", path, person_id=ids[("county", "director")])
    assert director.status_code == 403
    assert director.json() == _error(
        "forbidden", "无权为该单位或该事件报送", ("person_id", "只有当前带班领导可以审批")
    )
    assert _api(c, "POST", path, person_id=ids[("county", "leader_on_duty")]).status_code == 200
    twice = _api(c, "POST", path, person_id=ids[("county", "leader_on_duty")])
    assert (twice.status_code, twice.json()) == (
        409,
        _error("already_decided", "已处理，不能重复操作"),
    )
    check = _api(c, "POST", "/api/v1/roster/duty-checks", unit="wsh")
    assert check.status_code == 409
    assert check.json() == _error(
        "nobody_on_duty", "该单位当前无人值班", ("unit", "该单位当前无人值班")
    )
