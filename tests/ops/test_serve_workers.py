"""`jibao serve --workers N`: several processes share one port on PostgreSQL, each a full
instance; refused on SQLite and without a shared signing key."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from alerts.storage.database import make_engine, make_session_factory, migrate
from alerts.storage.models import Filing
from alerts.storage.queries.units import add_token, add_unit
from tests.databases import fresh_database
from tests.ops.cli import one_line, run, write_config

SECRET = "k" * 32


def test_several_workers_are_refused_on_sqlite(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path}/j.db"
    migrate(url)
    config = write_config(tmp_path, url)
    code, out, err = run(capsys, "serve", "--workers", "2", "--port", "0", "--config", config)
    assert code == 1 and out == ""
    assert "只能用于 PostgreSQL" in one_line(err)


@pytest.mark.parametrize("workers", ["0", "33", "two"])
def test_a_worker_count_out_of_range_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], workers: str
) -> None:
    config = write_config(tmp_path, f"sqlite:///{tmp_path}/j.db")
    code, _, err = run(capsys, "serve", "--workers", workers, "--config", config)
    assert code == 2 and "--workers" in err


def test_several_workers_need_the_signing_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    if not os.environ.get("JIBAO_TEST_POSTGRES_URL"):
        pytest.skip("JIBAO_TEST_POSTGRES_URL is not set")
    monkeypatch.delenv("JIBAO_SECRET_KEY", raising=False)
    with fresh_database("postgres", tmp_path, "workers") as url:
        migrate(url)
        config = write_config(tmp_path, url)
        code, _, err = run(capsys, "serve", "--workers", "2", "--port", "0", "--config", config)
    assert code == 1 and "JIBAO_SECRET_KEY" in one_line(err)


def test_two_workers_share_the_port_and_store_each_filing_once(tmp_path: Path) -> None:
    if not os.environ.get("JIBAO_TEST_POSTGRES_URL"):
        pytest.skip("JIBAO_TEST_POSTGRES_URL is not set")
    with fresh_database("postgres", tmp_path, "workers") as url:
        migrate(url)
        tokens = _seed(url, units=4)
        port = _free_port()
        environ = {k: v for k, v in os.environ.items() if not k.startswith("JIBAO_")}
        environ["JIBAO_SECRET_KEY"] = SECRET
        argv = [sys.executable, "-m", "alerts", "serve", "--workers", "2", "--port", str(port)]
        process = subprocess.Popen(
            [*argv, "--config", write_config(tmp_path, url)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=environ,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            _wait_ready(base, process)
            assert len(_children(process.pid)) == 2, "two worker processes under the master"
            bodies = [_initial(f"W-{n}") for n in range(12)]
            answers = [
                _post(f"{base}/api/v1/filings", tokens[n % 4], body)
                for n, body in enumerate(bodies)
            ]
            again = _post(f"{base}/api/v1/filings", tokens[0], bodies[0])
        finally:
            process.send_signal(signal.SIGTERM)
            code = process.wait(20)
        assert [status for status, _ in answers] == [201] * 12
        assert again == answers[0], "the same Idempotency-Key answers the first answer again"
        assert _filings(url) == 12
        assert code in (0, -signal.SIGTERM)


def _seed(url: str, *, units: int) -> list[str]:
    now = datetime.now(UTC)
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session:
            office = add_unit(
                session, code="county", name="县政府总值班室", parent=None, is_office=True, now=now
            )
            tokens = []
            for n in range(units):
                unit = add_unit(
                    session, code=f"u{n}", name=f"第{n}镇", parent=office, is_office=False, now=now
                )
                tokens.append(add_token(session, unit=unit, label="test", now=now))
            session.commit()
    finally:
        engine.dispose()
    return tokens


def _filings(url: str) -> int:
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session:
            return session.scalar(select(func.count()).select_from(Filing)) or 0
    finally:
        engine.dispose()


def _initial(ref: str) -> dict[str, object]:
    occurred = (datetime.now(UTC) - timedelta(minutes=5)).isoformat()
    return {
        "kind": "initial",
        "external_ref": ref,
        "occurred_at": occurred,
        "learned_at": occurred,
        "category": "accident",
        "severity": "IV",
        "title": "某路段车辆侧翻",
        "location": {"area": "千岛湖镇", "address": "新安东路"},
        "description": "一辆货车侧翻",
        "casualties": {"dead": 0, "missing": 0, "seriously_injured": 0, "injured": 1},
        "measures": "交警到场",
        "reporter": {"name": "张三", "post": "值班员", "phone": "13800000000"},
    }


def _post(url: str, token: str, body: dict[str, object]) -> tuple[int, dict[str, object]]:
    request = urllib.request.Request(
        url,
        data=json.dumps(body, ensure_ascii=False).encode(),
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
            "Idempotency-Key": str(body["external_ref"]),
        },
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def _wait_ready(base: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, "serve ended early"
        try:
            with urllib.request.urlopen(f"{base}/readyz", timeout=2) as response:
                if response.status == 200 and len(_children(process.pid)) == 2:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError("serve --workers 2 not ready within 60 s")


def _children(pid: int) -> list[int]:
    """Live worker processes whose parent is `pid` (from /proc; not multiprocessing's resource
    tracker)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if int(stat[1]) == pid and stat[0] != "Z" and b"spawn_main" in command:
            found.append(int(entry.name))
    return found


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
