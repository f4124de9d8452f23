"""The operations tests run without the JIBAO_* variables of the shell that started them."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _no_environment_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("JIBAO_DATABASE_URL", "JIBAO_CONFIG", "JIBAO_SECRET_KEY", "JIBAO_SMTP_PASSWORD",
                 "JIBAO_TWILIO_AUTH_TOKEN"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
