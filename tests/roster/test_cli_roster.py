"""`jibao roster import|export`: good files import and print a summary; a bad file prints the
report and exits non-zero with nothing stored; export writes CSV to stdout or a file, XLSX to a
file."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from alerts.cli.commands import main
from tests.builders import CONFIG, CST, row_counts, seed_county
from tests.roster.files import (
    OFFICERS,
    add_people,
    csv_file,
    imported_shifts,
    month_rows,
    read_xlsx,
    xlsx_file,
)


@pytest.fixture
def database(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The county and qdh's people on the test database, which the CLI reaches via the env."""
    monkeypatch.setenv("JIBAO_DATABASE_URL", database_url)
    seed_county(database_url, datetime(2026, 10, 1, tzinfo=CST))
    add_people(database_url)
    return database_url


def jibao(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Run the command; (exit code, stdout, stderr)."""
    with pytest.raises(SystemExit) as stop:
        main(["--config", str(CONFIG), *argv])
    out, err = capsys.readouterr()
    return int(stop.value.code or 0), out, err


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_import_a_good_file(
    database: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    path = tmp_path / f"千岛湖镇11月值班表.{kind}"
    rows = month_rows()
    path.write_bytes(csv_file(rows, encoding="gb18030") if kind == "csv" else xlsx_file(rows))
    code, out, err = jibao(
        capsys, "roster", "import", str(path), "--unit", "qdh", "--month", "2026-11"
    )
    assert (code, err) == (0, "")
    assert out.strip() == "已导入千岛湖镇 2026-11 值班表：30 天，90 个班次（替换 0 个）"
    assert imported_shifts(database) == 90


def test_import_a_bad_file_prints_the_report_and_stores_nothing(
    database: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = month_rows()
    rows[2][2] = "110"
    rows[7][1] = "无名氏"
    rows[7][2] = "13900000888"
    path = tmp_path / "bad.csv"
    path.write_bytes(csv_file(rows))
    before = row_counts(database)
    code, out, err = jibao(
        capsys, "roster", "import", str(path), "--unit", "qdh", "--month", "2026-11"
    )
    assert code == 1 and out == ""
    assert err.splitlines() == [
        "第 4 行 duty_officer_phone: 不是电话号码：“110”（应为手机号、+86… 或带区号的座机号）",
        "第 9 行 duty_officer: 千岛湖镇没有 无名氏（13900000888）此人",
        "未导入：共 2 处错误",
    ]
    assert row_counts(database) == before


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        (("--unit", "nowhere", "--month", "2026-11"), 1, "no unit 'nowhere'"),
        (("--unit", "qdh", "--month", "2026-13"), 2, "not a month"),
        (("--unit", "qdh", "--month", "2026-11", "--file-missing"), 2, "cannot read"),
    ],
)
def test_import_refuses_bad_arguments(
    database: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    argv: tuple[str, ...],
    code: int,
    message: str,
) -> None:
    path = tmp_path / "roster.csv"
    if "--file-missing" not in argv:
        path.write_bytes(csv_file(month_rows()))
    args = [a for a in argv if a != "--file-missing"]
    before = row_counts(database)
    got, _, err = jibao(capsys, "roster", "import", str(path), *args)
    assert got == code and message in err
    assert row_counts(database) == before


def test_export_to_stdout_and_to_files(
    database: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "in.csv"
    source.write_bytes(csv_file(month_rows()))
    assert (
        jibao(capsys, "roster", "import", str(source), "--unit", "qdh", "--month", "2026-11")[0]
        == 0
    )
    code, out, _ = jibao(capsys, "roster", "export", "--unit", "qdh", "--month", "2026-11")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "日期,值班员,值班员电话,副值班员,副值班员电话,带班领导,带班领导电话"
    assert lines[1] == "2026-11-01,张值班,13900000101,林副值,13900000103,刘带班,13900000104"
    assert len(lines) == 31
    target = tmp_path / "out.xlsx"
    assert (
        jibao(
            capsys,
            "roster",
            "export",
            "--unit",
            "qdh",
            "--month",
            "2026-11",
            "--output",
            str(target),
        )[0]
        == 0
    )
    rows = read_xlsx(target.read_bytes())
    assert rows[2][1:3] == list(OFFICERS[1])
    copy = tmp_path / "out.csv"
    jibao(capsys, "roster", "export", "--unit", "qdh", "--month", "2026-11", "--output", str(copy))
    assert copy.read_bytes() == source.read_bytes()


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        (("--unit", "qdh", "--month", "2026-11", "--format", "xlsx"), 2, "XLSX needs --output"),
        (("--unit", "qdh", "--month", "Nov"), 2, "not a month"),
        (("--unit", "nowhere", "--month", "2026-11"), 1, "no unit"),
    ],
)
def test_export_refuses_bad_arguments(
    database: str,
    capsys: pytest.CaptureFixture[str],
    argv: tuple[str, ...],
    code: int,
    message: str,
) -> None:
    got, out, err = jibao(capsys, "roster", "export", *argv)
    assert (got, out) == (code, "") and message in err
