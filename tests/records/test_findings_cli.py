"""`jibao findings list|confirm|dismiss|reopen`: the same decisions from the command line, taken
in the name of a section head's (or an admin's) account; anyone else's, an unknown finding or a
bad file is refused in one line and writes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.builders import at, row_counts
from tests.dashboard.accounts import add_user
from tests.ops.cli import one_line, run, write_config
from tests.records.builders import findings, registered_never_filed


def test_list_confirm_and_dismiss_from_the_command_line(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    c, incident_id = registered_never_filed(database_url)
    [finding] = findings(c, incident_id)
    add_user(database_url, "head", "section_head", "county", at(0))
    add_user(database_url, "qdh", "unit_officer", "qdh", at(0))
    config = write_config(tmp_path, database_url)
    code, out, _ = run(capsys, "findings", "list", "--config", config)
    assert code == 0
    assert out.split()[:7] == [
        f"#{finding['id']}",
        "事件",
        str(incident_id),
        "qdh",
        "missed",
        "candidate",
        "2026-11-23",
    ]

    evidence = tmp_path / "接警记录.txt"
    evidence.write_text("11:35 县公安局已通知该镇", encoding="utf-8")
    base = ["--config", config, "--reason", "核实属实"]
    before = row_counts(database_url)
    for user, said in (("qdh", "只有 section_head 或 admin"), ("nobody", "没有该账户")):
        code, _, err = run(capsys, "findings", "confirm", str(finding["id"]), "--user", user, *base)
        assert code == 1 and said in one_line(err)
    code, _, err = run(capsys, "findings", "confirm", "999", "--user", "head", *base)
    assert code == 1 and one_line(err) == "未处理：没有该认定事项"
    bad = tmp_path / "照片.pdf"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n")
    code, _, err = run(
        capsys,
        "findings",
        "confirm",
        str(finding["id"]),
        "--user",
        "head",
        "--file",
        str(bad),
        *base,
    )
    assert code == 1 and "照片.pdf" in one_line(err)
    code, _, err = run(
        capsys,
        "findings",
        "confirm",
        str(finding["id"]),
        "--user",
        "head",
        "--file",
        str(tmp_path / "missing.pdf"),
        *base,
    )
    assert code == 1 and "missing.pdf" in one_line(err)
    assert row_counts(database_url) == before

    code, out, _ = run(
        capsys,
        "findings",
        "confirm",
        str(finding["id"]),
        "--user",
        "head",
        "--file",
        str(evidence),
        *base,
    )
    assert code == 0 and out.strip() == f"认定事项 #{finding['id']} 现为：confirmed"
    [decided] = findings(c, incident_id)
    assert decided["state"] == "confirmed" and decided["decisions"][0]["by"] == "head"
    assert decided["decisions"][0]["files"][0]["filename"] == "接警记录.txt"
    code, _, err = run(
        capsys,
        "findings",
        "reopen",
        str(finding["id"]),
        "--user",
        "head",
        "--config",
        config,
        "--reason",
        " ",
    )
    assert code == 1 and one_line(err) == "未处理：reason: 必填"
    code, out, _ = run(capsys, "findings", "list", "--state", "confirmed", "--config", config)
    assert "head：confirm → confirmed  理由：核实属实" in out
    code, out, _ = run(capsys, "findings", "list", "--state", "dismissed", "--config", config)
    assert out.strip() == "没有符合条件的认定事项"
