"""`jibao doctor`: one run names every problem of a set-up with what to fix, in the configured
language, and exits 1; a healthy set-up (a migrated database, a real SMTP server, a Twilio that
accepts the credentials) exits 0 with nothing marked wrong."""

from __future__ import annotations

import base64
import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from alerts.cli.doctor_checks import check_clock
from alerts.storage.database import make_engine, migrate
from tests.notifiers.smtp_server import SmtpServer
from tests.ops.cli import run, write_config

SECRET = "a-secret-of-thirty-two-characters"
SID, TOKEN = "AC" + "0" * 32, "twilio-token"


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _email(port: int, *, username: str = "") -> str:
    login = f'username = "{username}"\n' if username else ""
    return f'[notifications.email]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\n{login}'


def _wrong(out: str) -> list[str]:
    return [line for line in out.splitlines() if line.startswith("✗")]


@contextmanager
def _twilio(sid: str, token: str) -> Iterator[str]:
    """A Twilio account resource that answers 200 to these credentials and 401 to others."""
    expected = "Basic " + base64.b64encode(f"{sid}:{token}".encode()).decode()

    class Account(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            right = self.path == f"/2010-04-01/Accounts/{sid}.json"
            status = 200 if right and self.headers.get("Authorization") == expected else 401
            body = json.dumps({"sid": sid, "status": "active"} if status == 200 else {}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Account)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def _twilio_table(base: str) -> str:
    return (
        f'[notifications.twilio]\naccount_sid = "{SID}"\nfrom_number = "+15005550006"\n'
        f'api_base_url = "{base}"\n'
    )


@pytest.mark.parametrize(
    ("url", "says"),
    [
        (
            "postgresql://jibao@127.0.0.1:{port}/jibao",
            "✗ 数据库：无法连接数据库 postgresql://jibao@",
        ),
        ("postgresql://jibao@127.0.0.1:port/jibao", "✗ 数据库：数据库地址有误 postgresql://jibao@"),
    ],
)
def test_a_wrong_database_no_secret_and_an_unreachable_smtp_server_are_named_in_one_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], url: str, says: str
) -> None:
    smtp = _closed_port()
    config = write_config(tmp_path, url.format(port=_closed_port()), extra=_email(smtp))
    code, out, err = run(capsys, "doctor", "--config", config)
    assert code == 1 and err == ""
    wrong = _wrong(out)
    assert len(wrong) == 3, out
    assert wrong[0].startswith("✗ 密钥：未设置 JIBAO_SECRET_KEY")
    assert wrong[1].startswith(says)
    assert wrong[2].startswith(f"✗ 邮件（SMTP）：无法连接 SMTP 服务器 127.0.0.1:{smtp}：")
    assert "    修正：设置至少 16 个字符的随机值" in out
    assert "    修正：核对 [notifications.email] 的 host、port、security" in out
    assert out.splitlines()[-1] == "发现 3 个问题（见 ✗ 各行）"


def test_a_healthy_set_up_exits_0(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path}/jibao.db"
    migrate(url)
    monkeypatch.setenv("JIBAO_SECRET_KEY", SECRET)
    monkeypatch.setenv("JIBAO_SMTP_PASSWORD", "s3cret")
    monkeypatch.setenv("JIBAO_TWILIO_AUTH_TOKEN", TOKEN)
    with (
        SmtpServer(security="none", username="duty", password="s3cret") as smtp,
        _twilio(SID, TOKEN) as twilio,
    ):
        extra = _email(smtp.port, username="duty") + _twilio_table(twilio)
        config = write_config(tmp_path, url, extra=extra)
        code, out, _ = run(capsys, "doctor", "--config", config)
    assert code == 0, out
    assert _wrong(out) == []
    assert f"✓ 邮件（SMTP）：SMTP 服务器 127.0.0.1:{smtp.port} 可连接（none），登录成功" in out
    assert f"✓ 短信和语音（Twilio）：Twilio API {twilio} 可连接，凭据有效" in out
    assert "✓ 数据库结构：结构为最新版本" in out and "· 时钟：SQLite 与本机共用同一时钟" in out
    assert out.splitlines()[-1] == "未发现问题"


def test_dry_channels_are_named_as_dry_and_are_not_wrong(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path}/jibao.db"
    migrate(url)
    monkeypatch.setenv("JIBAO_SECRET_KEY", SECRET)
    code, out, _ = run(capsys, "doctor", "--config", write_config(tmp_path, url))
    assert code == 0
    assert "· 短信和语音（Twilio）：未配置 Twilio 凭据：短信和语音只记录不发送（dry）" in out
    assert "· 邮件（SMTP）：未配置 SMTP 服务器：邮件只记录不发送（dry）" in out


