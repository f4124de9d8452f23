"""Input beyond what the service can hold is refused with the field named, never a 500, and
changes nothing; a 500 that does happen is logged and does not claim a filing was lost."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from fastapi.testclient import TestClient

import alerts.api.incidents
import alerts.filing.intake
from alerts.api.bounds import MAX_JSON_DEPTH, too_deep
from tests.builders import County, at, county, initial, row_counts

DEEP = b"[" * 100_000 + b"]" * 100_000
TOO_BIG_ID = 2**63


def _post_raw(c: County, path: str, raw: bytes, **headers: str) -> Any:
    return c.client.post(
        path, content=raw, headers={"Authorization": f"Bearer {c.office_token}", **headers}
    )


@pytest.mark.parametrize("content_type", ["application/json", None])
def test_deeply_nested_filing_is_422(database_url: str, content_type: str | None) -> None:
    c = county(database_url, start=at(10))
    before = row_counts(database_url)
    headers = {"Content-Type": content_type} if content_type else {}
    response = _post_raw(c, "/api/v1/filings", DEEP, **headers)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "too_deep"
    assert row_counts(database_url) == before


def test_deep_or_large_json_to_any_route_is_refused(database_url: str) -> None:
    c = county(database_url, start=at(10), api__max_body_bytes=300_000)
    before = row_counts(database_url)
    json = {"Content-Type": "application/json"}
    deep = _post_raw(c, "/api/v1/roster/overrides", b"[" * 1000 + b"]" * 1000, **json)
    assert (deep.status_code, deep.json()["error"]["code"]) == (422, "too_deep")
    large = _post_raw(c, "/api/v1/roster/overrides", b'"' + b"x" * 300_000 + b'"', **json)
    assert (large.status_code, large.json()["error"]["code"]) == (413, "too_large")
    assert row_counts(database_url) == before


def test_brackets_inside_strings_do_not_count_as_depth(database_url: str) -> None:
    c = county(database_url, start=at(10))
    response = c.post(initial(description="[[[[" * 20 + '\\"{{{{' * 20))
    assert response.status_code == 201, response.text


BAD_BOUNDS: list[tuple[str, dict[str, Any], str]] = [
    ("incident-id-beyond-64-bits", {"incident_id": TOO_BIG_ID}, "incident_id"),
    ("incident-id-huge", {"incident_id": 10**40}, "incident_id"),
    ("occurred-year-1", {"occurred_at": "0001-01-01T00:00:00+08:00"}, "occurred_at"),
    ("occurred-year-9999", {"occurred_at": "9999-12-31T23:00:00-08:00"}, "occurred_at"),
    ("learned-year-1969", {"learned_at": "1969-12-31T00:00:00+00:00"}, "learned_at"),
    (
        "reported-to-year-9999",
        {"already_reported_to": [{"to": "县应急局", "at": "9999-01-01T00:00:00+08:00"}]},
        "already_reported_to.0.at",
    ),
    ("dead-over-a-million", {"casualties": {"dead": 1_000_001}}, "casualties.dead"),
    ("injured-huge", {"casualties": {"injured": 10**30}}, "casualties.injured"),
    ("loss-over-10-9", {"direct_loss_wan_yuan": 10**9 + 1}, "direct_loss_wan_yuan"),
    ("loss-huge-float", {"direct_loss_wan_yuan": 1e300}, "direct_loss_wan_yuan"),
]


@pytest.mark.parametrize(("name", "change", "field"), BAD_BOUNDS, ids=[b[0] for b in BAD_BOUNDS])
def test_out_of_range_field_is_named_and_nothing_is_written(
    database_url: str, name: str, change: dict[str, Any], field: str
) -> None:
    c = county(database_url, start=at(10))
    before = row_counts(database_url)
    response = c.post(initial(**change))
    assert response.status_code == 422, response.text
    fields = response.json()["error"]["fields"]
    assert field in [f["field"] for f in fields], fields
    assert row_counts(database_url) == before


@pytest.mark.parametrize(
    "path",
    [
        f"/api/v1/incidents/{TOO_BIG_ID}",
        f"/api/v1/incidents/{10**30}",
        f"/incidents/{TOO_BIG_ID}",
    ],
)
def test_path_id_no_row_can_have_is_404(database_url: str, path: str) -> None:
    c = county(database_url, start=at(10))
    response = c.client.get(path, headers={"Authorization": f"Bearer {c.office_token}"})
    assert response.status_code == 404, response.text


def test_body_id_beyond_64_bits_elsewhere_is_422(database_url: str) -> None:
    c = county(database_url, start=at(10))
    before = row_counts(database_url)
    response = c.client.post(
        "/api/v1/roster/overrides",
        json={
            "unit": "county",
            "role": "duty_officer",
            "person_id": TOO_BIG_ID,
            "starts_at": at(12).isoformat(),
            "ends_at": "9999-01-01T00:00:00+08:00",
        },
        headers={"Authorization": f"Bearer {c.office_token}"},
    )
    assert response.status_code == 422, response.text
    fields = {f["field"] for f in response.json()["error"]["fields"]}
    assert {"person_id", "ends_at"} <= fields
    assert row_counts(database_url) == before


def test_query_time_out_of_range_is_422(database_url: str) -> None:
    c = county(database_url, start=at(10))
    response = c.client.get(
        "/api/v1/roster/on-duty",
        params={"unit": "county", "at": "9999-12-31T23:59:59-12:00"},
        headers={"Authorization": f"Bearer {c.office_token}"},
    )
    assert response.status_code == 422, response.text
    assert [f["field"] for f in response.json()["error"]["fields"]] == ["query.at"]


def test_405_carries_allow(database_url: str) -> None:
    c = county(database_url, start=at(10))
    response = c.client.delete("/api/v1/filings")
    assert response.status_code == 405
    assert "POST" in response.headers["allow"]
    assert response.json()["error"]["code"] == "method_not_allowed"


def _crash(*_: Any, **__: Any) -> Any:
    raise RuntimeError("boom")


def test_a_500_elsewhere_is_logged_and_does_not_claim_a_filing_was_lost(
    database_url: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    c = county(database_url, start=at(10))
    monkeypatch.setattr(alerts.api.incidents, "_unit_codes", _crash)
    quiet = TestClient(c.client.app, raise_server_exceptions=False)
    with caplog.at_level(logging.ERROR):
        response = quiet.get(
            "/api/v1/incidents", headers={"Authorization": f"Bearer {c.office_token}"}
        )
    assert response.status_code == 500
    error = response.json()["error"]
    assert error["code"] == "internal"
    assert "未保存" not in error["message"]
    assert any(r.exc_info and "boom" in str(r.exc_info[1]) for r in caplog.records)


def test_a_500_on_a_filing_says_it_was_not_stored(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    c = county(database_url, start=at(10))
    monkeypatch.setattr(alerts.filing.intake, "file_report", _crash)
    quiet = TestClient(c.client.app, raise_server_exceptions=False)
    before = row_counts(database_url)
    response = quiet.post(
        "/api/v1/filings", json=initial(), headers={"Authorization": f"Bearer {c.tokens['qdh']}"}
    )
    assert response.status_code == 500
    assert "报送未保存" in response.json()["error"]["message"]
    assert row_counts(database_url) == before


def test_json_body_that_is_not_utf8_is_422_bad_json(database_url: str) -> None:
    c = county(database_url, start=at(10))
    response = _post_raw(
        c, "/api/v1/roster/overrides", b"\xff\xfe{}", **{"Content-Type": "application/json"}
    )
    assert (response.status_code, response.json()["error"]["code"]) == (422, "bad_json")


def test_depth_is_nesting_not_the_number_of_brackets() -> None:
    limit = MAX_JSON_DEPTH
    assert not too_deep(b"[" * limit + b"]" * limit)
    assert too_deep(b"[" * (limit + 1) + b"]" * (limit + 1))
    assert not too_deep(b"[" + b"{}," * (limit * 3) + b"{}]")  # many brackets, two deep
    assert not too_deep(b'["' + b"[" * (limit + 5) + b'"]')  # inside a string
