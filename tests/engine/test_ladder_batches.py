"""Deciding a batch of ladder steps at once: as many statements for 50 obligations as for 5, and
the same rows as deciding each obligation alone, in a batch mixing an acknowledged obligation, a
vacant role (its share to the fallback) and an instruction's relay notice."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

import alerts.escalation.engine
from alerts.escalation.ladder import Escalator, claim_due_obligations, escalate_all
from alerts.services import Services
from alerts.storage import models as m
from tests.builders import County, at, close_clients, county, initial, seed_roster
from tests.engine.harness import empty
from tests.instruction_builders import move, record_instruction

VACANT = ("county", "section_head")  # named by the office's `due` rung: its share falls back
DECIDED_AT = at(12)  # K4's remind (11:30) and due (12:00) rungs are due, the relay notice too


def _mixed_county(database_url: str, incidents: int) -> County:
    """`incidents` initial reports from the two townships in turn, one K4 acknowledged (its
    due rung paused past 12:00), one instruction relayed to qdh at 11:50; nothing ticked yet."""
    c = county(database_url, start=at(9, 10))
    seed_roster(database_url, start=at(0), skip=(VACANT,))
    ids = [
        c.post(initial(external_ref=f"B-{n}"), c.tokens["qdh" if n % 2 else "wsh"]).json()[
            "incident_id"
        ]
        for n in range(incidents)
    ]
    c.clock.set(at(10))
    instruction = record_instruction(c)
    c.clock.set(at(11, 40))
    upward = next(o["id"] for o in c.incident(ids[0])["obligations"] if o["key"] == "upward")
    acked = c.client.post(
        f"/api/v1/obligations/{upward}/acknowledge",
        headers={"Authorization": f"Bearer {c.office_token}"},
    )
    assert acked.status_code == 201, acked.text
    c.clock.set(at(11, 50))
    move(c, instruction, "qdh", "relay")
    c.clock.set(DECIDED_AT)
    return c


def _services(c: County) -> Services:
    services: Services = c.client.app.state.services  # type: ignore[attr-defined]
    return services


@contextmanager
def _counted(session: Session) -> Iterator[list[str]]:
    """The statements the session's engine runs meanwhile."""
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _statements_to_decide(database_url: str, incidents: int) -> tuple[int, list[str]]:
    c = _mixed_county(database_url, incidents)
    services = _services(c)
    with services.session() as session:
        due = claim_due_obligations(session, now=DECIDED_AT, limit=10_000)
        with _counted(session) as statements:
            fired = escalate_all(session, services.escalator, due, DECIDED_AT)
            session.flush()
        session.rollback()
    return fired, statements


def test_deciding_fifty_obligations_takes_as_many_statements_as_five(database_url: str) -> None:
    few, few_statements = _statements_to_decide(database_url, incidents=5)
    close_clients()
    empty(database_url)
    many, many_statements = _statements_to_decide(database_url, incidents=50)
    assert many >= 10 * few - 10, "fifty incidents' steps were all decided"
    assert len(many_statements) == len(few_statements), (few_statements, many_statements)
    assert len(few_statements) <= 17  # one read per kind of fact, one insert per table


def test_a_mixed_batch_decides_exactly_what_one_obligation_at_a_time_decides(
    database_url: str,
) -> None:
    c = _mixed_county(database_url, incidents=6)
    services = _services(c)
    batched = _decided(
        services, lambda session, due, e: [escalate_all(session, e, due, DECIDED_AT)]
    )
    alone = _decided(
        services, lambda session, due, e: [escalate_all(session, e, [o], DECIDED_AT) for o in due]
    )
    assert batched == alone
    rows = batched["rows"]
    kinds = {n["channel"] for n in rows["notifications"]}
    assert {"sms", "voice"} <= kinds
    assert rows["vacancies"], "the vacant section head was recorded"
    fallback = [e for e in rows["events"] if e["kind"] == "escalation_fired" and e["data"]["gaps"]]
    assert fallback and all(
        any(t.get("role") == "office.duty_officer" for t in e["data"]["told"]) for e in fallback
    ), "the vacant section head's share went to the office's duty officer"
    assert any(e["step_key"] == "relay" for e in rows["escalations"]), "the relay notice fired"
    steps = {(e["obligation_id"], e["step_key"]) for e in rows["escalations"]}
    acked = batched["acked"]
    assert (acked, "remind") in steps and (acked, "due") not in steps, "the ack paused its rung"


