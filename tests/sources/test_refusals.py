"""What a source may not send, and who may not send it: each refused with a 4xx in the one error
shape, naming the field where the sender wrote it, and nothing written, never a 5xx. A group is
taken whole or not at all."""

from __future__ import annotations

import json
from typing import Any

import pytest

from alerts.api.auth import sign
from alerts.storage.database import make_engine, make_session_factory
from alerts.storage.queries import unit_by_code
from tests.builders import at, row_counts
from tests.sources.builders import alert, alertmanager_source, county_with_sources, message


def _fields(answer: Any) -> list[str]:
    return [f["field"] for f in answer.json()["error"]["fields"]]


def _bad_alert(**changes: Any) -> dict[str, Any]:
    body = alert()
    for key, value in changes.items():
        if value is None:
            body.pop(key)
        else:
            body[key] = value
    return message(body)


def _without_label(name: str) -> dict[str, Any]:
    body = alert()
    del body["labels"][name]
    return message(body)


HEADERS = {"Content-Type": "application/json"}
BAD_BODIES: list[tuple[str, Any, int, str, list[str]]] = [
    ("not json", b"{firing", 422, "bad_json", []),
    ("not utf-8", b'{"version": "4", "x": "\xff"}', 422, "bad_json", []),
    ("NaN", b'{"version": "4", "truncatedAlerts": NaN}', 422, "bad_json", []),
    ("an array", [message(alert())], 422, "invalid", ["body"]),
    ("a string", "firing", 422, "invalid", ["body"]),
    ("too deep", b"[" * 40 + b"]" * 40, 422, "too_deep", []),
    (
        "no version",
        {k: v for k, v in message(alert()).items() if k != "version"},
        422,
        "invalid",
        ["version"],
    ),
    ("version 3", {**message(alert()), "version": "3"}, 422, "invalid", ["version"]),
    ("alerts not a list", {**message(), "alerts": {"0": alert()}}, 422, "invalid", ["alerts"]),
    ("no status", _bad_alert(status=None), 422, "invalid", ["alerts.0.status"]),
    ("unknown status", _bad_alert(status="pending"), 422, "invalid", ["alerts.0.status"]),
    ("no labels", _bad_alert(labels=None), 422, "invalid", ["alerts.0.labels"]),
    (
        "a label not text",
        _bad_alert(labels={"alertname": "X", "severity": 2}),
        422,
        "invalid",
        ["alerts.0.labels.severity"],
    ),
    ("no start", _bad_alert(startsAt=None), 422, "invalid", ["alerts.0.startsAt"]),
    (
        "a start that is not a time",
        _bad_alert(startsAt="yesterday"),
        422,
        "invalid",
        ["alerts.0.startsAt"],
    ),
    (
        "a start in the future",
        _bad_alert(startsAt=at(12).isoformat()),
        422,
        "invalid",
        ["alerts.0.startsAt"],
    ),
    (
        "a start before 1970",
        _bad_alert(startsAt="0001-01-01T00:00:00Z"),
        422,
        "invalid",
        ["alerts.0.startsAt"],
    ),
    (
        "a fingerprint too long",
        _bad_alert(fingerprint="f" * 101),
        422,
        "invalid",
        ["alerts.0.fingerprint"],
    ),
    (
        "the grade's label missing",
        _without_label("severity"),
        422,
        "invalid",
        ["alerts.0.labels.severity"],
    ),
    (
        "a grade not in the table",
        _bad_alert(labels={"alertname": "X", "severity": "info"}),
        422,
        "invalid",
        ["alerts.0.labels.severity"],
    ),
    (
        "no title anywhere",
        _bad_alert(labels={"severity": "critical"}, annotations={}),
        422,
        "invalid",
        ["alerts.0.annotations.summary"],
    ),
    (
        "the address's labels missing",
        _bad_alert(labels={"alertname": "X", "severity": "critical"}),
        422,
        "invalid",
        ["alerts.0.labels.site"],
    ),
    (
        "the second of two bad",
        message(alert(), alert(fingerprint="2", status="x")),
        422,
        "invalid",
        ["alerts.1.status"],
    ),
    (
        "too many alerts",
        message(*[alert(fingerprint=str(n)) for n in range(201)]),
        422,
        "invalid",
        ["alerts"],
    ),
]


def test_a_bad_body_is_refused_naming_the_field_and_writes_nothing(database_url: str) -> None:
    c = county_with_sources(database_url)  # one county for the whole table: nothing is written
    before = row_counts(database_url)
    headers = {"Authorization": f"Bearer {c.office_token}", **HEADERS}
    for case, body, status, code, fields in BAD_BODIES:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        answer = c.client.post("/api/v1/sources/alertmanager", content=raw, headers=headers)
        assert answer.status_code == status, (case, answer.text)
        assert answer.json()["error"]["code"] == code, (case, answer.text)
        assert _fields(answer)[: len(fields)] == fields, (case, answer.text)
        assert row_counts(database_url) == before, case


