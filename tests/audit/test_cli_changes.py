"""The `jibao` command's changes are audited as `cli:<OS user>`: a unit with its token, a user
(its password only as "changed"), a roster import; a refused command records nothing; and
`jibao audit list` reads the audit back, filtered, refusing bad filters with exit 2."""

from __future__ import annotations

import getpass
import io
from datetime import datetime
from pathlib import Path

import pytest

from alerts.audit import CHANGED
from alerts.storage import models as m
from alerts.storage.database import make_engine, make_session_factory
from tests.audit.changes import after, audit_rows, audit_text
from tests.builders import CST
from tests.ops.cli import run, write_config
from tests.roster.files import add_people, csv_file, month_rows

PASSWORD = "a long cli password 7"


@pytest.fixture
def config(database_url: str, tmp_path: Path) -> str:
    """A config file on the test database, whose tables are empty."""
    return write_config(tmp_path, database_url)


def test_unit_user_and_roster_commands_are_audited_as_the_os_user(
    database_url: str,
    config: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    who = f"cli:{getpass.getuser()}"
    code, out, _ = run(
        capsys, "unit", "add", "--code", "county", "--name", "县", "--office", "--config", config
    )
    assert code == 0
    token = out.strip().splitlines()[-1]
    assert (
        run(
            capsys,
            "unit",
            "add",
            "--code",
            "qdh",
            "--name",
            "千岛湖镇",
            "--parent",
            "county",
            "--config",
            config,
        )[0]
        == 0
    )
    assert (
        run(capsys, "unit", "add", "--code", "wsh", "--name", "文昌镇", "--config", config)[0] == 0
    )
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert (
        run(
            capsys,
            "user",
            "add",
            "--username",
            "root",
            "--name",
            "管理员",
            "--role",
            "admin",
            "--config",
            config,
        )[0]
        == 0
    )
    add_people(database_url)
    path = tmp_path / "qdh.csv"
    path.write_bytes(csv_file(month_rows(days=2)))
    assert (
        run(
            capsys,
            "roster",
            "import",
            str(path),
            "--unit",
            "qdh",
            "--month",
            "2026-11",
            "--config",
            config,
        )[0]
        == 0
    )

    rows = audit_rows(database_url)
    assert [(r.entity, r.action, r.ref) for r in rows] == [
        ("unit", "create", "county"),
        ("token", "create", "county cli"),
        ("unit", "create", "qdh"),
        ("token", "create", "qdh cli"),
        ("unit", "create", "wsh"),
        ("token", "create", "wsh cli"),
        ("user", "create", "root"),
        ("roster_import", "import", "qdh 2026-11"),
    ]
    assert {r.actor for r in rows} == {who}
    assert after(rows[0], "is_office") is True and rows[1].changes["token_hash"] == CHANGED
    assert rows[6].changes["password_hash"] == CHANGED and after(rows[6], "role") == "admin"
    assert rows[7].changes["shifts"] == {"before": 0, "after": 6}
    assert all(r.at.tzinfo is not None for r in rows)
    text = audit_text(database_url)
    assert token not in text and PASSWORD not in text and "$argon2" not in text


def test_refused_commands_record_nothing(
    database_url: str,
    config: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert (
        run(
            capsys,
            "unit",
            "add",
            "--code",
            "county",
            "--name",
            "县",
            "--office",
            "--config",
            config,
        )[0]
        == 0
    )
    before = len(audit_rows(database_url))
    assert (
        run(capsys, "unit", "add", "--code", "county", "--name", "again", "--config", config)[0]
        == 1
    )
    assert (
        run(
            capsys,
            "unit",
            "add",
            "--code",
            "x",
            "--name",
            "X",
            "--parent",
            "nope",
            "--config",
            config,
        )[0]
        == 1
    )
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert (
        run(
            capsys,
            "user",
            "add",
            "--username",
            "u",
            "--name",
            "U",
            "--role",
            "admin",
            "--config",
            config,
        )[0]
        == 1
    )
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    code, _, err = run(
        capsys,
        "user",
        "add",
        "--username",
        "u",
        "--name",
        "U",
        "--role",
        "admin",
        "--person-id",
        "999",
        "--config",
        config,
    )
    assert code == 1 and "no person with id 999" in err
    path = tmp_path / "bad.csv"
    rows = month_rows(days=2)
    rows[0][2] = "12345"
    path.write_bytes(csv_file(rows))
    assert (
        run(
            capsys,
            "roster",
            "import",
            str(path),
            "--unit",
            "county",
            "--month",
            "2026-11",
            "--config",
            config,
        )[0]
        == 1
    )
    assert len(audit_rows(database_url)) == before


def _seed(database_url: str) -> None:
    engine = make_engine(database_url)
    with make_session_factory(engine)() as session:
        for n, (day, entity) in enumerate(
            ((20, "unit"), (21, "user"), (22, "user"), (23, "token"))
        ):
            session.add(
                m.ConfigChange(
                    at=datetime(2026, 11, day, 0, 30, tzinfo=CST),
                    actor="dashboard:admin",
                    entity=entity,
                    entity_id=n + 1,
                    ref=f"{entity}{n}",
                    action="create",
                    changes={"name": {"before": None, "after": f"名{n}"}},
                )
            )
        session.commit()
    engine.dispose()


def test_audit_list_filters_by_type_and_local_days(
    database_url: str, config: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _seed(database_url)
    code, out, err = run(capsys, "audit", "list", "--config", config)
    lines = out.strip().splitlines()
    assert code == 0 and err == "" and len(lines) == 4
    assert lines[0].split("\t") == [
        "2026-11-23T00:30:00+08:00",
        "dashboard:admin",
        "token",
        "token3 #4",
        "create",
        '{"name": {"after": "名3", "before": null}}',
    ]
    code, out, _ = run(
        capsys, "audit", "list", "--entity", "user", "--since", "2026-11-22", "--config", config
    )
    assert code == 0 and [line.split("\t")[3] for line in out.strip().splitlines()] == ["user2 #3"]
    code, out, _ = run(capsys, "audit", "list", "--until", "2026-11-20", "--config", config)
    assert [line.split("\t")[3] for line in out.strip().splitlines()] == ["unit0 #1"]
    code, out, err = run(capsys, "audit", "list", "--limit", "2", "--config", config)
    assert len(out.strip().splitlines()) == 2 and "共 4 条" in err
    code, out, _ = run(capsys, "audit", "list", "--entity", "swap", "--config", config)
    assert code == 0 and out.strip() == "没有符合条件的变更记录。"


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (("--entity", "planet"), "invalid choice: 'planet'"),
        (("--since", "yesterday"), "'yesterday' is not a date like 2026-11-01"),
        (("--until", "2026-02-30"), "'2026-02-30' is not a date"),
        (("--since", "0001-01-01"), "'0001-01-01' is not a date"),
        (("--limit", "0"), "not a whole number from 1 to 10000"),
        (("--limit", "abc"), "not a whole number"),
        (("--since", "2026-11-23", "--until", "2026-11-21"), "--until is before --since"),
    ],
)
def test_audit_list_refuses_bad_filters(
    database_url: str,
    config: str,
    capsys: pytest.CaptureFixture[str],
    argv: tuple[str, ...],
    words: str,
) -> None:
    code, out, err = run(capsys, "audit", "list", *argv, "--config", config)
    assert code == 2 and words in err and "Traceback" not in err and out == ""
