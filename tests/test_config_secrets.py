"""Secrets come from the JIBAO_* environment only and are never shown: not by repr or str of the
settings, not in a dump, not in check-config's output, not in a config error, not in the logs;
the code that needs one reads it where it uses it."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from alerts.config import Settings, load_settings, settings_from_table
from alerts.escalation.channels import build_notifiers
from notifiers.email import EmailNotifier
from notifiers.sms import SmsNotifier
from notifiers.webhook import WebhookNotifier
from tests.builders import CONFIG, config_table
from tests.test_cli_startup import _config, _run

SECRETS = {
    "JIBAO_SECRET_KEY": "key-0f3a9c27d1e84b56",
    "JIBAO_TWILIO_AUTH_TOKEN": "token-7be21c90a4d3f658",
    "JIBAO_SMTP_PASSWORD": "smtp-pw-5d6e7f8091a2b3c4",
    "JIBAO_WEBHOOK_SECRET_ROBOT": "hook-9a8b7c6d5e4f3a2b",
}
DATABASE_PASSWORD = "db-pw-c3d4e5f6a7b8c9d0"
ENVIRON = SECRETS | {
    "JIBAO_DATABASE_URL": f"postgresql://jibao:{DATABASE_PASSWORD}@127.0.0.1:5432/jibao"
}
EVERY_SECRET = [*SECRETS.values(), DATABASE_PASSWORD]


def _table() -> dict[str, object]:
    table = config_table(language="en")
    table["notifications"] = {
        "twilio": {"account_sid": "AC" + "0" * 32, "from_number": "+15005550006"},
        "email": {"host": "127.0.0.1", "username": "jibao"},
        "webhooks": [{"name": "robot", "url": "http://127.0.0.1:9/hook"}],
    }
    return table


def _configured() -> Settings:
    return settings_from_table(_table(), environ=ENVIRON)


def _shown_nowhere(text: str) -> None:
    for secret in EVERY_SECRET:
        assert secret not in text


def test_repr_str_and_dumps_of_settings_with_every_secret_set_show_none() -> None:
    settings = _configured()
    for shown in (
        repr(settings),
        str(settings),
        repr(settings.notifications),
        str(settings.notifications.twilio),
        repr(settings.notifications.email),
        repr(settings.notifications.webhook_secrets),
        str(settings.model_dump()),
        settings.model_dump_json(),
        repr(settings.model_copy(update={"public_url": "http://x"})),
    ):
        _shown_nowhere(shown)
    assert "**********" in repr(settings.notifications.twilio)  # there, but masked


def test_each_secret_reaches_the_code_that_uses_it() -> None:
    settings = _configured()
    assert settings.secret_key.get_secret_value() == SECRETS["JIBAO_SECRET_KEY"]
    assert settings.database_url == ENVIRON["JIBAO_DATABASE_URL"]
    notifiers = build_notifiers(settings.notifications, settings.public_url)
    sms, email, hook = notifiers["sms"], notifiers["email"], notifiers["webhook:robot"]
    assert isinstance(sms, SmsNotifier) and isinstance(hook, WebhookNotifier)
    assert isinstance(email, EmailNotifier)
    assert sms.settings.auth_token == SECRETS["JIBAO_TWILIO_AUTH_TOKEN"]
    assert email.settings.password == SECRETS["JIBAO_SMTP_PASSWORD"]
    assert hook.settings.secret == SECRETS["JIBAO_WEBHOOK_SECRET_ROBOT"]
    for shown in (sms.settings, email.settings, hook.settings):
        _shown_nowhere(repr(shown))


def test_without_the_environment_no_secret_is_set_and_os_environ_is_not_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in ENVIRON.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("LANGUAGE", "zh_CN")  # a name pydantic-settings would read by default
    settings = settings_from_table(_table())
    assert settings.secret_key.get_secret_value() == ""
    assert settings.notifications.twilio.auth_token.get_secret_value() == ""
    assert settings.notifications.webhook_secrets == {}
    assert settings.language == "en"
    assert settings.database_url == "sqlite:///./jibao.db"


def test_load_settings_reads_the_process_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(CONFIG.read_text())
    for name, value in ENVIRON.items():
        monkeypatch.setenv(name, value)
    settings = load_settings(path)
    assert settings.database_url == ENVIRON["JIBAO_DATABASE_URL"]
    assert (
        settings.notifications.email.password.get_secret_value() == (SECRETS["JIBAO_SMTP_PASSWORD"])
    )
    assert (
        settings.notifications.webhook_secrets["robot"].get_secret_value()
        == (SECRETS["JIBAO_WEBHOOK_SECRET_ROBOT"])
    )


def test_check_config_and_config_errors_never_print_a_secret(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("JIBAO_DATABASE_URL", f"sqlite:///{tmp_path}/secret.db")
    caplog.set_level(logging.DEBUG)
    code, out, err = _run(capsys, "check-config", "--config", _config(tmp_path))
    assert code == 0 and "K4" in out
    _shown_nowhere(out + err + caplog.text)

    broken = _config(tmp_path, replace="max_body_bytes = 262144=>max_body_byts = 262144")
    code, out, err = _run(capsys, "check-config", "--config", broken)
    assert code == 2 and "max_body_byts" in err
    _shown_nowhere(out + err + caplog.text)

    monkeypatch.setenv("JIBAO_SECRET_KEY", "short-key-77")  # refused: too short, not shown
    code, out, err = _run(capsys, "check-config", "--config", _config(tmp_path))
    assert code == 2 and "JIBAO_SECRET_KEY" in err and "short-key-77" not in err
    _shown_nowhere(out + err + caplog.text)
