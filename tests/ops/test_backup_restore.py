"""`jibao backup` while filings arrive, `jibao restore` into a fresh database: the restored county
answers, through the API, every filing that was answered 201 before the backup began, with the
same incident, obligations and timeline, the same people and roster; and no incident is there
that differs from the live one (a copy from one moment holds no half of a filing)."""

from __future__ import annotations

import shutil
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from alerts.app import create_app
from alerts.clock import FrozenClock
from alerts.storage.database import migrate
from tests.builders import at, dry_notifiers, initial, seed_county, seed_roster, settings
from tests.conftest import BACKENDS
from tests.databases import fresh_database
from tests.ops.cli import run, write_config
from tests.polling import wait_until
from tests.serving import served

START = at(9, 10)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """Each backend; PostgreSQL only with its client tools on PATH."""
    if request.param == "postgres" and not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        pytest.skip("pg_dump and pg_restore are not on PATH")
    return str(request.param)


class Filings(threading.Thread):
    """Initial reports posted one after another to a served app until stopped, each answer kept
    with the moment it came back."""

    def __init__(self, base_url: str, token: str) -> None:
        super().__init__(daemon=True)
        self.client = httpx.Client(base_url=base_url, timeout=30)
        self.headers = {"Authorization": f"Bearer {token}"}
        self.answers: list[tuple[float, dict[str, Any]]] = []
        self.failures: list[str] = []
        self.stopping = threading.Event()

    def run(self) -> None:
        number = 0
        while not self.stopping.is_set():
            number += 1
            body = initial(external_ref=f"LOAD-{number}", title=f"第 {number} 起事件")
            response = self.client.post("/api/v1/filings", json=body, headers=self.headers)
            if response.status_code == 201:
                self.answers.append((time.monotonic(), response.json()))
            else:
                self.failures.append(f"{response.status_code} {response.text}")

    def answered_before(self, moment: float) -> list[dict[str, Any]]:
        """The 201 answers received before `moment`."""
        return [answer for when, answer in list(self.answers) if when < moment]

    def stop(self) -> None:
        """Let the report in flight finish, then stop."""
        self.stopping.set()
        self.join(30)
        self.client.close()


def test_a_backup_under_load_restores_every_answered_filing(
    backend: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with (
        fresh_database(backend, tmp_path, "live") as live,
        fresh_database(backend, tmp_path, "restored") as restored,
    ):
        migrate(live)
        office_token, tokens = seed_county(live, START)
        seed_roster(live, start=START - timedelta(days=1))
        backup = tmp_path / "jibao.backup"
        live_app = create_app(settings(live), clock=FrozenClock(START), notifiers=dry_notifiers(),
                              run_scheduler=False)  # fmt: skip
        with served(live_app) as base:
            filings = Filings(base, tokens["qdh"])
            filings.start()
            assert wait_until(lambda: len(filings.answers) >= 20, timeout=60)
            began = time.monotonic()
            code, _, err = run(
                capsys, "backup", str(backup), "--config", write_config(tmp_path, live)
            )
            assert code == 0, err
            taken = len(filings.answers)
            assert wait_until(lambda: len(filings.answers) >= taken + 5, timeout=60)
            filings.stop()
            assert filings.failures == []
            with httpx.Client(base_url=base) as client:
                original = _county(client, office_token)
        answered = filings.answered_before(began)

        config = write_config(tmp_path, restored, name="restored.toml")
        code, out, err = run(capsys, "restore", str(backup), "--config", config)
        assert (
            code == 0 and out.splitlines()[-1] == "结构为最新版本，可以启动服务（jibao serve）"
        ), err
        copy_app = create_app(settings(restored), clock=FrozenClock(START),
                              notifiers=dry_notifiers(), run_scheduler=False)  # fmt: skip
        with TestClient(copy_app) as client:
            copy = _county(client, office_token)  # the same tokens answer

    assert len(answered) >= 20 and len(original["incidents"]) > len(answered)
    for answer in answered:
        incident = copy["incidents"][answer["incident_id"]]
        assert answer["filing_id"] in [f["id"] for f in incident["filings"]]
        assert _owed(incident) == _owed(answer)
        assert incident == original["incidents"][answer["incident_id"]]
    for incident_id, incident in copy["incidents"].items():  # taken at one moment: no halves
        assert incident == original["incidents"][incident_id]
    assert copy["roster"] == original["roster"] and copy["on_duty"] == original["on_duty"]


def _county(client: httpx.Client | TestClient, token: str) -> dict[str, Any]:
    """Every incident in full, each unit's shifts and who is on duty, as the office sees them."""
    headers = {"Authorization": f"Bearer {token}"}

    def get(path: str, **params: str) -> Any:
        response = client.get(path, params=params, headers=headers)
        assert response.status_code == 200, response.text
        return response.json()

    listed = get("/api/v1/incidents", state="all")["incidents"]
    window = {"from": (START - timedelta(days=1)).isoformat(), "to": START.isoformat()}
    units = ("county", "qdh", "wsh")
    return {
        "incidents": {i["id"]: get(f"/api/v1/incidents/{i['id']}") for i in listed},
        "roster": {code: get("/api/v1/roster/shifts", unit=code, **window) for code in units},
        "on_duty": {code: get("/api/v1/roster/on-duty", unit=code) for code in units},
    }


def _owed(answer: dict[str, Any]) -> list[tuple[str, str, str]]:
    return sorted((o["key"], o["due_at"], o["status"]) for o in answer["obligations"])
