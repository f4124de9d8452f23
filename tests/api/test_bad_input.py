"""Bad input gets a clear, field-level error in the configured language and changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from alerts.app import create_app
from tests.builders import at, county, followup, initial, row_counts, settings

_OK_PEOPLE = {"name": "张三", "post": "值班员", "phone": "13800000000"}

BAD_FIELDS: list[tuple[str, dict[str, Any], str]] = [
    ("kind-unknown", {"kind": "rumour"}, "kind"),
    ("kind-missing", {"kind": None}, "kind"),
    ("occurred-missing", {"occurred_at": None}, "occurred_at"),
    ("occurred-naive", {"occurred_at": "2026-11-21T08:00:00"}, "occurred_at"),
    ("occurred-garbage", {"occurred_at": "yesterday"}, "occurred_at"),
    (
        "occurred-future",
        {"occurred_at": at(12).isoformat(), "learned_at": at(12).isoformat()},
        "occurred_at",
    ),
    ("learned-before-occurred", {"learned_at": at(7).isoformat()}, "learned_at"),
    ("learned-future", {"learned_at": at(11).isoformat()}, "learned_at"),
    ("category-unknown", {"category": "weather"}, "category"),
    ("category-missing", {"category": None}, "category"),
    ("severity-unknown", {"severity": "V"}, "severity"),
    ("severity-missing", {"severity": None}, "severity"),
    ("severity-number", {"severity": 3}, "severity"),
    ("sensitive-not-bool", {"sensitive": "maybe"}, "sensitive"),
    ("classified-not-bool", {"classified": "secret"}, "classified"),
    ("title-missing", {"title": None}, "title"),
    ("title-blank", {"title": "   "}, "title"),
    ("title-too-long", {"title": "长" * 501}, "title"),
    ("location-missing", {"location": None}, "location"),
    ("location-not-object", {"location": "千岛湖镇"}, "location"),
    ("location-no-area", {"location": {"address": "新安东路"}}, "location.area"),
    ("location-extra-key", {"location": {"area": "a", "address": "b", "gps": 1}}, "location.gps"),
    ("description-missing", {"description": None}, "description"),
    ("description-blank", {"description": ""}, "description"),
    ("dead-negative", {"casualties": {"dead": -1}}, "casualties.dead"),
    ("dead-fraction", {"casualties": {"dead": 1.5}}, "casualties.dead"),
    ("dead-text", {"casualties": {"dead": "几个"}}, "casualties.dead"),
    ("injured-bool", {"casualties": {"injured": True}}, "casualties.injured"),
    ("trapped-unknown-word", {"casualties": {"trapped": "unk"}}, "casualties.trapped"),
    ("loss-negative", {"direct_loss_wan_yuan": -5}, "direct_loss_wan_yuan"),
    ("loss-text", {"direct_loss_wan_yuan": "很多"}, "direct_loss_wan_yuan"),
    ("reported-to-not-list", {"already_reported_to": "县应急局"}, "already_reported_to"),
    (
        "reported-to-bad-time",
        {"already_reported_to": [{"to": "县应急局", "at": "8点"}]},
        "already_reported_to.0.at",
    ),
    (
        "reported-to-future",
        {"already_reported_to": [{"to": "县应急局", "at": at(12).isoformat()}]},
        "already_reported_to.0.at",
    ),
    (
        "reported-to-bad-level",
        {"already_reported_to": [{"to": "x", "at": at(8).isoformat(), "level": "galaxy"}]},
        "already_reported_to.0.level",
    ),
    ("reporter-missing", {"reporter": None}, "reporter"),
    ("reporter-no-phone", {"reporter": {"name": "张三", "post": "值班员"}}, "reporter.phone"),
    ("phone-short", {"reporter": {**_OK_PEOPLE, "phone": "12345"}}, "reporter.phone"),
    ("phone-bad-prefix", {"reporter": {**_OK_PEOPLE, "phone": "12800000000"}}, "reporter.phone"),
    ("phone-letters", {"reporter": {**_OK_PEOPLE, "phone": "138abc00000"}}, "reporter.phone"),
    ("reporter-blank-name", {"reporter": {**_OK_PEOPLE, "name": ""}}, "reporter.name"),
    ("signed-by-blank", {"signed_by": " "}, "signed_by"),
    ("external-ref-too-long", {"external_ref": "x" * 201}, "external_ref"),
    ("incident-id-zero", {"incident_id": 0}, "incident_id"),
    ("incident-id-text", {"incident_id": "abc"}, "incident_id"),
    ("handling-finished-text", {"handling_finished": "yes"}, "handling_finished"),
    ("unit-unknown-for-township", {"unit": ""}, "unit"),
]


@pytest.mark.parametrize(("name", "change", "field"), BAD_FIELDS, ids=[b[0] for b in BAD_FIELDS])
def test_bad_field_is_named_and_nothing_is_written(
    database_url: str, name: str, change: dict[str, Any], field: str
) -> None:
    c = county(database_url, start=at(10))
    before = row_counts(database_url)
    response = c.post(
        initial(**change)
        if "kind" not in change or change["kind"]
        else {k: v for k, v in initial().items() if k != "kind"}
    )
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert field in [f["field"] for f in error["fields"]], error
    assert all(f["problem"] for f in error["fields"])
    assert row_counts(database_url) == before


def test_errors_speak_the_configured_language(database_url: str) -> None:
    chinese = county(database_url, start=at(10))
    answer = chinese.post(initial(title=None)).json()["error"]
    assert answer["fields"] == [{"field": "title", "problem": "必填"}]
    english_app = create_app(
        settings(database_url, language="en"), clock=chinese.clock, run_scheduler=False
    )
    with TestClient(english_app) as english:
        response = english.post(
            "/api/v1/filings",
            json=initial(title=None),
            headers={"Authorization": f"Bearer {chinese.tokens['qdh']}"},
        )
    answer = response.json()["error"]
    assert answer["fields"] == [{"field": "title", "problem": "required"}]
    assert "correct the fields" in answer["message"]


@pytest.mark.parametrize("raw", [b"", b"not json", b"[1, 2]", b"\xff\xfe", b'"text"', b"null"])
def test_body_that_is_not_a_json_object(database_url: str, raw: bytes) -> None:
    c = county(database_url, start=at(10))
    before = row_counts(database_url)
    response = c.client.post(
        "/api/v1/filings",
        content=raw,
        headers={"Authorization": f"Bearer {c.tokens['qdh']}", "Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "bad_json"
    assert row_counts(database_url) == before


def test_body_over_the_limit_is_413(database_url: str) -> None:
    c = county(database_url, start=at(10), api__max_body_bytes=2000)
    before = row_counts(database_url)
    response = c.post(initial(description="很" * 2000))
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"
    assert row_counts(database_url) == before


def test_final_with_unknown_loss_names_the_field(database_url: str) -> None:
    c = county(database_url, start=at(10))
    incident_id = c.post(initial(direct_loss_wan_yuan="unknown")).json()["incident_id"]
    before = row_counts(database_url)
    response = c.post({"kind": "final", "incident_id": incident_id, "description": "终报"})
    assert response.status_code == 422
    assert [f["field"] for f in response.json()["error"]["fields"]] == ["direct_loss_wan_yuan"]
    assert row_counts(database_url) == before


def test_falling_figure_needs_an_explanation(database_url: str) -> None:
    c = county(database_url, start=at(10))
    incident_id = c.post(initial()).json()["incident_id"]
    fewer = followup(incident_id, casualties={"injured": 2})
    response = c.post(fewer)
    assert response.status_code == 422
    assert [f["field"] for f in response.json()["error"]["fields"]] == ["casualties.injured"]
    explained = c.post({**fewer, "casualty_correction": "一人系重复统计"})
    assert explained.status_code == 201


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"kind": "followup", "description": "x"}, 422, "invalid"),
        (
            {"kind": "followup", "incident_id": 999999, "description": "x"},
            404,
            "incident_not_found",
        ),
        ({"kind": "feedback", "incident_id": 1, "description": "x"}, 422, "invalid"),
    ],
    ids=["followup-without-incident", "unknown-incident", "feedback-without-instruction"],
)
def test_refusals_by_state(database_url: str, body: dict[str, Any], status: int, code: str) -> None:
    c = county(database_url, start=at(10))
    before = row_counts(database_url)
    response = c.post(body)
    assert (response.status_code, response.json()["error"]["code"]) == (status, code)
    assert row_counts(database_url) == before


def test_second_initial_on_an_incident_is_409(database_url: str) -> None:
    c = county(database_url, start=at(10))
    incident_id = c.post(initial()).json()["incident_id"]
    before = row_counts(database_url)
    response = c.post(initial(incident_id=incident_id))
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "initial_exists"
    assert row_counts(database_url) == before


def test_unknown_top_level_field_is_ignored_with_a_warning(database_url: str) -> None:
    c = county(database_url, start=at(10))
    response = c.post({**initial(), "weather": "rain"})
    assert response.status_code == 201
    assert {"code": "ignored_field", "field": "weather"}.items() <= response.json()["warnings"][
        0
    ].items()
