"""Routes are built when the app is created, not on their first (possibly concurrent) request:
FastAPI builds them inside warnings.catch_warnings(), which is not thread-safe."""

from __future__ import annotations

import re
import warnings
from typing import Any

import pytest
from fastapi.testclient import TestClient

from alerts.app import create_app
from tests.builders import settings


def test_first_requests_to_every_route_build_nothing(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = create_app(settings(database_url), run_scheduler=False)
    entered: list[str] = []
    original = warnings.catch_warnings.__enter__

    def counting(self: Any) -> Any:
        entered.append("catch_warnings")
        return original(self)

    with TestClient(app) as client:
        monkeypatch.setattr(warnings.catch_warnings, "__enter__", counting)
        for route in app.routes:
            path = re.sub(r"\{[^}]+\}", "1", getattr(route, "path", ""))
            for method in sorted(getattr(route, "methods", None) or {"GET"}):
                answer = client.request(method, path)
                assert answer.status_code < 500, (method, path, answer.text)
    assert entered == []
