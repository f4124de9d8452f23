"""Plain builder functions for test data: settings, a county of units, filing bodies."""

from __future__ import annotations

import copy
import tomllib
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from alerts.app import create_app
from alerts.clock import FrozenClock
from alerts.config import Settings, settings_from_table
from alerts.storage.database import make_engine, make_session_factory
from alerts.storage.queries import add_token, add_unit
from notifiers.base import Notifier
from notifiers.dry import DryNotifier

CONFIG = Path(__file__).parent.parent / "config.toml"
CST = timezone(timedelta(hours=8))


def at(hour: int, minute: int = 0, day: int = 21) -> datetime:
    """A moment on November `day`, 2026, Asia/Shanghai."""
    return datetime(2026, 11, day, hour, minute, tzinfo=CST)


def config_table(**overrides: Any) -> dict[str, Any]:
    """The shipped config.toml as a table; `rules__key=value` overrides a rule."""
    with CONFIG.open("rb") as handle:
        table = tomllib.load(handle)
    table = copy.deepcopy(table)
    for key, value in overrides.items():
        node = table
        *parents, last = key.split("__")
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value
    return table


def settings(
    database_url: str, *, environ: dict[str, str] | None = None, **overrides: Any
) -> Settings:
    """Settings from the shipped config on `database_url` (with `environ`'s JIBAO_* secrets)."""
    return settings_from_table(
        config_table(database_url=database_url, **overrides), environ=environ
    )


@dataclass
class County:
    """A small county: the office and two townships, with their tokens."""

    client: TestClient
    clock: FrozenClock
    settings: Settings
    office_token: str
    tokens: dict[str, str]
    notifiers: dict[str, Notifier]

    def post(self, body: dict[str, Any], token: str | None = None, **headers: str) -> Any:
        """POST a filing as the township `qdh` unless another token is given."""
        return self.client.post(
            "/api/v1/filings",
            json=body,
            headers={"Authorization": f"Bearer {token or self.tokens['qdh']}", **headers},
        )

    def tick(self) -> Any:
        """One engine tick in the app's own event loop (decide, commit, send)."""
        engine = self.client.app.state.services.engine  # type: ignore[attr-defined]
        return self.client.portal.call(engine.tick)  # type: ignore[union-attr]

    def at_tick(self, moment: datetime) -> Any:
        """Move the clock to `moment` and tick."""
        self.clock.set(moment)
        return self.tick()

    def sent(self, channel: str = "sms") -> list[Any]:
        """What a dry channel recorded."""
        return list(self.notifiers[channel].sent)  # type: ignore[attr-defined]

    def incident(self, incident_id: int, token: str | None = None) -> Any:
        """GET an incident as the office."""
        response = self.client.get(
            f"/api/v1/incidents/{incident_id}",
            headers={"Authorization": f"Bearer {token or self.office_token}"},
        )
        assert response.status_code == 200, response.text
        return response.json()


def seed_county(database_url: str, now: datetime) -> tuple[str, dict[str, str]]:
    """Office `county` under `city`, townships `qdh` and `wsh`; the office token and unit tokens."""
    engine = make_engine(database_url)
    with make_session_factory(engine)() as session:
        city = add_unit(
            session, code="city", name="市政府总值班室", parent=None, is_office=False, now=now
        )
        office = add_unit(
            session, code="county", name="县政府总值班室", parent=city, is_office=True, now=now
        )
        tokens = {}
        for code, name in (("qdh", "千岛湖镇"), ("wsh", "文昌镇")):
            unit = add_unit(session, code=code, name=name, parent=office, is_office=False, now=now)
            tokens[code] = add_token(session, unit=unit, label="test", now=now)
        office_token = add_token(session, unit=office, label="test", now=now)
        session.commit()
    engine.dispose()
    return office_token, tokens


def dry_notifiers() -> dict[str, Notifier]:
    """Every channel dry: tests read what each recorded from `.sent`."""
    return {channel: DryNotifier(channel) for channel in ("sms", "voice", "email")}


def county(
    database_url: str,
    *,
    start: datetime | None = None,
    notifiers: dict[str, Notifier] | None = None,
    environ: dict[str, str] | None = None,
    **overrides: Any,
) -> County:
    """A running app on a seeded county with a frozen clock; close it with `client.__exit__`."""
    clock = FrozenClock(start or at(9, 10))
    config = settings(database_url, environ=environ, **overrides)
    office_token, tokens = seed_county(database_url, clock.now())
    channels = notifiers if notifiers is not None else dry_notifiers()
    client = TestClient(create_app(config, clock=clock, notifiers=channels, run_scheduler=False))
    client.__enter__()
    _OPEN_CLIENTS.append(client)
    return County(client, clock, config, office_token, tokens, channels)


