"""`jibao notices list|draft|approve`: the candidates and notices listed, a notice drafted and
approved in the name of a section head's account (numbered, emailed); anyone else's account, a
bad source or a second approval is refused in one line, exit 1, and writes nothing."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from tests.builders import CST, at, row_counts
from tests.dashboard.accounts import add_user
from tests.notices.builders import LATE_TITLE, candidate, late_and_missed, listed
from tests.ops.cli import one_line, run, write_config


def test_list_draft_and_approve_from_the_command_line(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    c, late_incident, _ = late_and_missed(database_url)
    source = candidate(c, "late")["source"]
    add_user(database_url, "head", "section_head", "county", at(0))
    add_user(database_url, "duty", "duty_room", "county", at(0))
    config = write_config(tmp_path, database_url)
    code, out, _ = run(capsys, "notices", "list", "--config", config)
    assert code == 0
    assert out.splitlines()[0] == "没有通报"
    assert out.splitlines()[2].split() == [
        source,
        "事件",
        str(late_incident),
        "qdh",
        "late",
        "应报",
        "2026-11-21",
        "10:00",
    ]

    before = row_counts(database_url)
    for argv, said in (
        (["draft", source, "--user", "duty"], "只有 section_head 或 admin"),
        (["draft", source, "--user", "nobody"], "没有该账户：nobody"),
        (["draft", "finding:x", "--user", "head"], "未处理：source: 应为 obligation:<编号>"),
        (["draft", "finding:99999", "--user", "head"], "未处理：没有该通报事项"),
        (["draft", source, "--user", "head", "--requirements", " "], "requirements: 必填"),
        (["approve", "99999", "--user", "head"], "未处理：没有该通报"),
    ):
        code, _, err = run(capsys, "notices", *argv, "--config", config)
        assert code == 1 and said in one_line(err), (argv, err)
    assert row_counts(database_url) == before

    code, out, err = run(capsys, "notices", "draft", source, "--user", "head", "--config", config)
    assert (code, err) == (0, ""), err
    [notice] = listed(c)["notices"]
    assert out.strip() == f"已起草通报 #{notice['id']}：关于千岛湖镇迟报“{LATE_TITLE}”的通报"
    assert notice["drafted_by"] == "head"
    argv = ["notices", "approve", str(notice["id"]), "--user", "head", "--config", config]
    code, out, err = run(capsys, *argv)
    assert (code, err) == (0, ""), err
    year = datetime.now(CST).year  # the command approves on the system clock
    emails = len(listed(c)["notices"][0]["emails"])  # who is on the roster at the system's now
    assert out.strip().endswith(f"（〔{year}〕第1号）；邮件 {emails} 封")
    code, _, err = run(capsys, *argv)
    assert code == 1 and one_line(err) == "未处理：该通报已审批发布，不能再审批、修改或撤销"
    code, out, _ = run(capsys, "notices", "list", "--config", config)
    assert out.split()[:7] == [
        f"#{notice['id']}",
        f"〔{year}〕第1号",
        "事件",
        str(late_incident),
        "qdh",
        "late",
        "approved",
    ]
