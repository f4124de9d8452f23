"""create_app is the one composition root: it builds every collaborator once, before the
lifespan, and routes reach them only through their dependencies, never `app.state`."""

from __future__ import annotations

import ast
import logging
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import alerts
from alerts.app import create_app
from tests.builders import dry_notifiers, settings

ALERTS = Path(alerts.__file__).parent
# where `app.state` may be touched: the root that fills it, the one function reading the
# services from it, and the dashboard's renderer (which Services must not know)
STATE_READERS = {
    ("app.py", "create_app"),
    ("services.py", "get_services"),
    ("dashboard/site.py", "install_dashboard"),
    ("dashboard/pages/common.py", "get_pages"),
}


def test_every_collaborator_is_built_once_and_shared(caplog: pytest.LogCaptureFixture) -> None:
    channels = dry_notifiers()
    with caplog.at_level(logging.WARNING, logger="alerts.app"):
        app = create_app(settings("sqlite://"), notifiers=channels, run_scheduler=False)
    services = app.state.services
    engine, escalator = services.engine, services.escalator
    assert engine.services is services and engine.notifiers is channels is services.channels
    assert engine.escalator is escalator and engine.roster_watch is services.roster_watch
    assert escalator.messages is services.messages is services.roster_watch.messages
    assert escalator.links is services.ack_links
    assert escalator.roster is services.roster is services.roster_watch.roster
    # without JIBAO_SECRET_KEY one random key signs both kinds of link, said once
    assert services.ack_links.signer.secret_keys == services.calendar_links.signer.secret_keys
    assert [r.message for r in caplog.records].count(
        "JIBAO_SECRET_KEY is not set: acknowledgement and calendar links are signed with a "
        "random key and stop working when the service restarts"
    ) == 1
    built = {name: id(part) for name, part in vars(services).items() if name != "alarm"}
    with TestClient(app) as client:  # the lifespan builds nothing: the same objects serve
        assert client.get("/healthz").status_code == 200
        assert {n: id(p) for n, p in vars(services).items() if n != "alarm"} == built


def test_the_lifespan_runs_the_alarm_and_readiness_sees_it() -> None:
    app = create_app(settings("sqlite://"), notifiers=dry_notifiers())
    services = app.state.services
    assert services.alarm is None
    with TestClient(app) as client:
        assert services.alarm is not None and services.alarm.running
        ready = client.get("/readyz")
        assert (ready.status_code, ready.json()) == (
            200,
            {"ready": True, "checks": {"database": "ok", "scheduler": "ok"}},
        )
    assert services.alarm is None


def _is_app_state(node: ast.AST) -> bool:
    """`app.state` or `….app.state`."""
    if not isinstance(node, ast.Attribute) or node.attr != "state":
        return False
    owner = node.value
    return (isinstance(owner, ast.Name) and owner.id == "app") or (
        isinstance(owner, ast.Attribute) and owner.attr == "app"
    )


def _state_readers(path: Path) -> set[tuple[str, str]]:
    """(module, function or class) for each one enclosing a use of `app.state`."""
    module = path.relative_to(ALERTS).as_posix()
    tree = ast.parse(path.read_text())
    scopes = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    return {
        (module, scope.name)
        for scope in ast.walk(tree)
        if isinstance(scope, scopes) and any(_is_app_state(node) for node in ast.walk(scope))
    }


def test_only_the_dependencies_read_app_state() -> None:
    readers = set().union(*(_state_readers(p) for p in ALERTS.rglob("*.py")))
    assert readers == STATE_READERS
