"""`jibao bulletins publish` and `export`: the records scenario's November bulletin published from
the command line and written as PDF and XLSX; refusals are one line, exit 1, nothing written."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from alerts.storage.database import migrate
from tests.builders import row_counts
from tests.ops.cli import one_line, run, write_config


def _seeded(tmp_path: Path) -> tuple[str, str]:
    """A migrated county whose only history is in November (so the month has ended)."""
    from tests.builders import at, seed_county

    url = f"sqlite:///{tmp_path}/county.db"
    migrate(url)
    seed_county(url, at(9))
    return url, write_config(tmp_path, url)


def test_publish_then_export_as_pdf_and_xlsx(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, config = _seeded(tmp_path)
    code, out, err = run(
        capsys,
        "bulletins",
        "publish",
        "--kind",
        "monthly",
        "--period",
        "2026-11",
        "--by",
        "信息科",
        "--config",
        config,
    )
    assert (code, err) == (0, ""), err
    assert out.strip() == "县政府总值班室2026年11月突发事件信息报送情况通报（2026年第1期（月报））"

    again = run(
        capsys,
        "bulletins",
        "publish",
        "--kind",
        "monthly",
        "--period",
        "2026-11",
        "--config",
        config,
    )
    assert again[0] == 1 and "该期间的通报已发布" in one_line(again[2])

    xlsx = tmp_path / "nov.xlsx"
    code, out, err = run(
        capsys,
        "bulletins",
        "export",
        "--kind",
        "monthly",
        "--period",
        "2026-11",
        str(xlsx),
        "--config",
        config,
    )
    assert code == 0 and xlsx.read_bytes().startswith(b"PK")
    if shutil.which("pdftotext") is None:
        pytest.skip("no pdftotext (Debian's poppler-utils)")
    pdf = tmp_path / "nov.pdf"
    code, out, err = run(
        capsys,
        "bulletins",
        "export",
        "--kind",
        "monthly",
        "--period",
        "2026-11",
        str(pdf),
        "--config",
        config,
    )
    assert code == 0, err
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, check=True
    ).stdout.decode()
    assert "2026年第1期（月报）" in text and "千岛湖镇" in text and "文昌镇" in text


def test_refusals_are_one_line_and_write_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url, config = _seeded(tmp_path)
    before = row_counts(url)
    for argv, words in (
        (("publish", "--kind", "monthly", "--period", "2099-01"), "该期间尚未结束"),
        (("publish", "--kind", "weekly", "--period", "2026-11"), "须为以下之一"),
        (("publish", "--kind", "quarterly", "--period", "2026-11"), "期间格式有误"),
        (
            ("export", "--kind", "monthly", "--period", "2026-11", str(tmp_path / "x.doc")),
            ".pdf 或 .xlsx",
        ),
        (
            ("export", "--kind", "monthly", "--period", "2026-11", str(tmp_path / "no" / "x.pdf")),
            "",
        ),
    ):
        code, _, err = run(capsys, "bulletins", *argv, "--config", config)
        assert code == 1, argv
        assert words in one_line(err), argv
    assert row_counts(url) == before
    assert not (tmp_path / "x.doc").exists()
