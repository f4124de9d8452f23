"""Migration 0009 down and up on a database whose incident has every kind of finding, one of
them decided with an evidence file: down drops findings, decisions and files and keeps the rest;
up again makes the same candidates as re-assessing the incident made (decisions are gone)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import command

from alerts.storage.database import alembic_config, make_engine, migrate
from tests.builders import at, close_clients, county, initial, row_counts, seed_roster
from tests.records.builders import REGISTER

COLUMNS = "incident_id, unit_id, kind, key, obligation_id, filing_id, params"


def _findings(url: str) -> list[tuple[Any, ...]]:
    engine = make_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text(f"SELECT {COLUMNS}, state FROM findings ORDER BY key")
        ).all()
    engine.dispose()
    return [tuple(row) for row in rows]


def test_0009_down_drops_findings_and_up_raises_the_same_candidates(empty_url: str) -> None:
    migrate(empty_url)
    c = county(empty_url, start=at(15))
    seed_roster(empty_url, start=at(0))
    incident_id = c.post(REGISTER, token=c.office_token).json()["incident_id"]
    c.clock.set(at(9, day=23))  # after the cut-off: K1 stays missed though reported now
    late = initial(
        incident_id=incident_id,
        occurred_at=at(11, 30).isoformat(),
        learned_at=at(11, 40).isoformat(),
        casualties={"dead": 10, "missing": 0, "seriously_injured": 0, "injured": 0, "trapped": 0},
        already_reported_to=[{"to": "市应急管理局", "at": at(12).isoformat(), "level": "city"}],
    )
    assert c.post(late).status_code == 201
    made = _findings(empty_url)
    assert [row[2] for row in made] == [
        "chain_breach",
        "concealment_suspected",
        "missed",
        "under_graded",
    ]
    office = {"Authorization": f"Bearer {c.office_token}"}
    listed = c.client.get(f"/api/v1/incidents/{incident_id}/findings", headers=office).json()
    answer = c.client.post(
        f"/api/v1/findings/{listed['findings'][0]['id']}/decision",
        data={"decision": "confirm", "reason": "核实"},
        files=[("file", ("记录.txt", "接警记录".encode(), "text/plain"))],
        headers=office,
    )
    assert answer.status_code == 201, answer.text
    close_clients()
    kept = {k: v for k, v in row_counts(empty_url).items() if not k.startswith("finding")}

    command.downgrade(alembic_config(empty_url), "0008")
    engine = make_engine(empty_url)
    inspector = sa.inspect(engine)
    assert not any(inspector.has_table(t) for t in ("findings", "finding_decisions"))
    engine.dispose()

    migrate(empty_url)
    assert {k: v for k, v in row_counts(empty_url).items() if not k.startswith("finding")} == kept
    again = _findings(empty_url)
    assert [row[:-1] for row in again] == [row[:-1] for row in made]
    assert {row[-1] for row in again} == {"candidate"}
    assert row_counts(empty_url)["finding_decisions"] == 0
