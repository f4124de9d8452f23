"""The served /openapi.json describes every operation fully: request bodies, answers, errors,
tags and stable operation ids; and the error model is what the API really answers."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from alerts.api.schemas import ErrorOut
from alerts.app import create_app
from tests.builders import at, county, initial, settings

REF = "#/components/schemas/"
# operations that take no body (a POST that only names its target in the path)
BODYLESS = {
    "acknowledge_obligation",
    "answer_check",
    "archive_incident",
    "approve_notice",
    "discard_notice",
}
# the Twilio webhooks and the feed that calendar apps fetch carry no bearer token: Twilio signs
# its requests, and a feed's address is its credential; so is a source's with its token in it
UNAUTHENTICATED = (
    {"twilio_status", "twilio_sms", "twilio_voice_key", "get_calendar_feed"}
    | {
        "receive_alertmanager_with_token",
        "receive_source_with_token",
        "instruction_from_parent",  # signed with the secret the parent shares (no unit token)
    }
    | {  # Aliyun and Tencent callbacks: a secret token in the path (alerts/api/provider_hooks.py)
        "aliyun_sms_report",
        "aliyun_sms_up",
        "aliyun_voice_report",
        "tencent_sms_status",
        "tencent_sms_reply",
    }
)
# a JSON source's body is whatever its [[sources]] table maps: any object, or an array of them
FREE_FORM_BODIES = {"receive_source", "receive_source_with_token"}
ERROR_SCHEMAS = {REF + "ErrorOut", REF + "RosterFileRefusedOut"}


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    """/openapi.json as an app serves it."""
    with TestClient(create_app(settings("sqlite://"), run_scheduler=False)) as client:
        answer = client.get("/openapi.json")
    assert answer.status_code == 200
    served: dict[str, Any] = answer.json()
    return served


def _operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
    ]


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    """A schema with its $ref followed (asserting the component exists)."""
    ref = node.get("$ref")
    if ref is None:
        return node
    assert ref.startswith(REF), ref
    found: dict[str, Any] = schema["components"]["schemas"][ref.removeprefix(REF)]
    return found


def _every_ref(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return own + [ref for value in node.values() for ref in _every_ref(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in _every_ref(value)]
    return []


def _is_described(schema: dict[str, Any], node: dict[str, Any]) -> bool:
    """Not the empty schema: a type, a reference to a model with fields, or a union of them."""
    node = _resolve(schema, node)
    if "anyOf" in node:
        return all(_is_described(schema, part) for part in node["anyOf"])
    if node.get("type") == "object":
        return bool(node.get("properties"))
    return "type" in node


def test_operation_ids_are_the_handlers_names(schema: dict[str, Any]) -> None:
    ids = [operation["operationId"] for _, _, operation in _operations(schema)]
    assert len(ids) == len(set(ids)), ids
    assert {"file_report", "get_incident", "list_incidents", "acknowledge_obligation"} <= set(ids)
    assert all(i.isidentifier() and i.islower() for i in ids), ids


@pytest.mark.parametrize("part", ["tags", "summary", "description"])
def test_every_operation_has_a_tag_a_summary_and_a_description(
    schema: dict[str, Any], part: str
) -> None:
    assert [(m, p) for m, p, operation in _operations(schema) if not operation.get(part)] == []


def test_every_reference_resolves_and_no_fastapi_default_error_is_left(
    schema: dict[str, Any],
) -> None:
    components = schema["components"]["schemas"]
    assert [r for r in _every_ref(schema) if r.removeprefix(REF) not in components] == []
    # FastAPI's own 422 model says {"detail": …}; this API answers ErrorOut everywhere
    assert "HTTPValidationError" not in components


def test_every_operation_that_takes_a_body_describes_it(schema: dict[str, Any]) -> None:
    for method, path, operation in _operations(schema):
        body = operation.get("requestBody")
        if method == "GET" or operation["operationId"] in BODYLESS:
            assert body is None, (method, path)
            continue
        assert body is not None and body.get("required"), (method, path)
        if operation["operationId"] in FREE_FORM_BODIES:
            continue
        for media_type, content in body["content"].items():
            assert _is_described(schema, content["schema"]), (method, path, media_type)


def test_the_filing_webhook_body_is_filing_in_with_its_parts(schema: dict[str, Any]) -> None:
    [(_, _, filing)] = [o for o in _operations(schema) if o[2]["operationId"] == "file_report"]
    body = filing["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": REF + "FilingIn"}
    filing_in = _resolve(schema, body)
    assert filing_in["required"] == ["kind"]
    assert {"kind", "incident_id", "occurred_at", "casualties", "reporter"} <= set(
        filing_in["properties"]
    )
    kinds = set(_resolve(schema, filing_in["properties"]["kind"])["enum"])
    assert kinds == {"phone", "initial", "followup", "final", "upward", "feedback", "register"}
    headers = {p["name"] for p in filing["parameters"] if p["in"] == "header"}
    assert headers == {"Idempotency-Key", "X-Jibao-Signature"}


def test_every_operation_describes_its_success_answer(schema: dict[str, Any]) -> None:
    for method, path, operation in _operations(schema):
        success = {s: r for s, r in operation["responses"].items() if s.startswith("2")}
        assert len(success) == 1, (method, path, success)
        [(status, answer)] = success.items()
        if status == "204":
            assert "content" not in answer, (method, path)
            continue
        assert answer.get("content"), (method, path)
        for media_type, content in answer["content"].items():
            assert _is_described(schema, content.get("schema", {})), (method, path, media_type)


def test_every_operation_documents_its_errors_in_the_error_shape(schema: dict[str, Any]) -> None:
    for method, path, operation in _operations(schema):
        errors = {s: r for s, r in operation["responses"].items() if s.startswith("4")}
        if not path.startswith("/api/"):
            continue  # /healthz, /readyz and /metrics take nothing that can be wrong
        assert errors, (method, path)
        for status, answer in errors.items():
            ref = answer["content"]["application/json"]["schema"].get("$ref")
            assert ref in ERROR_SCHEMAS, (method, path, status)
        if operation["operationId"] in UNAUTHENTICATED:
            assert "security" not in operation, (method, path)
            continue
        assert operation["security"] == [{"unit_token": []}], (method, path)
        assert "401" in errors, (method, path)
        if operation.get("parameters") or operation.get("requestBody"):
            assert "422" in errors, (method, path)
        if operation.get("requestBody", {}).get("content", {}).get("application/json"):
            assert "413" in errors, (method, path)


def test_error_answers_are_error_out(database_url: str) -> None:
    c = county(database_url, start=at(10))
    office = {"Authorization": f"Bearer {c.office_token}"}
    answers = [
        c.client.get("/api/v1/incidents"),
        c.client.get("/api/v1/incidents/999", headers=office),
        c.client.get("/api/v1/incidents/abc", headers=office),
        c.post({"kind": "initial", "title": ""}),
        c.post(initial(), **{"Idempotency-Key": "k"}),
        c.post(initial(title="另一起"), **{"Idempotency-Key": "k"}),
        c.post(initial(unit="qdh"), token=c.tokens["wsh"]),
    ]
    statuses = [a.status_code for a in answers]
    assert statuses == [401, 404, 422, 422, 201, 409, 403], [a.text for a in answers]
    for answer in answers:
        if answer.status_code >= 400:
            ErrorOut.model_validate(answer.json())  # extra="forbid": exactly this shape
