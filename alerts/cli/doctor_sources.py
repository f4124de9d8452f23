"""`jibao doctor`'s check of the `[[sources]]` tables against the database: each must name a unit
that reports to the office. config.toml cannot know the units, and until this is right every
alert of the source is refused (422 `source_unit`)."""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from alerts.cli.findings import Finding, ok, problem
from alerts.config import Settings
from alerts.sources.settings import SourceConfig
from alerts.storage.database import make_engine, make_session_factory
from alerts.storage.models import Unit
from alerts.storage.queries import office, reporting_office, unit_by_code


def check_sources(settings: Settings) -> list[Finding]:
    """One finding per source: the unit it registers for, or why its alerts would be refused.
    Run once the database has answered; nothing when there is no source."""
    if not settings.sources:
        return []
    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine)() as session:
            the_office = office(session)
            return [_check(session, the_office, source) for source in settings.sources]
    except DBAPIError:
        return []  # a database without its tables: the schema's own finding says so
    finally:
        engine.dispose()


def _check(session: Session, the_office: Unit | None, source: SourceConfig) -> Finding:
    unit = unit_by_code(session, code=source.unit)
    if (
        unit is not None
        and the_office is not None
        and not unit.is_office
        and reporting_office(session, unit=unit) is the_office
    ):
        return ok("sources", "source_ok", name=source.name, unit=f"{unit.name} ({unit.code})")
    return problem("sources", "source_unit", fix="source_unit", name=source.name, unit=source.unit)
