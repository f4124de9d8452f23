"""Migration 0008 down on a database holding instructions whose clocks escalated: the clocks
and what hangs off them go, the report clocks stay, and up again works."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command

from alerts.storage.database import alembic_config, make_engine, migrate
from tests.builders import at, close_clients, county, initial, seed_roster


def _count(url: str, sql: str) -> int:
    engine = make_engine(url)
    with engine.connect() as connection:
        found = int(connection.execute(sa.text(sql)).scalar_one())
    engine.dispose()
    return found


def test_0008_down_drops_instruction_clocks_and_keeps_report_clocks(empty_url: str) -> None:
    migrate(empty_url)
    c = county(empty_url, start=at(10, 0))
    seed_roster(empty_url, start=at(0))
    incident_id = c.post(initial()).json()["incident_id"]
    body = {
        "issuer": {"name": "王县长", "post": "县长", "level": "county"},
        "received_at": at(10, 0).isoformat(),
        "text": "请核实。",
        "type": "act",
        "units": ["qdh"],
        "incident_id": incident_id,
    }
    headers = {"Authorization": f"Bearer {c.office_token}"}
    assert c.client.post("/api/v1/instructions", json=body, headers=headers).status_code == 201
    c.at_tick(at(11, 0))  # the relay clock is overdue: its ladder fires
    close_clients()
    reports = _count(empty_url, "SELECT count(*) FROM obligations WHERE instruction_id IS NULL")
    assert _count(
        empty_url,
        "SELECT count(*) FROM escalations e JOIN obligations o ON o.id = e.obligation_id"
        " WHERE o.instruction_id IS NOT NULL",
    )

    command.downgrade(alembic_config(empty_url), "0007")

    assert _count(empty_url, "SELECT count(*) FROM obligations") == reports
    engine = make_engine(empty_url)
    assert sa.inspect(engine).has_table("instructions") is False
    engine.dispose()
    migrate(empty_url)
    assert _count(empty_url, "SELECT count(*) FROM instructions") == 0
