"""docs/two-instances.md as a test: a city and a county, two `jibao serve` processes on their own
SQLite files and ports, provisioned with the recipe's own commands (`jibao migrate`, `jibao
unit add`, the tokens each prints, `[[upward.parents]]` and `[[upward.children]]` in their
config, the secrets in their environment). A township files at the county 4 hours 10 minutes
after the accident; the county drafts and approves its report; the city's instance shows it and
the county's K4 is late by the minutes from its due time to the city's receipt; the city's
instruction comes back down and starts the county's relay clock. Real clocks: the minutes are
read from the answers."""

from __future__ import annotations

import math
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.builders import CONFIG, initial
from tests.upward.instances import free_port

SECRET = "shared-county-city-secret"
REPORTER = {"name": "周值班", "post": "值班员", "phone": "13900000021"}


def _jibao(home: Path, env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "alerts", *args],
        cwd=home,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, (args, done.stdout, done.stderr)
    return done.stdout.strip().splitlines()[-1]


def _unit(home: Path, env: dict[str, str], code: str, name: str, *more: str) -> str:
    """`jibao unit add`: the token it prints on its last line."""
    return _jibao(home, env, "unit", "add", "--code", code, "--name", name, *more)


def _home(root: Path, name: str, extra: str, **variables: str) -> tuple[Path, dict[str, str]]:
    home = root / name
    home.mkdir()
    (home / "config.toml").write_text(CONFIG.read_text(encoding="utf-8") + extra, "utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("JIBAO_")}
    env |= {"JIBAO_CONFIG": "config.toml", "JIBAO_DATABASE_URL": f"sqlite:///./{name}.db"}
    return home, env | variables


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in started:
        process.terminate()
    for process in started:
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def _serve(
    home: Path, env: dict[str, str], port: int, started: list[subprocess.Popen[bytes]]
) -> httpx.Client:
    log = (home / "serve.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "alerts", "serve", "--port", str(port)],
        cwd=home,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    log.close()
    started.append(process)
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10)
    _until(lambda: _healthy(client), f"{home.name} to start: {(home / 'serve.log').read_text()}")
    return client


def _healthy(client: httpx.Client) -> bool:
    try:
        return client.get("/healthz").status_code == 200
    except httpx.TransportError:
        return False


def _until(done: Any, what: str, timeout: float = 45) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := done():
            return result
        time.sleep(0.3)
    raise AssertionError(f"waited {timeout}s for {what}")


def _as(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_township_report_reaches_the_city_process_and_its_instruction_comes_back(
    tmp_path: Path, processes: list[subprocess.Popen[bytes]]
) -> None:
    city_port, county_port = free_port(), free_port()
    children = f'\n[[upward.children]]\nunit = "county"\nurl = "http://127.0.0.1:{county_port}"\n'
    city_home, city_env = _home(tmp_path, "city", children, JIBAO_CHILD_SECRET_COUNTY=SECRET)
    _jibao(city_home, city_env, "migrate")
    city_token = _unit(city_home, city_env, "city", "市政府总值班室", "--office")
    issued = _unit(city_home, city_env, "county", "县政府总值班室", "--parent", "city")
    city = _serve(city_home, city_env, city_port, processes)

    parents = (
        '\n[[upward.parents]]\nname = "city"\ntitle = "市政府总值班室"\nroute = "jibao"\n'
        f'url = "http://127.0.0.1:{city_port}"\n'
    )
    county_home, county_env = _home(
        tmp_path,
        "county",
        parents,
        JIBAO_UPWARD_TOKEN_CITY=issued,
        JIBAO_UPWARD_SECRET_CITY=SECRET,
    )
    _jibao(county_home, county_env, "migrate")
    _unit(county_home, county_env, "city", "市政府总值班室")
    office = _unit(
        county_home, county_env, "county", "县政府总值班室", "--parent", "city", "--office"
    )
    township = _unit(county_home, county_env, "qdh", "千岛湖镇", "--parent", "county")
    county = _serve(county_home, county_env, county_port, processes)

    occurred = (datetime.now(UTC) - timedelta(hours=4, minutes=10)).replace(microsecond=0)
    body = initial(occurred_at=occurred.isoformat(), learned_at=occurred.isoformat())
    body["already_reported_to"] = []
    filed = county.post("/api/v1/filings", json=body, headers=_as(township))
    assert filed.status_code == 201, filed.text
    incident_id = filed.json()["incident_id"]
    path = f"/api/v1/incidents/{incident_id}/upward"
    draft = county.post(path, json={"fields": {"reporter": REPORTER}}, headers=_as(office))
    assert draft.status_code == 201, draft.text
    report_id = draft.json()["id"]
    decided = county.post(
        f"/api/v1/upward/{report_id}/decision",
        json={"decision": "approve", "approver": "陈副县长"},
        headers=_as(office),
    )
    assert decided.status_code == 200, decided.text

    def received() -> Any:
        delivery = county.get(f"/api/v1/upward/{report_id}", headers=_as(office)).json()
        return delivery["delivery"] if delivery["delivery"]["state"] == "received" else None

    delivery = _until(received, "the city's receipt")
    incident = county.get(f"/api/v1/incidents/{incident_id}", headers=_as(office)).json()
    (k4,) = [o for o in incident["obligations"] if o["key"] == "upward"]
    due, counted = datetime.fromisoformat(k4["due_at"]), delivery["counted_at"]
    assert due == occurred + timedelta(hours=4)
    assert k4["status"] == "late" and k4["met_at"] == counted
    late = math.ceil((datetime.fromisoformat(counted) - due).total_seconds() / 60)
    assert k4["late_minutes"] == late and late >= 10

    (at_city,) = city.get("/api/v1/incidents?state=open", headers=_as(city_token)).json()[
        "incidents"
    ]
    assert at_city["id"] == delivery["parent_incident_id"]
    assert (at_city["unit"], at_city["title"]) == ("county", body["title"])

    instructed = city.post(
        "/api/v1/instructions",
        json={
            "issuer": {"name": "王市长", "post": "市长", "level": "city"},
            "received_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
            "text": "全力救治伤员，查明原因，及时续报",
            "type": "act",
            "units": ["county"],
            "incident_id": at_city["id"],
        },
        headers=_as(city_token),
    )
    assert instructed.status_code == 201, instructed.text

    def came_down() -> Any:
        listed = county.get("/api/v1/instructions", headers=_as(office)).json()["instructions"]
        return listed[0] if listed else None

    down = _until(came_down, "the instruction at the county")
    assert down["incident_id"] == incident_id and down["recorded_by"] == "市政府总值班室"
    assert [u["unit"] for u in down["units"]] == ["qdh"]
    full = county.get(f"/api/v1/instructions/{down['id']}", headers=_as(office)).json()
    (relay,) = [o for o in full["obligations"] if o["key"].endswith(":relay")]
    arrived = datetime.fromisoformat(full["received_at"])
    assert relay["status"] == "pending"
    assert datetime.fromisoformat(relay["due_at"]) == arrived + timedelta(minutes=30)
    city.close()
    county.close()