def test_a_missing_label_is_named_with_its_problem_in_chinese(database_url: str) -> None:
    c = county_with_sources(database_url)
    answer = _post(c, _bad_alert(labels={"alertname": "X", "severity": "info", "site": "坝"}))
    assert answer.status_code == 422
    assert answer.json()["error"] == {
        "code": "invalid",
        "message": "告警有误，本次发送的告警均未登记：请按字段修改后重发",
        "fields": [
            {
                "field": "alerts.0.labels.severity",
                "problem": "info 不在该来源的 values 对照表中，且没有 default",
            }
        ],
    }


def test_a_group_with_one_bad_alert_registers_none(database_url: str) -> None:
    c = county_with_sources(database_url)
    before = row_counts(database_url)
    second = alert(fingerprint="2")
    del second["startsAt"]
    answer = _post(c, message(alert(), second))
    assert answer.status_code == 422 and _fields(answer) == ["alerts.1.startsAt"]
    many = _post(c, message(*[alert(fingerprint=str(n)) for n in range(201)]))
    assert many.json()["error"]["fields"] == [{"field": "alerts", "problem": "一次最多 200 条告警"}]
    assert row_counts(database_url) == before


def _post(c: Any, body: Any, path: str = "/api/v1/sources/alertmanager", **headers: str) -> Any:
    headers = {"Authorization": f"Bearer {c.office_token}", **headers}
    return c.client.post(path, json=body, headers=headers)


def test_who_may_send(database_url: str) -> None:
    c = county_with_sources(database_url)
    before = row_counts(database_url)
    path = "/api/v1/sources/alertmanager"
    body = message(alert())
    assert c.client.post(path, json=body).status_code == 401
    assert c.client.post(path, json=body, headers={"Authorization": "Bearer jb_x"}).status_code
    assert c.client.post(f"{path}/jb_not_a_token", json=body).status_code == 401
    township = c.client.post(
        path, json=body, headers={"Authorization": f"Bearer {c.tokens['qdh']}"}
    )
    assert township.status_code == 403
    assert township.json()["error"]["fields"] == [
        {"field": "Authorization", "problem": "来源须使用值班室的令牌：告警由值班室登记"}
    ]
    by_path = c.client.post(f"{path}/{c.tokens['qdh']}", json=body)
    assert by_path.status_code == 403
    # a unit's token is refused before its body is read
    assert c.client.post(f"{path}/{c.tokens['qdh']}", content=b"{").status_code == 403
    unknown = _post(c, body, "/api/v1/sources/reservoir")
    assert (unknown.status_code, unknown.json()["error"]["code"]) == (404, "unknown_source")
    assert "reservoir" in unknown.json()["error"]["message"]
    assert _post(c, body, f"/api/v1/sources/reservoir/{c.office_token}").status_code == 404
    assert c.client.get(path).status_code == 405
    assert row_counts(database_url) == before


@pytest.mark.parametrize("unit", ["nosuch", "county", "city"])
def test_a_mapping_naming_no_unit_of_this_office_is_a_clear_refusal(
    database_url: str, unit: str
) -> None:
    c = county_with_sources(database_url, alertmanager_source(unit=unit))
    before = row_counts(database_url)
    answer = _post(c, message(alert()))
    assert answer.status_code == 422
    error = answer.json()["error"]
    assert error["code"] == "source_unit"
    assert error["message"] == (
        f"config.toml 中来源 alertmanager 所写的单位 {unit} 不存在或不在本值班室辖下：请修改配置"
    )
    assert _fields(answer) == ["sources.alertmanager.unit"]
    assert row_counts(database_url) == before


def test_an_office_that_must_sign_signs_its_alerts_too(database_url: str) -> None:
    c = county_with_sources(database_url)
    engine = make_engine(database_url)
    with make_session_factory(engine)() as session:
        office = unit_by_code(session, code="county")
        assert office is not None
        office.require_signature, office.signing_secret = True, "s3cret-signing"
        session.commit()
    engine.dispose()
    raw = b'{"version": "4", "status": "firing", "alerts": []}'
    headers = {"Authorization": f"Bearer {c.office_token}", **HEADERS}
    unsigned = c.client.post("/api/v1/sources/alertmanager", content=raw, headers=headers)
    assert (unsigned.status_code, unsigned.json()["error"]["code"]) == (401, "bad_signature")
    signature = {"X-Jibao-Signature": sign("s3cret-signing", raw)}
    signed = c.client.post(
        "/api/v1/sources/alertmanager", content=raw, headers={**headers, **signature}
    )
    assert signed.status_code == 200, signed.text


def test_a_body_too_large_is_413(database_url: str) -> None:
    c = county_with_sources(database_url, api={"max_body_bytes": 2048})
    big = message(*[alert(fingerprint=str(n)) for n in range(10)])
    answer = _post(c, big)
    assert (answer.status_code, answer.json()["error"]["code"]) == (413, "too_large")
    by_path = c.client.post(
        f"/api/v1/sources/alertmanager/{c.office_token}",
        content=b"x" * 4096,
        headers={"Content-Type": "text/plain"},
    )
    assert by_path.status_code == 413
