"""What `jibao backup` and `jibao restore` refuse, each in one line with exit 1 and nothing
written: an existing target, a missing directory or database, a schema never migrated, no
pg_dump; a database holding rows, a file that is no backup (or a damaged one), a backup newer
than the code, a backup of the other backend. And what they do with an older backup."""

from __future__ import annotations

import shutil
import sqlite3
import stat
from pathlib import Path

import pytest

from alerts.storage.database import migrate
from alerts.storage.revisions import head_revision
from tests.builders import at, row_counts, seed_county
from tests.conftest import POSTGRES_URL
from tests.databases import fresh_database
from tests.ops.cli import one_line, run, write_config

HEAD = head_revision()
NOT_EMPTY = "恢复失败：目标数据库不是空的（unit_tokens 表有 3 行）：只能恢复到空数据库"


@pytest.fixture
def backup(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """A SQLite backup of a migrated county."""
    url = f"sqlite:///{tmp_path}/live.db"
    migrate(url)
    seed_county(url, at(9))
    target = tmp_path / "county.backup"
    code, out, err = run(capsys, "backup", str(target), "--config", write_config(tmp_path, url))
    assert code == 0 and err == "" and out.startswith(f"已备份 {url}（结构版本 {HEAD}）到 ")
    return target


def _restore(tmp_path: Path, capsys: pytest.CaptureFixture[str], source: Path, url: str) -> str:
    """Run a restore expected to be refused; its one line."""
    config = write_config(tmp_path, url, name="target.toml")
    code, out, err = run(capsys, "restore", str(source), "--config", config)
    assert code == 1 and out == ""
    return one_line(err)


def test_a_backup_is_its_owners_alone_and_never_overwritten(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], backup: Path
) -> None:
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    before = backup.read_bytes()
    config = write_config(tmp_path, f"sqlite:///{tmp_path}/live.db")
    code, _, err = run(capsys, "backup", str(backup), "--config", config)
    assert (
        code == 1
        and one_line(err) == f"备份失败：{backup} 已存在：请另选文件名（备份从不覆盖已有文件）"
    )
    assert backup.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if "partial" in p.name] == []


@pytest.mark.parametrize(
    ("database", "target", "line"),
    [
        ("live.db", "nowhere/x.backup", "备份失败：目录 {tmp}/nowhere 不存在"),
        ("missing.db", "x.backup", "备份失败：数据库文件 {tmp}/missing.db 不存在：请检查"),
        ("empty.db", "x.backup", "备份失败：数据库中没有急报的表（从未运行过 `jibao migrate`）"),
    ],
)
def test_backup_refusals_write_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], database: str, target: str, line: str
) -> None:
    migrate(f"sqlite:///{tmp_path}/live.db")
    sqlite3.connect(tmp_path / "empty.db").close()
    before = sorted(p.name for p in tmp_path.iterdir())
    config = write_config(tmp_path, f"sqlite:///{tmp_path}/{database}")
    code, _, err = run(capsys, "backup", str(tmp_path / target), "--config", config)
    assert code == 1 and one_line(err).startswith(line.format(tmp=tmp_path))
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "config.toml") == before


def test_backup_on_postgresql_without_pg_dump_says_what_to_install(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    config = write_config(tmp_path, "postgresql://jibao@127.0.0.1:1/jibao")
    code, _, err = run(capsys, "backup", str(tmp_path / "x.dump"), "--config", config)
    assert code == 1 and one_line(err).startswith("备份失败：找不到 pg_dump：请安装")
    assert not (tmp_path / "x.dump").exists()


def test_restore_refuses_a_database_that_holds_rows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], backup: Path
) -> None:
    url = f"sqlite:///{tmp_path}/live.db"
    before = row_counts(url)
    assert _restore(tmp_path, capsys, backup, url).startswith(NOT_EMPTY)
    assert row_counts(url) == before


@pytest.mark.skipif(not POSTGRES_URL, reason="JIBAO_TEST_POSTGRES_URL is not set")
def test_restore_refuses_a_postgresql_database_that_holds_rows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        pytest.skip("pg_dump and pg_restore are not on PATH")
    with fresh_database("postgres", tmp_path, "full") as url:
        migrate(url)
        seed_county(url, at(9))
        dump = tmp_path / "county.dump"
        assert run(capsys, "backup", str(dump), "--config", write_config(tmp_path, url))[0] == 0
        before = row_counts(url)
        assert _restore(tmp_path, capsys, dump, url).startswith(NOT_EMPTY)
        assert row_counts(url) == before


def test_restore_refuses_what_is_not_a_backup_of_this_code(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], backup: Path
) -> None:
    target = tmp_path / "target.db"
    url = f"sqlite:///{target}"
    (tmp_path / "notes.txt").write_text("not a backup")
    assert _restore(tmp_path, capsys, tmp_path / "notes.txt", url) == (
        f"恢复失败：{tmp_path}/notes.txt 不是急报的备份（jibao backup 生成的 SQLite 文件或 "
        "pg_dump 自定义格式文件）"
    )
    assert _restore(tmp_path, capsys, tmp_path / "gone", url) == (
        f"恢复失败：备份文件 {tmp_path}/gone 不存在"
    )
    damaged = tmp_path / "damaged.backup"
    damaged.write_bytes(backup.read_bytes()[: 4096 * 3])
    assert _restore(tmp_path, capsys, damaged, url).startswith(
        f"恢复失败：备份文件 {damaged} 已损坏"
    )
    newer = tmp_path / "newer.backup"
    shutil.copy(backup, newer)
    with sqlite3.connect(newer) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '0099'")
    connection.close()
    assert _restore(tmp_path, capsys, newer, url) == (
        f"恢复失败：备份 {newer} 的结构版本 0099 比本程序所知的最新版本 {HEAD} 更新："
        "请用写入它的版本或更新版本恢复"
    )
    assert _restore(tmp_path, capsys, backup, "postgresql://jibao@127.0.0.1:1/jibao") == (
        f"恢复失败：{backup} 是 SQLite 的备份，而配置的数据库是 PostgreSQL：请恢复到同一种数据库"
    )
    assert not target.exists()


def test_an_older_backup_restores_and_asks_for_migrate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = f"sqlite:///{tmp_path}/old.db"
    migrate(old, "0005")
    backup = tmp_path / "old.backup"
    assert run(capsys, "backup", str(backup), "--config", write_config(tmp_path, old))[0] == 0
    config = write_config(tmp_path, f"sqlite:///{tmp_path}/new.db", name="new.toml")
    code, out, _ = run(capsys, "restore", str(backup), "--config", config)
    assert code == 0
    assert out.splitlines() == [
        f"已将 {backup}（结构版本 0005）恢复到 sqlite:///{tmp_path}/new.db",
        f"备份的结构早于最新版本 {HEAD}：启动服务前请先运行 `jibao migrate`",
    ]
    code, _, err = run(capsys, "serve", "--config", config)
    assert code == 1 and "请先运行 `jibao migrate`" in one_line(err)
    assert run(capsys, "migrate", "--config", config)[0] == 0


def test_restore_refuses_a_target_file_that_is_no_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], backup: Path
) -> None:
    target = tmp_path / "notes.db"
    target.write_text("the duty officer's notes")
    assert _restore(tmp_path, capsys, backup, f"sqlite:///{target}") == (
        f"恢复失败：{target} 已存在且不是 SQLite 数据库："
        "请将 database_url 指向一个新文件；未做任何改动"
    )
    assert target.read_text() == "the duty officer's notes"
