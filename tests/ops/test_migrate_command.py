"""`jibao migrate` says where the schema stands and what it will run before running it, and
refuses a database whose schema is newer than this code, as `serve` does."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from alerts.storage.database import make_engine, migrate
from alerts.storage.revisions import head_revision, schema_state
from tests.ops.cli import one_line, run, write_config

HEAD = head_revision()


def _revision(url: str) -> str | None:
    engine = make_engine(url)
    try:
        return schema_state(engine).current
    finally:
        engine.dispose()


def _set_revision(url: str, revision: str) -> None:
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE alembic_version SET version_num = :r"), {"r": revision})
    engine.dispose()


def test_migrate_names_each_step_from_the_current_revision_then_runs_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path}/j.db"
    migrate(url, "0004")
    code, out, err = run(capsys, "migrate", "--config", write_config(tmp_path, url))
    lines = out.splitlines()
    assert code == 0 and err == ""
    assert lines[0] == f"数据库 {url} 的结构版本为 0004，最新为 {HEAD}；将依次执行："
    assert [line.split()[0] for line in lines[1:-1]] == [
        "0005",
        "0006",
        "0007",
        "0008",
        "0009",
        "0010",
        "0011",
        "0012",
        "0013",
        "0014",
        "0015",
        "0016",
    ]
    assert lines[1] == "  0005  role vacancies"
    assert lines[-1] == f"已升级到最新版本 {HEAD}：{url}"
    assert _revision(url) == HEAD

    code, out, _ = run(capsys, "migrate", "--config", write_config(tmp_path, url))
    assert code == 0 and out.strip() == f"数据库 {url} 的结构已是最新版本 {HEAD}，无需升级"


def test_dry_run_lists_every_step_of_a_new_database_and_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path}/j.db"
    config = write_config(tmp_path, url)
    code, out, _ = run(capsys, "migrate", "--dry-run", "--config", config)
    lines = out.splitlines()
    assert code == 0 and lines[0].endswith(f"尚无结构；将建立到最新版本 {HEAD}，依次执行：")
    assert lines[1] == "  0001  initial schema" and lines[-2].startswith(f"  {HEAD}  ")
    assert lines[-1] == "（--dry-run：未做任何改动）"
    assert not (tmp_path / "j.db").exists()  # not even an empty file


def test_in_english(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path}/j.db"
    migrate(url, "0006")
    config = write_config(tmp_path, url)
    Path(config).write_text(Path(config).read_text().replace('"zh_CN"', '"en"'))
    _, out, _ = run(capsys, "migrate", "--config", config)
    assert out.splitlines()[0].endswith(
        f"at schema revision 0006, the newest is {HEAD}; the steps:"
    )


@pytest.mark.parametrize("command", [["migrate"], ["migrate", "--dry-run"], ["serve"]])
def test_a_schema_newer_than_the_code_is_refused_and_left_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    url = f"sqlite:///{tmp_path}/j.db"
    migrate(url)
    _set_revision(url, "0099")
    code, out, err = run(capsys, *command, "--config", write_config(tmp_path, url))
    assert code == 1 and out == ""
    assert one_line(err) == (
        f"数据库 {url} 的结构版本 0099 比本程序所知的最新版本 {HEAD} 更新"
        "（由更新版本的急报写入）：请安装写入它的版本或更新版本；未做任何改动"
    )
    assert _revision(url) == "0099"
