"""No request, however malformed, gets a 500 or leaves a partial row behind."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.builders import County, at, county, initial, row_counts

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**12), 10**12)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
FIELDS = [*sorted(initial().keys()), "incident_id", "unit", "handling_finished", "severity", "kind"]
KIND_VALUES = st.sampled_from(
    ["initial", "followup", "final", "phone", "upward", "register", "feedback"]
)


@pytest.fixture
def shared_county(database_url: str) -> County:
    """One seeded app for all of a test's examples (the fixture is not reset between them, and
    need not be: each example checks only what its own request changed)."""
    return county(database_url, start=at(10))


@st.composite
def mutated_bodies(draw: st.DrawFn) -> dict[str, Any]:
    """A valid report with some fields replaced by arbitrary JSON, or removed."""
    body = initial()
    for name in draw(st.lists(st.sampled_from(FIELDS), max_size=4, unique=True)):
        choice = draw(st.integers(0, 2))
        if choice == 0:
            body.pop(name, None)
        elif choice == 1 and name == "kind":
            body[name] = draw(KIND_VALUES)
        else:
            body[name] = draw(json_values)
    return body


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=mutated_bodies())
def test_mutated_reports_never_crash_or_half_write(
    database_url: str, shared_county: County, body: dict[str, Any]
) -> None:
    c = shared_county
    before = row_counts(database_url)
    response = c.post(body)
    assert response.status_code in {201, 403, 404, 409, 422}, response.text
    if response.status_code != 201:
        assert "error" in response.json()
        assert row_counts(database_url) == before


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(raw=st.binary(max_size=200) | json_values.map(lambda v: json.dumps(v).encode()))
def test_arbitrary_bytes_never_crash(database_url: str, shared_county: County, raw: bytes) -> None:
    c = shared_county
    before = row_counts(database_url)
    response = c.client.post(
        "/api/v1/filings",
        content=raw,
        headers={"Authorization": f"Bearer {c.tokens['qdh']}", "Content-Type": "application/json"},
    )
    assert response.status_code == 422, response.text
    assert row_counts(database_url) == before
