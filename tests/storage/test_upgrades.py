"""Upgrading from the first schema: a database at revision 0001 with rows in every table it has,
written through the tables as they were, migrated to the head, keeps every row and every value
(the one value a migration rewrites, the incident's flags, rewritten as that migration says), and
the code of today reads each row back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from alerts.storage import models as m
from alerts.storage.database import make_engine, migrate
from alerts.storage.revisions import head_revision, schema_state

AT = datetime(2026, 3, 1, 0, 30, tzinfo=UTC)
LATER = AT + timedelta(hours=2)
OLD_FLAG = {"code": "concealment_suspected", "at": AT.isoformat(), "detail": "knew 240 min before"}
NEW_FLAG = {"code": "concealment_suspected", "at": AT.isoformat(), "params": {"minutes": 240}}

# every table of revision 0001, in an order that satisfies its foreign keys
ROWS: dict[str, list[dict[str, Any]]] = {
    "units": [
        {"id": 1, "code": "county", "name": "县政府总值班室", "parent_id": None, "is_office": True,
         "signing_secret": None, "require_signature": False, "created_at": AT},
        {"id": 2, "code": "qdh", "name": "千岛湖镇", "parent_id": 1, "is_office": False,
         "signing_secret": "s3cret-signing", "require_signature": True, "created_at": AT},
    ],
    "unit_tokens": [
        {"id": 1, "unit_id": 2, "token_hash": "a" * 64, "label": "cli", "created_at": AT,
         "revoked_at": None},
        {"id": 2, "unit_id": 2, "token_hash": "b" * 64, "label": "old", "created_at": AT,
         "revoked_at": LATER},
    ],
    "people": [
        {"id": 1, "unit_id": 2, "name": "张三", "post": "值班员", "phone": "13800000000",
         "email": None, "created_at": AT},
        {"id": 2, "unit_id": 1, "name": "李四", "post": "带班领导", "phone": "0571-88881234-123",
         "email": "lisi@example.gov.cn", "created_at": AT},
    ],
    "incidents": [
        {"id": 1, "unit_id": 2, "office_id": 1, "external_ref": "QH-2026-0301",
         "title": "工地脚手架坍塌", "category": "accident", "severity": "III",
         "clock_severity": "III", "sensitive": False, "classified": False, "state": "open",
         "occurred_at": AT, "created_at": AT, "updated_at": LATER, "next_due_at": LATER,
         "next_change_at": None, "flags": [OLD_FLAG]},
    ],
    "filings": [
        {"id": 1, "incident_id": 1, "unit_id": 2, "filed_by_unit_id": 2, "kind": "initial",
         "party": "unit", "number": None, "received_at": AT, "complete": True,
         "payload": {"title": "工地脚手架坍塌", "casualties": {"injured": 3}}},
        {"id": 2, "incident_id": 1, "unit_id": 2, "filed_by_unit_id": 1, "kind": "followup",
         "party": "unit", "number": 1, "received_at": LATER, "complete": False,
         "payload": {"description": "现场处置中"}},
    ],
    "obligations": [
        {"id": 1, "incident_id": 1, "key": "K1", "kind": "initial", "party": "unit",
         "owed_by_unit_id": 2, "number": None, "anchor_at": AT, "due_at": LATER,
         "status": "met", "met_at": AT, "met_by_filing_id": 1, "late_minutes": 0,
         "after_chasing": False, "grace_after_raise": False, "reason": None, "updated_at": AT},
        {"id": 2, "incident_id": 1, "key": "K5#2", "kind": "followup", "party": "unit",
         "owed_by_unit_id": 2, "number": 2, "anchor_at": LATER, "due_at": LATER,
         "status": "pending", "met_at": None, "met_by_filing_id": None, "late_minutes": None,
         "after_chasing": True, "grace_after_raise": True, "reason": "raised", "updated_at": LATER},
    ],
    "waivers": [
        {"id": 1, "incident_id": 1, "obligation_key": "K4", "at": LATER, "reason": "县里已直报",
         "by": "李四"},
    ],
    "events": [
        {"id": 1, "incident_id": 1, "at": AT, "kind": "filing", "data": {"filing_id": 1}},
        {"id": 2, "incident_id": 1, "at": AT, "kind": "obligation_met", "data": {"key": "K1"}},
        {"id": 3, "incident_id": 1, "at": LATER, "kind": "filing", "data": {"filing_id": 2}},
    ],
    "idempotency_records": [
        {"id": 1, "unit_id": 2, "key": "QH-2026-0301-initial", "body_sha256": "c" * 64,
         "status_code": 201, "response": {"incident_id": 1}, "created_at": AT},
    ],
    "roster_shifts": [
        {"id": 1, "unit_id": 2, "role": "duty_officer", "person_id": 1, "starts_at": AT,
         "ends_at": AT + timedelta(days=1)},
        {"id": 2, "unit_id": 1, "role": "leader_on_duty", "person_id": 2, "starts_at": AT,
         "ends_at": AT + timedelta(days=1)},
    ],
}  # fmt: skip
REWRITTEN = {("incidents", "flags"): [NEW_FLAG]}  # by 0007


def test_a_populated_first_schema_upgrades_to_head_with_every_row(empty_url: str) -> None:
    migrate(empty_url, "0001")
    engine = make_engine(empty_url)
    first = sa.MetaData()
    first.reflect(engine)
    assert set(first.tables) - {"alembic_version"} == set(ROWS), "a table of 0001 has no rows"
    with engine.begin() as connection:
        for name, rows in ROWS.items():
            connection.execute(first.tables[name].insert(), rows)

    migrate(empty_url)
    engine.dispose()

    assert schema_state(engine).current == head_revision()
    with engine.connect() as connection:
        for name, rows in ROWS.items():
            table = m.Base.metadata.tables[name]  # today's columns and types (UTC times)
            stored = {r.id: r._mapping for r in connection.execute(sa.select(table))}
            assert sorted(stored) == [row["id"] for row in rows], name
            for row in rows:
                for column, value in row.items():
                    expected = REWRITTEN.get((name, column), value)
                    assert stored[row["id"]][column] == expected, (name, row["id"], column)
    _read_back_through_the_models(engine)
    engine.dispose()


def _read_back_through_the_models(engine: sa.Engine) -> None:
    """The code of today loads every upgraded row, and sees what the later migrations added."""
    models = {table.name: mapper.class_ for mapper in m.Base.registry.mappers
              for table in mapper.tables}  # fmt: skip
    with Session(engine) as session:
        for name, rows in ROWS.items():
            loaded = session.scalars(sa.select(models[name])).all()
            assert len(loaded) == len(rows), name
        people = {p.id: p for p in session.scalars(sa.select(m.Person))}
        assert (people[1].phone_e164, people[2].phone_extension) == ("+8613800000000", "123")
        shift = session.get(m.RosterShift, 1)
        assert shift is not None and shift.source == "override"
        assert session.get(m.Incident, 1).flags == [NEW_FLAG]  # type: ignore[union-attr]
