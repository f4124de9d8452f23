"""People by API and CLI: scripts add and change people without the dashboard; the office's token
acts for its units, a unit's reads its own; bad input is a 422 naming the field; every change is
in the configuration audit."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from alerts.storage.database import make_engine, make_session_factory, migrate
from alerts.storage.models import ConfigChange
from tests.builders import at, county, row_counts, seed_county
from tests.ops.cli import one_line, run, write_config


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


PERSON = {"unit": "qdh", "name": "周值班", "post": "党政办值班员", "phone": "138 0013 8001"}


def test_the_office_adds_lists_and_changes_people(database_url: str) -> None:
    c = county(database_url, start=at(9))
    office = _auth(c.office_token)
    added = c.client.post("/api/v1/people", json=PERSON, headers=office)
    assert added.status_code == 201, added.text
    person = added.json()
    assert (person["unit"], person["phone_e164"], person["email"]) == (
        "qdh",
        "+8613800138001",
        None,
    )

    changed = c.client.patch(
        f"/api/v1/people/{person['id']}",
        json={"email": "zhou@example.gov.cn", "post": "值班员"},
        headers=office,
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["email"], changed.json()["post"], changed.json()["name"]) == (
        "zhou@example.gov.cn",
        "值班员",
        "周值班",
    )
    listed = c.client.get("/api/v1/people?unit=qdh", headers=office).json()["people"]
    assert [p["name"] for p in listed] == ["周值班"]
    mine = c.client.get("/api/v1/people", headers=_auth(c.tokens["qdh"])).json()["people"]
    assert [p["id"] for p in mine] == [person["id"]]
    assert c.client.get("/api/v1/people", headers=_auth(c.tokens["wsh"])).json()["people"] == []

    engine = make_engine(database_url)
    with make_session_factory(engine)() as session:
        actions = [
            r.action
            for r in session.scalars(select(ConfigChange).where(ConfigChange.entity == "person"))
        ]
    engine.dispose()
    assert actions == ["create", "update"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**PERSON, "phone": "12345"}, "phone"),
        ({**PERSON, "phone": None}, "phone"),  # neither phone nor email
        ({**PERSON, "email": "not-an-address"}, "email"),
        ({**PERSON, "unit": "nowhere"}, "unit"),
        ({**PERSON, "name": "  "}, "name"),
        ({**PERSON, "name": "名" * 101}, "name"),
        ({**PERSON, "role": "boss"}, "role"),
        ({"name": "x"}, "unit"),
    ],
)
def test_bad_people_are_refused_by_field(
    database_url: str, body: dict[str, Any], field: str
) -> None:
    c = county(database_url, start=at(9))
    before = row_counts(database_url)
    answer = c.client.post("/api/v1/people", json=body, headers=_auth(c.office_token))
    assert answer.status_code == 422, answer.text
    assert field in [f["field"] for f in answer.json()["error"]["fields"]], answer.text
    assert row_counts(database_url) == before


def test_units_may_not_add_or_change_people(database_url: str) -> None:
    c = county(database_url, start=at(9))
    person = c.client.post("/api/v1/people", json=PERSON, headers=_auth(c.office_token)).json()
    before = row_counts(database_url)
    unit = _auth(c.tokens["qdh"])
    assert c.client.post("/api/v1/people", json=PERSON, headers=unit).status_code == 403
    assert (
        c.client.patch(
            f"/api/v1/people/{person['id']}", json={"post": "x"}, headers=unit
        ).status_code
        == 403
    )
    other = _auth(c.tokens["wsh"])
    assert (
        c.client.patch(
            f"/api/v1/people/{person['id']}", json={"post": "x"}, headers=other
        ).status_code
        == 404
    )
    office = _auth(c.office_token)
    assert (
        c.client.patch("/api/v1/people/999999", json={"post": "x"}, headers=office).status_code
        == 404
    )
    cleared = c.client.patch(f"/api/v1/people/{person['id']}", json={"phone": None}, headers=office)
    assert cleared.status_code == 422  # it would leave nobody a way to tell them
    assert (
        c.client.patch(
            f"/api/v1/people/{person['id']}", json={"name": None}, headers=office
        ).status_code
        == 422
    )
    assert row_counts(database_url) == before


def test_the_cli_adds_and_lists_people(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path}/county.db"
    migrate(url)
    seed_county(url, at(9))
    config = write_config(tmp_path, url)
    code, out, err = run(
        capsys,
        "person",
        "add",
        "--unit",
        "qdh",
        "--name",
        "吴值班",
        "--phone",
        "13800138002",
        "--config",
        config,
    )
    assert (code, err) == (0, "") and out.startswith("person ")
    code, out, _ = run(capsys, "person", "list", "--unit", "qdh", "--config", config)
    assert code == 0 and "吴值班" in out and "13800138002" in out
    before = row_counts(url)
    for argv in (
        ("--unit", "qdh", "--name", "x"),
        ("--unit", "nowhere", "--name", "x", "--phone", "13800138003"),
        ("--unit", "qdh", "--name", "x", "--phone", "123"),
        ("--unit", "qdh", "--name", "x", "--email", "bad"),
    ):
        code, _, err = run(capsys, "person", "add", *argv, "--config", config)
        assert code == 1 and one_line(err).startswith("error: "), argv
    assert row_counts(url) == before
