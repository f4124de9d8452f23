"""POST /api/v1/obligations/{id}/waiver: the incident's office waives a still-owed obligation
with a reason, by the same rules as the incident page's waive form."""

from __future__ import annotations

from typing import Any

from tests.builders import County, at, county, initial, obligation


def _waive(c: County, obligation_id: int, body: Any, token: str | None = None) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return c.client.post(f"/api/v1/obligations/{obligation_id}/waiver", json=body, headers=headers)


def _filed(database_url: str) -> tuple[County, int, dict[str, Any]]:
    c = county(database_url, start=at(9, 10))
    answer = c.post(initial()).json()
    return c, answer["incident_id"], obligation(answer, "upward")


def test_the_office_waives_a_pending_obligation_once(database_url: str) -> None:
    c, incident_id, upward = _filed(database_url)
    assert upward["status"] == "pending"
    c.clock.set(at(9, 30))

    answer = _waive(c, upward["id"], {"reason": "  市里已由县应急局直报 "}, c.office_token)

    assert answer.status_code == 201, answer.text
    assert answer.json() == {
        "obligation_id": upward["id"],
        "incident_id": incident_id,
        "instruction_id": None,
        "key": "upward",
        "status": "waived",
        "reason": "市里已由县应急局直报",
        "by": "县政府总值班室",
        "at": at(9, 30).isoformat(),
    }
    incident = c.incident(incident_id)
    waived = obligation(incident, "upward")
    assert (waived["status"], waived["reason"]) == ("waived", "市里已由县应急局直报")
    entry = next(e for e in incident["timeline"] if e["kind"] == "obligation_waived")
    assert (entry["at"], entry["data"]["key"], entry["data"]["reason"]) == (
        at(9, 30).isoformat(),
        "upward",
        "市里已由县应急局直报",
    )

    again = _waive(c, upward["id"], {"reason": "再来一次"}, c.office_token)
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "obligation_not_open"
    assert [f["field"] for f in again.json()["error"]["fields"]] == ["obligation_id"]


def test_a_met_obligation_is_a_conflict(database_url: str) -> None:
    c, incident_id, _ = _filed(database_url)
    met = obligation(c.incident(incident_id), "initial")
    assert met["status"] == "met"
    answer = _waive(c, met["id"], {"reason": "无需"}, c.office_token)
    assert answer.status_code == 409 and answer.json()["error"]["code"] == "obligation_not_open"


def test_only_the_office_waives(database_url: str) -> None:
    c, incident_id, upward = _filed(database_url)
    for token in (c.tokens["qdh"], c.tokens["wsh"]):  # the owning unit, and another
        answer = _waive(c, upward["id"], {"reason": "不报了"}, token)
        assert answer.status_code == 403, answer.text
        assert answer.json()["error"]["code"] == "forbidden"
    assert obligation(c.incident(incident_id), "upward")["status"] == "pending"
    assert _waive(c, upward["id"], {"reason": "x"}).status_code == 401


def test_bad_requests_name_what_is_wrong(database_url: str) -> None:
    c, incident_id, upward = _filed(database_url)
    cases = {
        "empty": ({"reason": "   "}, ["reason"]),
        "too-long": ({"reason": "长" * 201}, ["reason"]),
        "missing": ({}, ["reason"]),
        "unknown-key": ({"reason": "x", "by": "我"}, ["by"]),
    }
    for name, (body, fields) in cases.items():
        answer = _waive(c, upward["id"], body, c.office_token)
        assert answer.status_code == 422, name
        assert [f["field"] for f in answer.json()["error"]["fields"]] == fields, name
    assert _waive(c, 999_999, {"reason": "x"}, c.office_token).status_code == 404
    assert obligation(c.incident(incident_id), "upward")["status"] == "pending"


def test_the_schema_describes_the_waiver(database_url: str) -> None:
    c = county(database_url)
    schema = c.client.get("/openapi.json").json()
    operation = schema["paths"]["/api/v1/obligations/{obligation_id}/waiver"]["post"]
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/WaiverIn"}
    created = operation["responses"]["201"]["content"]["application/json"]["schema"]
    assert created == {"$ref": "#/components/schemas/WaiverOut"}
    assert {"401", "403", "404", "409", "422"} <= set(operation["responses"])
    assert schema["components"]["schemas"]["WaiverIn"]["required"] == ["reason"]
