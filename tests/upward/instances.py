"""A city and a county, each a Jibao of its own on its own SQLite file, served by uvicorn on a
loopback port (tests/engine/harness.py): the county's `[[upward.parents]]` names the city,
with the token the city issued to the county (and a signing secret the city requires)."""

from __future__ import annotations

import socket
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from alerts.clock import FrozenClock
from alerts.storage.database import make_engine, make_session_factory, migrate
from alerts.storage.queries import add_token, add_unit
from tests.builders import settings
from tests.engine.harness import Seeded, Served, seed, served

SECRET = "city-signing-secret-for-county"


@dataclass(frozen=True)
class Pair:
    """The two instances and their tokens."""

    city: Served | None
    county: Served
    seeded: Seeded  # the county's: its clock (shared by both), office and township tokens
    city_url: str
    city_database: str
    city_office_token: str
    county_url: str = ""

    def as_county(self, method: str, path: str, body: Any = None) -> Any:
        """A request to the county's API with its office token; (status, JSON)."""
        response = self.county.http.request(
            method, path, json=body, headers=_bearer(self.seeded.office_token)
        )
        return response.status_code, response.json()

    def as_city(self, path: str) -> Any:
        """GET from the city's API with the city's office token (asserting 200)."""
        response = self.city_http.get(path, headers=_bearer(self.city_office_token))
        assert response.status_code == 200, response.text
        return response.json()

    @property
    def city_http(self) -> Any:
        """The city's HTTP client (the city must be up)."""
        assert self.city is not None
        return self.city.http


def free_port() -> int:
    """A loopback port nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def seed_city(database_url: str, now: datetime) -> tuple[str, str]:
    """The city office and the county as one of its units (signatures required); the city's
    office token and the token it issued to the county."""
    migrate(database_url)
    engine = make_engine(database_url)
    with make_session_factory(engine)() as session:
        city = add_unit(
            session, code="city", name="市政府总值班室", parent=None, is_office=True, now=now
        )
        county = add_unit(
            session, code="county", name="县政府总值班室", parent=city, is_office=False, now=now
        )
        county.require_signature, county.signing_secret = True, SECRET
        tokens = (
            add_token(session, unit=city, label="test", now=now),
            add_token(session, unit=county, label="issued to the county", now=now),
        )
        session.commit()
    engine.dispose()
    return tokens


def pair(
    tmp_path: Path,
    *,
    start: datetime,
    city_up: bool = True,
    token: str | None = None,
    **county: Any,
) -> Pair:
    """Seed and serve both (the city on a port of its own, started only when `city_up`); the
    county files with the token the city issued unless told another; `county` overrides the
    county's settings."""
    city_database = f"sqlite:///{tmp_path / 'city.db'}"
    county_database = f"sqlite:///{tmp_path / 'county.db'}"
    migrate(county_database)
    seeded = seed(county_database, start=start)
    city_office_token, issued = seed_city(city_database, seeded.clock.now())
    port, county_port = free_port(), free_port()
    county_url = f"http://127.0.0.1:{county_port}"
    city = start_city(city_database, seeded.clock, port, county_url) if city_up else None
    city_url = f"http://127.0.0.1:{port}"
    parent = {"name": "city", "title": "市政府总值班室", "url": city_url}
    config = settings(
        county_database,
        environ={"JIBAO_UPWARD_TOKEN_CITY": token or issued, "JIBAO_UPWARD_SECRET_CITY": SECRET},
        upward={"parents": [parent]},
        **county,
    )
    return Pair(
        city,
        served(config, seeded.clock, county_port),
        seeded,
        city_url,
        city_database,
        city_office_token,
        county_url,
    )


def start_city(
    database_url: str, clock: FrozenClock, port: int, county_url: str | None = None
) -> Served:
    """Serve the city's Jibao on `port`; with `county_url`, the county is a child Jibao that
    the city's instructions go down to (signed with the secret both share)."""
    if county_url is None:
        return served(settings(database_url), clock, port)
    config = settings(
        database_url,
        environ={"JIBAO_CHILD_SECRET_COUNTY": SECRET},
        upward={"children": [{"unit": "county", "url": county_url}]},
    )
    return served(config, clock, port)


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
