"""Who may file and read what: tokens, signatures, the office filing for its units."""

from __future__ import annotations

import pytest

from alerts.api.auth import sign
from alerts.storage.database import make_engine, make_session_factory
from alerts.storage.queries import unit_by_code
from tests.builders import at, county, followup, initial, row_counts


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer nope", "Basic abc", "bearer  "])
def test_missing_or_bad_token_is_401(database_url: str, header: str | None) -> None:
    c = county(database_url, start=at(10))
    before = row_counts(database_url)
    headers = {"Authorization": header} if header is not None else {}
    response = c.client.post("/api/v1/filings", json=initial(), headers=headers)
    assert (response.status_code, response.json()["error"]["code"]) == (401, "unauthorized")
    assert row_counts(database_url) == before


def test_another_units_incident_is_403_to_file_and_read(database_url: str) -> None:
    c = county(database_url, start=at(10))
    incident_id = c.post(initial()).json()["incident_id"]
    before = row_counts(database_url)
    response = c.post(followup(incident_id), token=c.tokens["wsh"])
    assert response.status_code == 403
    assert row_counts(database_url) == before
    read = c.client.get(
        f"/api/v1/incidents/{incident_id}", headers={"Authorization": f"Bearer {c.tokens['wsh']}"}
    )
    assert read.status_code == 403
    assert (
        c.client.get(
            f"/api/v1/incidents/{incident_id}",
            headers={"Authorization": f"Bearer {c.tokens['qdh']}"},
        ).status_code
        == 200
    )


def test_unit_may_not_name_another_unit_or_file_office_kinds(database_url: str) -> None:
    c = county(database_url, start=at(10))
    assert c.post(initial(unit="wsh")).status_code == 403
    assert c.post(initial(kind="phone")).status_code == 403
    assert c.post({"kind": "upward", "incident_id": 1, "description": "x"}).status_code == 403


def test_office_logs_a_phone_report_for_a_unit(database_url: str) -> None:
    c = county(database_url, start=at(10))
    answer = c.post(initial(kind="phone", unit="wsh", signed_by=None), token=c.office_token)
    assert answer.status_code == 201
    incident = c.incident(answer.json()["incident_id"])
    assert incident["unit"] == "wsh"
    assert incident["filings"][0]["filed_by"] == "county"
    # the unit then files on its own incident with its own token
    assert c.post(followup(incident["id"]), token=c.tokens["wsh"]).status_code == 201


@pytest.mark.parametrize(
    ("unit", "status", "field"),
    [
        ("nobody", 422, "unit"),
        ("city", 422, "unit"),
        (None, 422, "unit"),
    ],
    ids=["unknown-unit", "unit-above-office", "phone-without-unit"],
)
def test_office_phone_log_names_a_unit_below_it(
    database_url: str, unit: str | None, status: int, field: str
) -> None:
    c = county(database_url, start=at(10))
    before = row_counts(database_url)
    response = c.post(initial(kind="phone", unit=unit), token=c.office_token)
    assert response.status_code == status
    assert field in [f["field"] for f in response.json()["error"]["fields"]]
    assert row_counts(database_url) == before


def test_signature_required_when_the_unit_says_so(database_url: str) -> None:
    c = county(database_url, start=at(10))
    engine = make_engine(database_url)
    with make_session_factory(engine)() as session:
        unit = unit_by_code(session, code="qdh")
        assert unit is not None
        unit.require_signature, unit.signing_secret = True, "s3cret"
        session.commit()
    engine.dispose()
    raw = c.client.build_request("POST", "/", json=initial()).content
    headers = {"Authorization": f"Bearer {c.tokens['qdh']}", "Content-Type": "application/json"}
    for bad in ({}, {"X-Jibao-Signature": "sha256=00"}, {"X-Jibao-Signature": sign("wrong", raw)}):
        response = c.client.post("/api/v1/filings", content=raw, headers={**headers, **bad})
        assert (response.status_code, response.json()["error"]["code"]) == (401, "bad_signature")
    good = c.client.post(
        "/api/v1/filings",
        content=raw,
        headers={**headers, "X-Jibao-Signature": sign("s3cret", raw)},
    )
    assert good.status_code == 201


def test_incident_list_is_scoped_to_the_caller(database_url: str) -> None:
    c = county(database_url, start=at(10))
    c.post(initial())
    c.post(initial(title="文昌镇山体滑坡", category="natural_disaster"), token=c.tokens["wsh"])

    def titles(token: str, state: str = "open") -> list[str]:
        response = c.client.get(
            f"/api/v1/incidents?state={state}", headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == 200
        return [i["title"] for i in response.json()["incidents"]]

    assert len(titles(c.office_token)) == 2
    assert titles(c.tokens["wsh"]) == ["文昌镇山体滑坡"]
    assert titles(c.tokens["wsh"], "closed") == []
    first = c.client.get(
        "/api/v1/incidents", headers={"Authorization": f"Bearer {c.office_token}"}
    ).json()
    assert first["incidents"][0]["next_due"]["status"] == "pending"
    bad = c.client.get(
        "/api/v1/incidents?state=whatever", headers={"Authorization": f"Bearer {c.office_token}"}
    )
    assert bad.status_code == 422
