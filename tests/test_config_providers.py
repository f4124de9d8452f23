"""`[notifications.providers]`: `jibao check-config` names every template an enabled, routed
provider lacks, and refuses unknown kinds, parameters and routes; the providers' secrets come
from the environment only and are never shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from alerts.cli.commands import main
from alerts.config import ConfigError, settings_from_table
from alerts.escalation.channels import build_notifiers
from notifiers.failover import FailoverNotifier
from tests.builders import CONFIG, config_table

ALIYUN = """
[notifications.providers]
routes = { sms = ["aliyun", "twilio"], voice = ["twilio"] }
[notifications.providers.aliyun]
access_key_id = "LTAI-check"
[notifications.providers.aliyun.sms]
enabled = true
sign_name = "急报"
templates.overdue = { code = "SMS_2", params = ["unit", "late", "code", "time"] }
templates.reminder = { code = "SMS_1" }
"""
SECRETS = {
    "JIBAO_ALIYUN_ACCESS_KEY_SECRET": "aliyun-secret-3f9a1c7e",
    "JIBAO_ALIYUN_CALLBACK_TOKEN": "aliyun-token-8b2d4e6f",
    "JIBAO_TENCENT_SECRET_KEY": "tencent-secret-1a2b3c4d",
    "JIBAO_TENCENT_CALLBACK_TOKEN": "tencent-token-5e6f7a8b",
}


def _check(tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: str) -> tuple[int, str]:
    text = CONFIG.read_text().replace(
        'database_url = "sqlite:///./jibao.db"', f'database_url = "sqlite:///{tmp_path}/c.db"'
    )
    path = tmp_path / "config.toml"
    path.write_text(text + extra)
    with pytest.raises(SystemExit) as stop:
        main(["--config", str(path), "check-config"])
    _, err = capsys.readouterr()
    return int(stop.value.code or 0), err


def test_check_config_names_each_missing_template(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = _check(tmp_path, capsys, ALIYUN)
    assert code == 2
    named = sorted(
        line.split(":")[-2].rsplit(".", 1)[-1] for line in err.splitlines() if "缺少模板" in line
    )
    assert named == ["ack_pause", "relay", "roster", "stand_down"], err


def test_a_disabled_provider_needs_no_templates(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = _check(tmp_path, capsys, ALIYUN.replace("enabled = true", "enabled = false"))
    assert code == 0, err


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (("templates.reminder", "templates.reminderz"), "没有这类消息：reminderz"),
        (('"unit", "late"', '"unit", "lateness"'), "overdue 消息没有参数 lateness"),
        (('sms = ["aliyun", "twilio"]', 'sms = ["aliyun", "aliyun"]'), "每个只写一次"),
        (('voice = ["twilio"]', 'voice = ["tencent"]'), "语音通知不能用腾讯云"),
        (('access_key_id = "LTAI-check"', 'access_key_secret = "in-the-file"'), "未知的键"),
    ],
)
def test_bad_provider_settings_are_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], change: tuple[str, str], says: str
) -> None:
    assert change[0] in ALIYUN
    code, err = _check(tmp_path, capsys, ALIYUN.replace(*change))
    assert code == 2 and says in err, err
    assert "in-the-file" not in err


def test_provider_secrets_reach_the_adapters_and_are_never_shown() -> None:
    table = config_table()
    kinds = ("reminder", "overdue", "ack_pause", "stand_down", "roster", "relay")
    table["notifications"] = {
        "providers": {
            "routes": {"sms": ["tencent", "aliyun"], "voice": ["aliyun"]},
            "aliyun": {
                "access_key_id": "LTAI-x",
                "sms": {"enabled": True, "templates": {k: {"code": "SMS_1"} for k in kinds}},
                "voice": {"enabled": True, "templates": {k: {"code": "TTS_1"} for k in kinds}},
            },
            "tencent": {
                "enabled": True,
                "secret_id": "AKID-x",
                "sdk_app_id": "1400000001",
                "templates": {k: {"code": "1"} for k in kinds},
            },
        }
    }
    settings = settings_from_table(table, environ=SECRETS)
    for shown in (repr(settings), settings.model_dump_json(), str(settings.model_dump())):
        for secret in SECRETS.values():
            assert secret not in shown
    providers = settings.notifications.providers
    assert (
        providers.aliyun.callback_token.get_secret_value() == SECRETS["JIBAO_ALIYUN_CALLBACK_TOKEN"]
    )
    notifiers = build_notifiers(settings.notifications, settings.public_url)
    sms, voice = notifiers["sms"], notifiers["voice"]
    assert isinstance(sms, FailoverNotifier) and isinstance(voice, FailoverNotifier)
    assert [name for name, _ in sms.providers] == ["tencent", "aliyun"]
    tencent, aliyun = (notifier for _, notifier in sms.providers)
    assert tencent.settings.secret_key == SECRETS["JIBAO_TENCENT_SECRET_KEY"]  # type: ignore[attr-defined]
    assert aliyun.settings.access_key_secret == SECRETS["JIBAO_ALIYUN_ACCESS_KEY_SECRET"]  # type: ignore[attr-defined]
    for _, notifier in [*sms.providers, *voice.providers]:
        for secret in SECRETS.values():
            assert secret not in repr(notifier.settings)  # type: ignore[attr-defined]


def test_without_secrets_an_enabled_provider_is_left_out_and_the_channel_stays_twilio() -> None:
    table = config_table()
    table["notifications"] = {
        "providers": {
            "routes": {"sms": ["aliyun"], "voice": ["twilio"]},
            "aliyun": {"access_key_id": "LTAI-x", "sms": {"enabled": False}},
        }
    }
    settings = settings_from_table(table, environ={})
    notifiers = build_notifiers(settings.notifications, settings.public_url)
    assert not isinstance(notifiers["sms"], FailoverNotifier)
    with pytest.raises(ConfigError):
        settings_from_table(table | {"notifications": {"providers": {"routes": {"sms": []}}}})
