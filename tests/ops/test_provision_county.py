"""A county provisioned with the CLI and the API alone, as docs/operations.md shows it: the schema,
the office and a township (`jibao unit add`), people (`jibao person add`, `POST /api/v1/people`),
a rotation for each duty role (`POST /api/v1/roster/rotations`); then who is on duty, no gaps,
and nothing the roster had to say (`GET /api/v1/roster/notices`)."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from alerts.app import create_app
from alerts.clock import FrozenClock
from tests.builders import at, dry_notifiers, settings
from tests.ops.cli import run, write_config


def test_a_county_is_provisioned_by_cli_and_api_alone(
    tmp_path: Path, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path, database_url)
    assert run(capsys, "migrate", "--config", config)[0] == 0
    code, out, err = run(
        capsys, "unit", "add", "--code", "county", "--name", "县政府总值班室", "--office",
        "--config", config,
    )  # fmt: skip
    assert code == 0, err
    office_token = out.strip().splitlines()[-1]
    code, out, err = run(
        capsys, "unit", "add", "--code", "qdh", "--name", "千岛湖镇", "--parent", "county",
        "--config", config,
    )  # fmt: skip
    assert code == 0, err
    code, out, err = run(
        capsys, "person", "add", "--unit", "county", "--name", "陈建国", "--post", "值班员",
        "--phone", "13721514755", "--config", config,
    )  # fmt: skip
    assert code == 0, err
    found = re.match(r"person (\d+) added to county", out)
    assert found, out
    county_officer = int(found.group(1))

    clock = FrozenClock(at(9))
    app = create_app(settings(database_url), clock=clock, notifiers=dry_notifiers())
    office = {"Authorization": f"Bearer {office_token}"}
    with TestClient(app) as client:
        people = {}
        for name, post, phone in (
            ("赵值班", "党政办值班员", "13900000011"),
            ("钱副值", "党政办副值班员", "13900000012"),
            ("孙镇长", "镇长（带班领导）", "13900000013"),
        ):
            added = client.post(
                "/api/v1/people",
                json={"unit": "qdh", "name": name, "post": post, "phone": phone},
                headers=office,
            )
            assert added.status_code == 201, added.text
            people[post] = added.json()["id"]
        changed = client.patch(
            f"/api/v1/people/{people['镇长（带班领导）']}",
            json={"email": "qdh.leader@example.gov.cn"},
            headers=office,
        )
        assert changed.status_code == 200, changed.text
        start = (at(9) - timedelta(days=1)).date().isoformat()
        for unit, role, members in (
            ("county", "duty_officer", [county_officer]),
            ("county", "leader_on_duty", [county_officer]),
            ("qdh", "duty_officer", [people["党政办值班员"]]),
            ("qdh", "deputy_duty_officer", [people["党政办副值班员"]]),
            ("qdh", "leader_on_duty", [people["镇长（带班领导）"]]),
        ):
            rotation = client.post(
                "/api/v1/roster/rotations",
                json={
                    "unit": unit,
                    "role": role,
                    "cadence": "week",
                    "starts_on": start,
                    "changes_at": ["08:30"],
                    "members": members,
                },
                headers=office,
            )
            assert rotation.status_code == 201, rotation.text
        on_duty = client.get("/api/v1/roster/on-duty?unit=qdh", headers=office).json()["roles"]
        assert on_duty["duty_officer"][0]["name"] == "赵值班", on_duty
        assert on_duty["leader_on_duty"][0]["name"] == "孙镇长"
        gaps = client.get("/api/v1/roster/gaps", headers=office).json()
        assert gaps["gaps"] == [], gaps
        assert client.get("/api/v1/roster/notices", headers=office).json() == {"notices": []}
        listed = client.get("/api/v1/people?unit=qdh", headers=office).json()["people"]
        assert {p["name"] for p in listed} == {"赵值班", "钱副值", "孙镇长"}
    code, out, _ = run(capsys, "person", "list", "--unit", "qdh", "--config", config)
    assert code == 0 and "孙镇长" in out and "qdh.leader@example.gov.cn" in out