_OPEN_CLIENTS: list[TestClient] = []


def close_clients() -> None:
    """Shut down every app `county` started (their engines dispose on shutdown)."""
    while _OPEN_CLIENTS:
        _OPEN_CLIENTS.pop().__exit__(None, None, None)


def initial(**overrides: Any) -> dict[str, Any]:
    """A complete written initial report of a III accident known at 08:00."""
    body: dict[str, Any] = {
        "kind": "initial",
        "external_ref": "QH-2026-0117",
        "occurred_at": at(8).isoformat(),
        "learned_at": at(8).isoformat(),
        "category": "accident",
        "severity": "III",
        "sensitive": False,
        "classified": False,
        "title": "千岛湖镇某工地脚手架坍塌",
        "location": {"area": "千岛湖镇", "address": "新安东路工地"},
        "description": "脚手架坍塌，多人被困",
        "extent": "影响范围限于工地，现场已控制",
        "casualties": {"dead": 0, "missing": 0, "seriously_injured": 1, "injured": 3, "trapped": 0},
        "direct_loss_wan_yuan": 12.5,
        "measures": "消防、医疗已到场",
        "leaders_informed": "镇长在现场指挥",
        "already_reported_to": [
            {"to": "县应急管理局", "at": at(8, 40).isoformat(), "level": "county"}
        ],
        "signed_by": "李四",
        "reporter": {"name": "张三", "post": "党政办值班员", "phone": "13800000000"},
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


def followup(incident_id: int, **overrides: Any) -> dict[str, Any]:
    """A follow-up with no change."""
    return {
        "kind": "followup",
        "incident_id": incident_id,
        "description": "无新变化，现场处置中",
        **overrides,
    }


def obligation(answer: dict[str, Any], key: str) -> dict[str, Any]:
    """The obligation with `key` in a filing answer or incident."""
    matches = [o for o in answer["obligations"] if o["key"] == key]
    assert matches, f"no obligation {key} in {[o['key'] for o in answer['obligations']]}"
    return matches[0]


def row_counts(database_url: str) -> dict[str, int]:
    """Rows in every table, to prove a refused request wrote nothing."""
    from sqlalchemy import func, select

    from alerts.storage.models import Base

    engine = make_engine(database_url)
    with engine.connect() as connection:
        counts = {
            table.name: connection.execute(select(func.count()).select_from(table)).scalar_one()
            for table in Base.metadata.sorted_tables
        }
    engine.dispose()
    return counts


# Who holds which role in the test county; phones are unique so tests can tell people apart.
PEOPLE = {
    ("qdh", "duty_officer"): ("张值班", "13900000001"),
    ("qdh", "leader"): ("李分管", "13900000002"),
    ("qdh", "principal"): ("王书记", "13900000003"),
    ("qdh", "leader_on_duty"): ("刘带班", "13900000004"),
    ("wsh", "duty_officer"): ("赵值班", "13900000011"),
    ("wsh", "leader"): ("钱分管", "13900000012"),
    ("wsh", "principal"): ("孙镇长", "13900000013"),
    ("wsh", "leader_on_duty"): ("何带班", "13900000014"),
    ("county", "duty_officer"): ("周值班", "13900000021"),
    ("county", "leader_on_duty"): ("吴带班", "13900000022"),
    ("county", "section_head"): ("郑科长", "13900000023"),
    ("county", "director"): ("冯主任", "13900000024"),
    ("county", "county_leader"): ("陈副县长", "13900000025"),
}


def seed_roster(
    database_url: str, *, start: datetime, days: int = 30, skip: tuple[tuple[str, str], ...] = ()
) -> dict[tuple[str, str], int]:
    """One person per (unit, role) in PEOPLE, on shift from `start` for `days`; their ids."""
    from alerts.storage.models import Person, RosterShift
    from alerts.storage.queries import unit_by_code

    engine = make_engine(database_url)
    ids = {}
    with make_session_factory(engine)() as session:
        for (code, role), (name, phone) in PEOPLE.items():
            if (code, role) in skip:
                continue
            unit = unit_by_code(session, code=code)
            assert unit is not None
            person = Person(
                unit_id=unit.id,
                name=name,
                post=role,
                phone=phone,
                email=f"{phone}@example.gov.cn",
                created_at=start,
            )
            session.add(person)
            session.flush()
            session.add(
                RosterShift(
                    unit_id=unit.id,
                    role=role,
                    person_id=person.id,
                    starts_at=start,
                    ends_at=start + timedelta(days=days),
                )
            )
            ids[(code, role)] = person.id
        session.commit()
    engine.dispose()
    return ids


def phone_of(code: str, role: str) -> str:
    """The E.164 number of the person holding `role` in unit `code`."""
    return "+86" + PEOPLE[(code, role)][1]
