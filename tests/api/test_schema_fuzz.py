"""Schemathesis over /openapi.json: no operation answers a 5xx, or a status, content type or body
it does not document.

SQLite only: the run is about what the API answers, and PostgreSQL would triple its time."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from alerts.app import create_app
from alerts.roster.files import MEDIA_TYPES
from tests.builders import County, at, county
from tests.builders import settings as app_settings


@pytest.fixture
def fuzzed(sqlite_database: str) -> County:
    """A seeded county; the office's token lets requests reach past 401, and its Alertmanager
    source lets alerts reach past 404."""
    from tests.conftest import _empty
    from tests.sources.builders import alertmanager_source

    _empty(sqlite_database)
    return county(sqlite_database, start=at(10), sources=[alertmanager_source()])


# A roster workbook is bytes: fuzz it like any binary body (random bytes must be a 422, not a 5xx)
schemathesis.serializer.alias(MEDIA_TYPES["xlsx"], "application/octet-stream")

# The schema is read once from an app that never touches its database; each test calls its own.
schema = schemathesis.openapi.from_asgi(
    "/openapi.json", create_app(app_settings("sqlite://"), run_scheduler=False)
)


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_no_server_error_and_only_documented_statuses(case: Any, fuzzed: County) -> None:
    # every answer has a documented status, content type and shape (the models forbid extras)
    conformance = [status_code_conformance, content_type_conformance, response_schema_conformance]
    checks = [not_a_server_error, *conformance]
    if case.operation.path == "/readyz":  # 503 by design: this app runs without its scheduler
        checks = conformance
    case.call_and_validate(
        app=fuzzed.client.app,
        headers={"Authorization": f"Bearer {fuzzed.office_token}"},
        checks=checks,
    )