def _decided(services: Services, decide: Any) -> dict[str, Any]:
    """What deciding everything due at 12:00 writes, rolled back afterwards; ids replaced by
    what they name, and the signed links' tokens (timestamped) by a placeholder."""
    with services.session() as session:
        marks = {
            model: session.scalar(select(func.coalesce(func.max(model.id), 0)))
            for model in (m.Escalation, m.Notification, m.RoleVacancy, m.Event)
        }
        due = claim_due_obligations(session, now=DECIDED_AT, limit=10_000)
        escalator: Escalator = services.escalator
        fired = sum(decide(session, due, escalator))
        session.flush()
        escalations = _rows(session, m.Escalation, marks)
        steps = {e["id"]: (e["obligation_id"], e["step_key"]) for e in escalations}
        found = {
            "fired": fired,
            "next": sorted((o.id, o.next_escalation_at) for o in due),
            "acked": session.scalar(select(m.Acknowledgement.obligation_id)),
            "rows": {
                "escalations": [_bare(e) for e in escalations],
                "notifications": [
                    {**_bare(n), "escalation": steps[n["escalation_id"]]}
                    for n in _rows(session, m.Notification, marks)
                ],
                "vacancies": [_bare(v) for v in _rows(session, m.RoleVacancy, marks)],
                "events": [_bare(e) for e in _rows(session, m.Event, marks)],
            },
        }
        session.rollback()
    return found


def _rows(session: Session, model: Any, marks: dict[Any, int]) -> list[dict[str, Any]]:
    table = model.__table__
    query = select(table).where(table.c.id > marks[model]).order_by(table.c.id)
    return [dict(row._mapping) for row in session.execute(query)]


def _bare(row: dict[str, Any]) -> dict[str, Any]:
    """A row without its own and its escalation's ids, link tokens blanked."""
    return {k: _untokened(v) for k, v in row.items() if k not in ("id", "escalation_id")}


def _untokened(value: Any) -> Any:
    if isinstance(value, str):
        return re.sub(r"/ack/[\w.\-]+", "/ack/TOKEN", value)
    if isinstance(value, dict):
        return {k: _untokened(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_untokened(v) for v in value]
    return value


def test_a_burst_is_decided_small_first_and_its_first_messages_go_before_the_rest_is_decided(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(alerts.escalation.engine, "BATCH", 8)
    monkeypatch.setattr(alerts.escalation.engine, "FIRST_BATCH", 2)
    c = county(database_url, start=at(9, 10))
    seed_roster(database_url, start=at(0))
    ids = [  # 12 K4 obligations due at 12:00: more than a batch
        c.post(initial(external_ref=f"S-{n}"), c.tokens["qdh"]).json()["incident_id"]
        for n in range(12)
    ]
    claims: list[tuple[Any, int]] = []  # (the claim's limit, messages sent before it)

    def seen(_c: Any, _k: Any, statement: str, parameters: Any, *_: Any) -> None:
        claim = statement.startswith("SELECT obligations.id, obligations.incident_id")
        if claim and "obligations.next_escalation_at <=" in statement:
            values = parameters.values() if isinstance(parameters, dict) else parameters
            claims.append((max(v for v in values if isinstance(v, int)), len(c.sent())))

    engine = _services(c).sessions.kw["bind"]
    event.listen(engine, "before_cursor_execute", seen)
    c.at_tick(at(12))
    event.remove(engine, "before_cursor_execute", seen)
    assert [limit for limit, _ in claims] == [2, 4, 8]
    assert claims[0][1] == 0 and claims[1][1] > 0, "the first batch's messages went first"
    for incident_id in ids:
        assert {e["step"] for e in c.incident(incident_id)["escalations"]} == {"remind", "due"}
