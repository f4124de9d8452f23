"""A real Alertmanager (Debian's prometheus-alertmanager) posting to Jibao under uvicorn: an alert
fired and then resolved through Alertmanager's own API yields one registered incident with one
follow-up, and the same alert again (Alertmanager's repeats, and posting it anew) nothing new.

Skipped when the binary is missing (CI=true makes that a failure); .ci/install-system-packages
installs it."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from alerts.app import create_app
from tests.builders import dry_notifiers, seed_county, settings
from tests.polling import wait_until
from tests.serving import served
from tests.sources.builders import alertmanager_source

BINARY = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")
TIMEOUT = 30  # seconds for anything Alertmanager is asked to do; it acts within a few
LABELS = {
    "alertname": "ReservoirLevelHigh",
    "severity": "critical",
    "category": "flood",
    "site": "新安江水库大坝",
}
ANNOTATIONS = {"summary": "新安江水库水位超过警戒线", "description": "坝前水位 108.2 米"}

pytestmark = pytest.mark.skipif(
    BINARY is None, reason="prometheus-alertmanager is not installed (apt-get install it)"
)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def _config(jibao: str, token: str) -> dict[str, Any]:
    """alertmanager.yml (JSON is YAML): every alert to Jibao at once, repeated every 2 seconds."""
    webhook = {
        "url": f"{jibao}/api/v1/sources/alertmanager",
        "send_resolved": True,
        "max_alerts": 100,
        "http_config": {"authorization": {"type": "Bearer", "credentials": token}},
    }
    return {
        "route": {
            "receiver": "jibao",
            "group_by": ["alertname"],
            "group_wait": "1s",
            "group_interval": "1s",
            "repeat_interval": "2s",
        },
        "receivers": [{"name": "jibao", "webhook_configs": [webhook]}],
    }


@contextmanager
def alertmanager(tmp_path: Path, config: dict[str, Any]) -> Iterator[str]:
    """Alertmanager on a free port with `config`, without clustering; its base URL."""
    assert BINARY is not None
    (tmp_path / "alertmanager.yml").write_text(json.dumps(config))
    port = _free_port()
    log = (tmp_path / "alertmanager.log").open("wb")
    process = subprocess.Popen(
        [
            BINARY,
            f"--config.file={tmp_path / 'alertmanager.yml'}",
            f"--storage.path={tmp_path / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--cluster.listen-address=",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        ready = wait_until(lambda: _ready(base, process), timeout=TIMEOUT, every=0.1)
        assert ready, (tmp_path / "alertmanager.log").read_text()
        yield base
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _ready(base: str, process: subprocess.Popen[bytes]) -> bool:
    assert process.poll() is None, "Alertmanager exited"
    try:
        return httpx.get(f"{base}/-/ready", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def _post_alert(base: str, starts: datetime, ends: datetime | None = None) -> None:
    alert: dict[str, Any] = {
        "labels": LABELS,
        "annotations": ANNOTATIONS,
        "startsAt": starts.isoformat(),
        "generatorURL": "http://prometheus.example:9090/graph",
    }
    if ends is not None:
        alert["endsAt"] = ends.isoformat()
    answer = httpx.post(f"{base}/api/v2/alerts", json=[alert], timeout=5)
    assert answer.status_code == 200, answer.text


def _sent(base: str, metric: str = "alertmanager_notifications_total") -> float:
    """How many webhook notifications Alertmanager has sent (or failed to)."""
    text = httpx.get(f"{base}/metrics", timeout=5).text
    for line in text.splitlines():
        if line.startswith(f'{metric}{{integration="webhook"}}'):
            return float(line.split()[-1])
    return 0.0


class Jibao:
    """Jibao's answers about its incidents, as the office sees them."""

    def __init__(self, base: str, token: str) -> None:
        self.base, self.headers = base, {"Authorization": f"Bearer {token}"}

    def incidents(self) -> list[dict[str, Any]]:
        """Every incident, in full."""
        listed = httpx.get(
            f"{self.base}/api/v1/incidents?state=all", headers=self.headers, timeout=5
        )
        assert listed.status_code == 200, listed.text
        return [self.incident(i["id"]) for i in listed.json()["incidents"]]

    def incident(self, incident_id: int) -> dict[str, Any]:
        """One incident with its filings."""
        answer = httpx.get(
            f"{self.base}/api/v1/incidents/{incident_id}", headers=self.headers, timeout=5
        )
        assert answer.status_code == 200, answer.text
        found: dict[str, Any] = answer.json()
        return found

    def filings(self) -> list[list[str]]:
        """Each incident's filings, by their descriptions."""
        return [[f["body"]["description"] for f in i["filings"]] for i in self.incidents()]


def test_a_real_alertmanager_fires_and_resolves_one_incident(
    sqlite_database: str, tmp_path: Path
) -> None:
    from tests.conftest import _empty

    _empty(sqlite_database)
    office_token, _ = seed_county(sqlite_database, datetime.now(UTC) - timedelta(hours=1))
    config = settings(sqlite_database, sources=[alertmanager_source()])
    app = create_app(config, notifiers=dry_notifiers(), run_scheduler=False)
    started = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=1)
    with served(app) as base, alertmanager(tmp_path, _config(base, office_token)) as am:
        jibao = Jibao(base, office_token)
        _post_alert(am, started)
        assert wait_until(lambda: len(jibao.filings()) == 1, timeout=TIMEOUT, every=0.2)
        [[registered]] = jibao.filings()
        assert registered.startswith("【监测告警·alertmanager】触发")

        # Alertmanager repeats the group (repeat_interval), and the alert is posted again
        sent = _sent(am)
        _post_alert(am, started)
        assert wait_until(lambda: _sent(am) >= sent + 2, timeout=TIMEOUT, every=0.2)
        assert [len(f) for f in jibao.filings()] == [1]

        _post_alert(am, started, ends=datetime.now(UTC) - timedelta(seconds=1))
        assert wait_until(lambda: len(jibao.filings()[0]) == 2, timeout=TIMEOUT, every=0.2)
        [incident] = jibao.incidents()
        assert [f["kind"] for f in incident["filings"]] == ["register", "register"]
        assert incident["filings"][1]["body"]["description"].startswith(
            "【监测告警·alertmanager】已恢复"
        )
        assert incident["state"] == "open"  # resolving is not 处置结束

        # the same resolved alert again: Alertmanager may send it, Jibao takes nothing new
        sent = _sent(am)
        _post_alert(am, started, ends=datetime.now(UTC) - timedelta(seconds=1))
        wait_until(lambda: _sent(am) > sent, timeout=5, every=0.2)
        assert [len(f) for f in jibao.filings()] == [2]
        assert _sent(am, "alertmanager_notifications_failed_total") == 0