def test_channel_problems_in_english(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path}/jibao.db"
    migrate(url)
    monkeypatch.setenv("JIBAO_SECRET_KEY", SECRET)
    monkeypatch.setenv("JIBAO_SMTP_PASSWORD", "wrong")
    monkeypatch.setenv("JIBAO_TWILIO_AUTH_TOKEN", "not-the-token")
    hook = '[[notifications.webhooks]]\nname = "robot"\nurl = "robot.example.gov.cn/hook"\n'
    with (
        SmtpServer(security="none", username="duty", password="s3cret") as smtp,
        _twilio(SID, TOKEN) as twilio,
    ):
        extra = _email(smtp.port, username="duty") + _twilio_table(twilio) + hook
        config = write_config(tmp_path, url, extra=extra)
        Path(config).write_text(Path(config).read_text().replace('"zh_CN"', '"en"'))
        code, out, _ = run(capsys, "doctor", "--config", config)
    assert code == 1
    assert _wrong(out) == [
        "✗ SMS and voice (Twilio): Twilio refused the credentials (HTTP 401)",
        f"✗ email (SMTP): the SMTP server 127.0.0.1:{smtp.port} refused the login: "
        "5.7.8 Authentication credentials invalid",
        "✗ webhook: the URL robot.example.gov.cn/hook of webhook:robot is not right",
    ]
    assert "    fix: check account_sid and JIBAO_TWILIO_AUTH_TOKEN" in out


@pytest.mark.parametrize(
    ("twilio", "line"),
    [
        (f'account_sid = "{SID}"',
         "✗ 短信和语音（Twilio）：Twilio 配置不完整（缺少 from_number, token）"),
        (f'account_sid = "{SID}"\nfrom_number = "+15005550006"\napi_base_url = '
         '"http://127.0.0.1:{port}"', "✗ 短信和语音（Twilio）：无法连接 Twilio API http://127.0.0.1:"),
    ],
)  # fmt: skip
def test_an_incomplete_or_unreachable_twilio_is_named(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    twilio: str,
    line: str,
) -> None:
    url = f"sqlite:///{tmp_path}/jibao.db"
    migrate(url)
    monkeypatch.setenv("JIBAO_SECRET_KEY", SECRET)
    if "from_number" in twilio:
        monkeypatch.setenv("JIBAO_TWILIO_AUTH_TOKEN", TOKEN)
    extra = "[notifications.twilio]\n" + twilio.replace("{port}", str(_closed_port())) + "\n"
    code, out, _ = run(capsys, "doctor", "--config", write_config(tmp_path, url, extra=extra))
    assert code == 1 and [w.startswith(line) for w in _wrong(out)] == [True], out


def test_the_schema_behind_or_ahead_and_a_missing_file_are_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JIBAO_SECRET_KEY", SECRET)
    url = f"sqlite:///{tmp_path}/jibao.db"
    code, out, _ = run(capsys, "doctor", "--config", write_config(tmp_path, url))
    assert code == 1 and _wrong(out) == [f"✗ 数据库：数据库文件 {tmp_path}/jibao.db 不存在"]
    assert "    修正：运行 `jibao migrate`（升级前先 `jibao backup`）" in out
    assert not (tmp_path / "jibao.db").exists()
    migrate(url, "0005")
    _, out, _ = run(capsys, "doctor", "--config", write_config(tmp_path, url))
    assert _wrong(out)[0].startswith("✗ 数据库结构：结构版本为 0005，落后于最新版本")
    migrate(url)
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql("UPDATE alembic_version SET version_num = '0099'")
    engine.dispose()
    _, out, _ = run(capsys, "doctor", "--config", write_config(tmp_path, url))
    assert _wrong(out)[0].startswith("✗ 数据库结构：数据库 sqlite:///") and "0099" in out


def test_a_wrong_config_is_reported_and_the_database_still_checked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"postgresql://jibao@127.0.0.1:{_closed_port()}/jibao"
    config = write_config(tmp_path, url)
    Path(config).write_text(Path(config).read_text().replace("keep_years = 5", "keep_yaers = 5"))
    code, out, _ = run(capsys, "doctor", "--config", config)
    assert code == 1
    assert [line.split("：")[0] for line in _wrong(out)] == ["✗ 配置", "✗ 密钥", "✗ 数据库"]
    assert f"✗ 配置：{config}: records.keep_yaers: 未知的键，是否应为 keep_years？" in out
    assert "· 通知渠道：配置有误，未检查通知渠道、public_url 和记录保存期" in out


def test_a_clock_that_differs_from_the_databases_is_named(database_url: str) -> None:
    engine = make_engine(database_url)
    with engine.connect() as connection:
        behind = check_clock(
            connection, engine.dialect.name, lambda: _now() - timedelta(seconds=30)
        )
        right = check_clock(connection, engine.dialect.name, _now)
    engine.dispose()
    if engine.dialect.name == "sqlite":
        assert [f.key for f in behind] == ["clock_same_machine"]
        return
    assert [(f.level, f.key, f.fix) for f in behind] == [("problem", "clock_behind", "clock")]
    assert 29 <= behind[0].params["seconds"] <= 31
    assert [f.level for f in right] == ["ok"]


def _now() -> datetime:
    from alerts.clock import SystemClock

    return SystemClock().now()
