"""`jibao demo`: the seeded county answers through the real HTTP API with the printed tokens.

The county is seeded once per run (the `seeded_demo` fixture); each test works on its own copy."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from alerts.app import create_app
from alerts.config import Settings
from alerts.demo.seed import run_demo
from alerts.storage import models as m
from alerts.storage.database import make_engine
from tests.builders import settings as make_settings
from tests.seeded_demo import SeededDemo

TOKEN = re.compile(r"\((\w+)\) token: (\S+)")
CURL_BODY = re.compile(r"-d '(\{.*\})'$", re.MULTILINE)


def _demo(config: Settings, capsys: pytest.CaptureFixture[str], *, fresh: bool) -> str:
    code = run_demo(config, host="127.0.0.1", port=0, fresh=fresh)
    assert code == 0
    return capsys.readouterr().out


def _count(url: str, model: type[m.Base]) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return int(connection.scalar(select(func.count()).select_from(model)) or 0)
    finally:
        engine.dispose()


def _get(client: TestClient, path: str, token: str) -> Any:
    response = client.get(path, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    return response.json()


def test_demo_seeds_a_county_that_answers_through_the_api(
    tmp_path: Path, seeded_demo: SeededDemo
) -> None:
    config = make_settings(seeded_demo.copy(tmp_path))
    out = seeded_demo.banner
    tokens = dict(TOKEN.findall(out))
    assert set(tokens) == {"qdh", "county"}
    assert "http://127.0.0.1:0/docs" in out
    body_match = CURL_BODY.search(out)
    assert body_match is not None, out
    with TestClient(create_app(config, run_scheduler=False)) as client:
        incidents = _get(client, "/api/v1/incidents?state=open", tokens["county"])["incidents"]
        assert len(incidents) >= 10
        obligations = [
            o
            for incident in incidents
            for o in _get(client, f"/api/v1/incidents/{incident['id']}", tokens["county"])[
                "obligations"
            ]
        ]
        now = datetime.now(UTC)
        statuses = {o["status"] for o in obligations}
        assert {"met", "late", "missed"} <= statuses
        overdue = [
            o
            for o in obligations
            if o["status"] == "pending" and datetime.fromisoformat(o["due_at"]) < now
        ]
        assert {o["kind"] for o in overdue} >= {"initial", "upward", "followup"}
        closed = _get(client, "/api/v1/incidents?state=closed", tokens["county"])["incidents"]
        assert closed
        response = client.post(
            "/api/v1/filings",
            content=body_match.group(1).encode(),
            headers={
                "Authorization": f"Bearer {tokens['qdh']}",
                "Content-Type": "application/json",
            },
        )
        assert response.status_code == 201, response.text
        answer = response.json()
        assert answer["obligations"]
        assert {o["owed_by"] for o in answer["obligations"]} == {"qdh"}
        assert json.loads(body_match.group(1))["kind"] == "initial"


def test_demo_again_without_fresh_keeps_the_county_and_issues_new_tokens(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], seeded_demo: SeededDemo
) -> None:
    url = seeded_demo.copy(tmp_path)
    config = make_settings(url)
    first = dict(TOKEN.findall(seeded_demo.banner))
    counts = {model: _count(url, model) for model in (m.Unit, m.Person, m.Incident)}
    out = _demo(config, capsys, fresh=False)
    assert "seeding skipped" in out
    assert {model: _count(url, model) for model in counts} == counts
    again = dict(TOKEN.findall(out))
    assert set(again) == {"qdh", "county"} and again["qdh"] != first["qdh"]
    with TestClient(create_app(config, run_scheduler=False)) as client:
        for token in (*first.values(), *again.values()):
            _get(client, "/api/v1/incidents", token)


def test_demo_fresh_starts_over_with_the_same_county(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], seeded_demo: SeededDemo
) -> None:
    """The one test that seeds again: `--fresh` deleting and re-seeding is what it checks."""
    url = seeded_demo.copy(tmp_path)
    config = make_settings(url)
    counts = {model: _count(url, model) for model in (m.Unit, m.Person, m.RosterShift, m.Filing)}
    out = _demo(config, capsys, fresh=True)
    assert "Seeded a demo county" in out
    assert {model: _count(url, model) for model in counts} == counts


def test_demo_fresh_refuses_a_database_that_is_not_sqlite(
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = make_settings("postgresql://jibao@localhost/jibao")
    code = run_demo(config, host="127.0.0.1", port=0, fresh=True)
    assert code == 1
    assert "refusing" in capsys.readouterr().err


def test_demo_roster_has_a_month_with_a_holiday_one_gap_one_pending_swap_one_open_handover(
    tmp_path: Path, seeded_demo: SeededDemo
) -> None:
    from tests.builders import dry_notifiers

    config = make_settings(seeded_demo.copy(tmp_path))
    tokens = dict(TOKEN.findall(seeded_demo.banner))
    office = tokens["county"]
    with TestClient(create_app(config, notifiers=dry_notifiers(), run_scheduler=False)) as client:
        client.portal.call(client.app.state.services.engine.tick)  # type: ignore[attr-defined]
        units = [g["unit"] for g in _get(client, "/api/v1/roster/gaps", office)["gaps"]]
        assert units == ["slz"], "one unit's roster is published only a few days ahead"
        now = datetime.now(UTC)
        month = _get(
            client,
            "/api/v1/roster/shifts?unit=county&role=leader_on_duty"
            f"&from={_q(now)}&to={_q(now + timedelta(days=31))}",
            office,
        )["shifts"]
        assert month[-1]["ends_at"] >= (now + timedelta(days=30)).isoformat()[:10]
        assert "holiday" in {s["source"] for s in month}, "the director takes holidays"
        on_duty = _get(client, "/api/v1/roster/on-duty?unit=qdh", office)["roles"]
        assert on_duty["duty_officer"] and on_duty["leader_on_duty"] and on_duty["leader"]
        assert len(_get(client, "/api/v1/roster/swaps", office)["swaps"]) == 1
        handovers = _get(client, "/api/v1/roster/handovers", office)["handovers"]
        assert [h["unit"] for h in handovers] == ["county"]
        assert handovers[0]["accepted_at"] is None


def _q(moment: datetime) -> str:
    return moment.isoformat().replace("+", "%2B")


def test_demo_overdue_incidents_escalate_in_dry_run(
    tmp_path: Path, seeded_demo: SeededDemo
) -> None:
    """The demo has run: its ladders fired each rung at its own moment (none late), recorded as
    a dry run then; the engine, started, finds nothing of the past left to fire: what it fires
    fell due after the seeding (the demo is seeded once per test run, minutes before this)."""
    from tests.builders import dry_notifiers

    config = make_settings(seeded_demo.copy(tmp_path))
    office_token = dict(TOKEN.findall(seeded_demo.banner))["county"]
    notifiers = dry_notifiers()
    with TestClient(create_app(config, notifiers=notifiers, run_scheduler=False)) as client:
        started = datetime.now(UTC)
        client.portal.call(client.app.state.services.engine.tick)  # type: ignore[attr-defined]
        listing = client.get(
            "/api/v1/incidents", headers={"Authorization": f"Bearer {office_token}"}
        )
        timelines = [
            client.get(
                f"/api/v1/incidents/{i['id']}", headers={"Authorization": f"Bearer {office_token}"}
            ).json()
            for i in listing.json()["incidents"]
        ]
    fired = [e for t in timelines for e in t["timeline"] if e["kind"] == "escalation_fired"]
    now_fired = [e for e in fired if datetime.fromisoformat(e["at"]) >= started]
    history = [e for e in fired if datetime.fromisoformat(e["at"]) < started]
    due_moments = [
        datetime.fromisoformat(e["at"]) - timedelta(seconds=e["data"]["late_seconds"])
        for e in now_fired
    ]
    assert all(due >= seeded_demo.seeded_at - timedelta(minutes=1) for due in due_moments), (
        "the seeding left something of its past unfired"
    )
    assert len(history) > 10 and all(e["data"]["told"] for e in fired)
    assert all(e["data"]["late_seconds"] < 60 for e in history), [
        (e["data"]["step"], e["data"]["late_seconds"]) for e in history
    ]
    oldest = min(datetime.fromisoformat(e["at"]) for e in history)
    assert oldest < datetime.now(UTC) - timedelta(days=1), "history as if running for days"
    assert {n["state"] for t in timelines for n in t["notifications"]} <= {"dry", "bundled"}
