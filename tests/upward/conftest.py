"""Upward report fixtures: served apps are closed after each test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.engine.harness import close_served


@pytest.fixture(autouse=True)
def _close_served() -> Iterator[None]:
    yield
    close_served()
