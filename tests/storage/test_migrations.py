"""Migration 0007 up and down on a database holding rows written before it: phones get their
E.164 form and extension, flags their parameters; down again restores what was there."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import command

from alerts.storage.database import alembic_config, make_engine, migrate

AT = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)
OLD_FLAGS = [
    {
        "code": "under_graded",
        "at": AT.isoformat(),
        "filing_id": 1,
        "detail": "figures imply II, reported III",
    },
    {
        "code": "chain_breach",
        "at": AT.isoformat(),
        "filing_id": 1,
        "detail": "reported above the office first",
    },
    {
        "code": "concealment_suspected",
        "at": AT.isoformat(),
        "filing_id": 2,
        "detail": "knew 240 min before reporting",
    },
    {
        "code": "after_chasing",
        "at": AT.isoformat(),
        "filing_id": 2,
        "detail": "reported after chasing",
    },
]
NEW_PARAMS = [{"implied": "II", "stated": "III"}, {}, {"minutes": 240}, {}]
FLAGS = sa.table("incidents", sa.column("flags", sa.JSON())).c.flags
PHONES = {  # as typed: (E.164, extension) after the upgrade
    "13800000000": ("+8613800000000", None),
    "+86 139 0000 0001": ("+8613900000001", None),
    "0571-8888 1234": ("+8657188881234", None),
    "0571-88881234-123": ("+8657188881234", "123"),
    "0571-88881234转8021": ("+8657188881234", "8021"),
    "12800000000": (None, None),  # no such mobile prefix: kept as typed, never dialled
}


def test_0007_fills_phones_and_flag_params_and_goes_back(empty_url: str) -> None:
    migrate(empty_url, "0006")
    engine = make_engine(empty_url)
    _seed_before_0007(engine)

    migrate(empty_url, "0007")
    with engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT phone, phone_e164, phone_extension FROM people"))
        people = {phone: (e164, extension) for phone, e164, extension in rows}
        flags = connection.execute(sa.select(FLAGS)).scalar_one()
    assert people == {**PHONES, None: (None, None)}
    assert "ix_people_phone_e164" in {i["name"] for i in sa.inspect(engine).get_indexes("people")}
    assert flags == [
        {**{k: v for k, v in old.items() if k != "detail"}, "params": params}
        for old, params in zip(OLD_FLAGS, NEW_PARAMS, strict=True)
    ]

    command.downgrade(alembic_config(empty_url), "0006")
    engine.dispose()  # the columns it knew are gone
    columns = {c["name"] for c in sa.inspect(engine).get_columns("people")}
    assert {"phone_e164", "phone_extension"}.isdisjoint(columns) and "phone" in columns
    with engine.connect() as connection:
        flags = connection.execute(sa.select(FLAGS)).scalar_one()
    assert flags == OLD_FLAGS

    migrate(empty_url)  # and up again to the head
    assert "phone_e164" in {c["name"] for c in sa.inspect(engine).get_columns("people")}
    engine.dispose()


def _seed_before_0007(engine: sa.Engine) -> None:
    """Rows as the code before 0007 wrote them, through the tables as they were."""
    tables = sa.MetaData()
    tables.reflect(engine)
    units, people, incidents = (tables.tables[n] for n in ("units", "people", "incidents"))
    with engine.begin() as connection:
        office = connection.execute(
            units.insert().values(
                code="county",
                name="县值班室",
                is_office=True,
                require_signature=False,
                created_at=AT,
            )
        ).inserted_primary_key[0]
        for phone in PHONES:
            connection.execute(
                people.insert().values(
                    unit_id=office, name=phone, post="", phone=phone, created_at=AT
                )
            )
        connection.execute(
            people.insert().values(
                unit_id=office, name="无电话", post="", email="a@example.gov.cn", created_at=AT
            )
        )
        connection.execute(
            incidents.insert().values(
                unit_id=office,
                office_id=office,
                title="t",
                category="accident",
                clock_severity="III",
                sensitive=False,
                classified=False,
                state="open",
                occurred_at=AT,
                created_at=AT,
                updated_at=AT,
                flags=OLD_FLAGS,
            )
        )
