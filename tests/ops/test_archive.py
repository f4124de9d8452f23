"""`jibao archive export`: one JSON line per incident that occurred in the days asked, holding
its filings as received, obligations, waivers, timeline, ladder steps and messages, read back
equal to what the API shows; the records period gives a closed incident its keep-until day.
Bad input is one line and writes no file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.builders import County, at, county, followup, initial, obligation, seed_roster
from tests.ops.cli import one_line, run, write_config


@pytest.fixture
def filed(database_url: str) -> tuple[County, int, int]:
    """Incident A (21 Nov: escalated, a waiver, closed on the 23rd), incident B (25 Nov, open)."""
    c = county(database_url, start=at(9, 10))
    seed_roster(database_url, start=at(0))
    answer = c.post(initial()).json()
    first = answer["incident_id"]
    c.at_tick(at(11, 31))  # the county's upward report: 30 minutes before due, a reminder
    written = {"reason": "市里已由县应急局直报"}
    headers = {"Authorization": f"Bearer {c.office_token}"}
    upward = obligation(answer, "upward")["id"]
    waived = c.client.post(f"/api/v1/obligations/{upward}/waiver", json=written, headers=headers)
    assert waived.status_code == 201, waived.text
    c.clock.set(at(18, day=22))
    assert c.post(followup(first, handling_finished=True)).status_code == 201
    c.clock.set(at(12, day=23))
    final = c.post({"kind": "final", "incident_id": first, "description": "终报"}).json()
    assert final["incident"]["state"] == "closed"
    c.clock.set(at(10, day=25))
    later = initial(external_ref="QH-2026-0125", occurred_at=at(9, day=25).isoformat(),
                    learned_at=at(9, day=25).isoformat())  # fmt: skip
    second = c.post(later).json()["incident_id"]
    return c, first, second


def _export(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], c: County, *options: str
) -> list[dict[str, Any]]:
    target = tmp_path / f"archive{len(list(tmp_path.iterdir()))}.jsonl"
    config = write_config(tmp_path, c.settings.database_url)
    code, out, err = run(capsys, "archive", "export", str(target), *options, "--config", config)
    assert code == 0, err
    lines = target.read_text(encoding="utf-8").splitlines()
    assert out.startswith(f"已导出 {len(lines)} 起事件")
    return [json.loads(line) for line in lines]


def test_the_archive_reads_back_as_the_api_shows_each_incident(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], filed: tuple[County, int, int]
) -> None:
    c, first, second = filed
    records = _export(tmp_path, capsys, c)
    assert [r["incident"]["id"] for r in records] == [first, second]
    for record in records:
        shown = c.incident(record["incident"]["id"])
        assert record["format"] == "jibao-archive/1"
        assert record["incident"]["unit"] == "qdh" and record["incident"]["office"] == "county"
        assert record["incident"]["title"] == shown["title"]
        assert [f["id"] for f in record["filings"]] == [f["id"] for f in shown["filings"]]
        assert [(o["key"], o["status"]) for o in record["obligations"]] == [
            (o["key"], o["status"]) for o in shown["obligations"]
        ]
        assert [(e["kind"], e["at"]) for e in record["timeline"]] == [
            (e["kind"], e["at"]) for e in shown["timeline"]
        ]
        assert [n["id"] for n in record["notifications"]] == [
            n["id"] for n in shown["notifications"]
        ]
    a = records[0]
    assert a["filings"][0]["payload"]["title"] == initial()["title"]
    assert [f["kind"] for f in a["filings"]] == ["initial", "followup", "final"]
    assert [w["reason"] for w in a["waivers"]] == ["市里已由县应急局直报"]
    assert a["escalations"] and a["notifications"][0]["deliveries"]
    assert a["incident"]["occurred_at"] == at(8).isoformat()  # the office's zone, offset shown
    assert (a["keep_until"], records[1]["keep_until"]) == ("2031-11-23", None)


def test_since_and_until_pick_days_of_occurrence_both_included(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], filed: tuple[County, int, int]
) -> None:
    c, first, second = filed

    def ids(*options: str) -> list[int]:
        return [r["incident"]["id"] for r in _export(tmp_path, capsys, c, *options)]

    assert ids("--since", "2026-11-25") == [second]
    assert ids("--until", "2026-11-24") == [first]
    assert ids("--since", "2026-11-21", "--until", "2026-11-21") == [first]
    assert ids("--since", "2026-11-26") == []


@pytest.mark.parametrize(
    ("options", "code", "line"),
    [
        (["--since", "21/11/2026"], 2, "导出失败：--since 21/11/2026 不是日期：请写作 YYYY-MM-DD"),
        (["--since", "2026-11-25", "--until", "2026-11-21"], 2,
         "导出失败：--until 2026-11-21 早于 --since 2026-11-25"),
        (["--until", "2026-02-30"], 2, "导出失败：--until 2026-02-30 不是日期"),
    ],
)  # fmt: skip
def test_bad_days_are_one_line_and_write_nothing(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    database_url: str,
    options: list[str],
    code: int,
    line: str,
) -> None:
    target = tmp_path / "archive.jsonl"
    config = write_config(tmp_path, database_url)
    got, _, err = run(capsys, "archive", "export", str(target), *options, "--config", config)
    assert got == code and one_line(err).startswith(line)
    assert not target.exists()


def test_an_existing_file_is_never_overwritten(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], database_url: str
) -> None:
    target = tmp_path / "archive.jsonl"
    target.write_text("the office's earlier export\n")
    config = write_config(tmp_path, database_url)
    code, _, err = run(capsys, "archive", "export", str(target), "--config", config)
    assert code == 1 and one_line(err) == (
        f"导出失败：{target} 已存在：请另选文件名（导出从不覆盖已有文件）"
    )
    assert target.read_text() == "the office's earlier export\n"
