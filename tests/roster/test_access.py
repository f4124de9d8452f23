"""One rule for whose rosters one sees, in the API and on the dashboard: a unit its own; whoever
acts for the office, the office and every unit reporting to it."""

from __future__ import annotations

from datetime import UTC, datetime

from alerts.dashboard.auth import Viewer
from alerts.dashboard.board import visible_units
from alerts.roster.access import may_act_for, units_in_view
from alerts.storage import models as m
from alerts.storage.database import make_engine, make_session_factory
from alerts.storage.queries import add_unit

NOW = datetime(2026, 11, 21, tzinfo=UTC)


def test_the_api_and_the_dashboard_see_the_same_units(database_url: str) -> None:
    engine = make_engine(database_url)
    with make_session_factory(engine)() as session:
        county = add_unit(session, code="county", name="县", parent=None, is_office=True, now=NOW)
        town = add_unit(session, code="a-town", name="镇", parent=county, is_office=False, now=NOW)
        village = add_unit(session, code="b-vil", name="村", parent=town, is_office=False, now=NOW)
        lone = add_unit(session, code="lone", name="无上级", parent=None, is_office=False, now=NOW)
        city = add_unit(session, code="city", name="市", parent=None, is_office=True, now=NOW)
        office_units = [town, village, county]  # by code

        def view(unit: m.Unit, *, for_office: bool) -> list[m.Unit]:
            return units_in_view(session, unit=unit, for_office=for_office)

        assert view(county, for_office=True) == office_units  # the office's API token
        assert view(town, for_office=False) == [town]  # a unit's token, a unit officer
        assert view(town, for_office=True) == office_units  # a leader attached to the town
        assert view(lone, for_office=True) == [lone]  # under no office: itself, not nothing
        assert view(city, for_office=True) == [city]
        assert may_act_for(session, unit=county, target=village, for_office=True)
        assert not may_act_for(session, unit=town, target=village, for_office=False)
        assert not may_act_for(session, unit=county, target=city, for_office=True)

        for role, unit, expected in [
            ("duty_room", county, [county, town, village]),  # the page lists the office first
            ("leader", town, [county, town, village]),
            ("unit_officer", town, [town]),
            ("leader", lone, [lone]),
        ]:
            user = m.User(
                username=role,
                display_name=role,
                password_hash="",
                role=role,
                unit_id=unit.id,
                created_at=NOW,
            )
            assert visible_units(session, Viewer(user, unit, "csrf")) == expected, (role, unit)
    engine.dispose()
