"""`jibao doctor` on the providers in China: an enabled, routed provider without its secret or
its callback token is named with what to fix; one complete is named as configured."""

from __future__ import annotations

from pathlib import Path

import pytest

from alerts.storage.database import migrate
from tests.ops.cli import run, write_config

SECRET = "a-secret-of-thirty-two-characters"
PROVIDERS = """
[notifications.providers]
routes = { sms = ["aliyun", "tencent"], voice = ["twilio"] }
[notifications.providers.aliyun]
access_key_id = "LTAI-doctor"
[notifications.providers.aliyun.sms]
enabled = true
sign_name = "急报"
{templates}
[notifications.providers.tencent]
enabled = true
secret_id = "AKID-doctor"
sdk_app_id = "1400000001"
sign_name = "急报"
{templates}
"""
KINDS = ("reminder", "overdue", "ack_pause", "stand_down", "roster", "relay")
TEMPLATES = "\n".join(f'templates.{kind} = {{ code = "T{n}" }}' for n, kind in enumerate(KINDS))
PROVIDERS = PROVIDERS.replace("{templates}", TEMPLATES)
HEAD = "国内短信和语音（阿里云、腾讯云）："


def test_providers_without_secrets_or_callback_tokens_are_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path}/jibao.db"
    migrate(url)
    monkeypatch.setenv("JIBAO_SECRET_KEY", SECRET)
    monkeypatch.setenv("JIBAO_ALIYUN_ACCESS_KEY_SECRET", "aliyun-secret")
    config = write_config(tmp_path, url, extra=PROVIDERS)
    code, out, _ = run(capsys, "doctor", "--config", config)
    lines = [line for line in out.splitlines() if "国内短信和语音" in line]
    assert code == 1
    assert lines == [
        f"✓ {HEAD}aliyun 已配置（sms），未发送测试消息",
        f"✗ {HEAD}aliyun 未设置 JIBAO_ALIYUN_CALLBACK_TOKEN：送达回执和回复都会被拒收（403）",
        f"✗ {HEAD}tencent 已启用但缺少 JIBAO_TENCENT_SECRET_KEY：不在发送顺序中",
    ], out

    monkeypatch.setenv("JIBAO_ALIYUN_CALLBACK_TOKEN", "aliyun-token")
    monkeypatch.setenv("JIBAO_TENCENT_SECRET_KEY", "tencent-secret")
    monkeypatch.setenv("JIBAO_TENCENT_CALLBACK_TOKEN", "tencent-token")
    code, out, _ = run(capsys, "doctor", "--config", config)
    lines = [line for line in out.splitlines() if "国内短信和语音" in line]
    assert all(line.startswith("✓") for line in lines) and len(lines) == 2, out
