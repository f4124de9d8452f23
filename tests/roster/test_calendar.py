"""iCalendar feeds: links minted by an authenticated call, feeds fetched without a token, events
for exactly a person's or a unit's duty with UIDs that stay put, and forged links refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from icalendar import Calendar
from pydantic import SecretStr

from alerts.app import create_app
from alerts.storage.database import make_engine, make_session_factory
from alerts.storage.models import RosterShift, SwapRequest
from alerts.storage.queries import unit_by_code
from tests.builders import County, county, row_counts
from tests.roster.files import DEPUTY, OFFICERS, add_people, csv_file, local, month_rows


def _import(c: County) -> None:
    answer = c.client.post(
        "/api/v1/roster/import?unit=qdh&month=2026-11",
        content=csv_file(month_rows()),
        headers={"Authorization": f"Bearer {c.office_token}", "Content-Type": "text/csv"},
    )
    assert answer.status_code == 200, answer.text


def link(c: County, body: dict[str, Any], token: str | None = None) -> Any:
    """POST /api/v1/roster/calendar-links as the office unless another token is given."""
    return c.client.post(
        "/api/v1/roster/calendar-links",
        json=body,
        headers={"Authorization": f"Bearer {token or c.office_token}"},
    )


def fetch(client: TestClient, url: str) -> Calendar:
    """GET a feed the way a phone does (no token) and parse it."""
    answer = client.get(url.removeprefix("http://127.0.0.1:8000"))
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(answer.content)


def events(calendar: Calendar) -> list[dict[str, Any]]:
    """Each VEVENT as plain values."""
    return [
        {
            "uid": str(e["UID"]),
            "summary": str(e["SUMMARY"]),
            "description": str(e["DESCRIPTION"]),
            "start": e.decoded("DTSTART"),
            "end": e.decoded("DTEND"),
        }
        for e in calendar.walk("VEVENT")
    ]


def test_a_persons_feed_holds_their_duty_days_with_stable_uids(database_url: str) -> None:
    c = county(database_url)
    ids = add_people(database_url)
    _import(c)
    answer = link(c, {"person_id": ids[OFFICERS[0][0]]})
    assert answer.status_code == 200, answer.text
    url = answer.json()["url"]
    assert url.startswith("http://127.0.0.1:8000/api/v1/roster/calendar/") and url.endswith(".ics")
    assert answer.json()["webcal"] == "webcal://" + url.removeprefix("http://")
    calendar = fetch(c.client, url)
    assert str(calendar["X-WR-CALNAME"]) == "张值班的值班"
    found = events(calendar)
    assert len(found) == 15  # every other day of November
    first = found[0]
    assert first["summary"] == "值班：千岛湖镇 值班员"
    assert (first["start"], first["end"]) == (local(1, 8, 30), local(2, 8, 30))
    assert "13900000101" in first["description"]
    assert [e["start"].astimezone(UTC).day for e in found][:3] == [1, 3, 5]
    c.clock.advance(timedelta(days=1))
    again = events(fetch(c.client, url))
    assert [e["uid"] for e in again] == [e["uid"] for e in found]
    assert len({e["uid"] for e in found}) == len(found)


def test_a_units_feed_names_who_holds_each_role(database_url: str) -> None:
    c = county(database_url)
    add_people(database_url)
    _import(c)
    url = link(c, {"unit": "qdh"}, token=c.tokens["qdh"]).json()["url"]
    found = events(fetch(c.client, url))
    assert len(found) == 90
    day_one = [e["summary"] for e in found if e["start"] == local(1, 8, 30)]
    assert day_one == [
        "千岛湖镇 值班员：张值班",
        "千岛湖镇 副值班员：林副值",
        "千岛湖镇 带班领导：刘带班",
    ]


def test_the_feed_follows_swaps_and_shifts_in_other_units(database_url: str) -> None:
    c = county(database_url)
    ids = add_people(database_url)
    _import(c)
    zhang, lin = ids[OFFICERS[0][0]], ids[DEPUTY[0]]
    engine = make_engine(database_url)
    with make_session_factory(engine)() as session:
        qdh, wsh = unit_by_code(session, code="qdh"), unit_by_code(session, code="wsh")
        assert qdh is not None and wsh is not None
        session.add(
            SwapRequest(
                unit_id=qdh.id,
                role="duty_officer",
                from_person_id=zhang,
                to_person_id=lin,
                starts_at=local(5, 8, 30),
                ends_at=local(6, 8, 30),
                requested_at=local(1, 9),
                state="approved",
            )
        )
        session.add(
            RosterShift(
                unit_id=wsh.id,
                role="leader_on_duty",
                person_id=lin,
                starts_at=local(25, 8, 30),
                ends_at=local(26, 8, 30),
                source="override",
            )
        )
        session.commit()
    engine.dispose()
    zhang_days = [
        e["start"] for e in events(fetch(c.client, link(c, {"person_id": zhang}).json()["url"]))
    ]
    assert local(5, 8, 30) not in zhang_days and local(3, 8, 30) in zhang_days
    lin_events = events(fetch(c.client, link(c, {"person_id": lin}).json()["url"]))
    swapped = [
        e
        for e in lin_events
        if e["start"] == local(5, 8, 30) and "值班员" in e["summary"] and "副" not in e["summary"]
    ]
    assert len(swapped) == 1 and "调班，替 张值班 值班" in swapped[0]["description"]
    assert any(e["summary"] == "值班：文昌镇 带班领导" for e in lin_events)


def _flip(token: str, at: int) -> str:
    return token[:at] + ("A" if token[at] != "A" else "B") + token[at + 1 :]


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: _flip(t, t.index(".") + 1),  # signature changed
        lambda t: "u" + t[1:],  # payload changed
        lambda t: "nonsense",
        lambda t: t.split(".")[0],  # signature removed
    ],
    ids=["signature", "payload", "garbage", "unsigned"],
)
def test_a_tampered_feed_token_is_404(database_url: str, mangle: Any) -> None:
    c = county(database_url)
    ids = add_people(database_url)
    url = link(c, {"person_id": ids[OFFICERS[0][0]]}).json()["url"]
    token = url.rsplit("/", 1)[1].removesuffix(".ics")
    answer = c.client.get(f"/api/v1/roster/calendar/{mangle(token)}.ics")
    assert answer.status_code == 404


def test_a_genuine_token_for_someone_who_is_gone_is_404(database_url: str) -> None:
    c = county(database_url)
    assert link(c, {"unit": "qdh"}).status_code == 200
    links = c.client.app.state.services.calendar_links  # type: ignore[attr-defined]
    for target in ("person", "unit"):
        path = links.url(target, 999_999).removeprefix("http://127.0.0.1:8000")
        assert c.client.get(path).status_code == 404


def test_links_signed_with_the_configured_key_survive_a_restart(database_url: str) -> None:
    c = county(database_url)
    ids = add_people(database_url)
    keyed = c.settings.model_copy(update={"secret_key": SecretStr("a-long-random-secret")})
    with TestClient(create_app(keyed, clock=c.clock, run_scheduler=False)) as first:
        answer = first.post(
            "/api/v1/roster/calendar-links",
            json={"person_id": ids[OFFICERS[0][0]]},
            headers={"Authorization": f"Bearer {c.office_token}"},
        )
        url = answer.json()["url"]
    with TestClient(create_app(keyed, clock=c.clock, run_scheduler=False)) as second:
        assert second.get(url.removeprefix("http://127.0.0.1:8000")).status_code == 200
    # the test app without JIBAO_SECRET_KEY signs with its own random key
    assert c.client.get(url.removeprefix("http://127.0.0.1:8000")).status_code == 404


@pytest.mark.parametrize(
    ("body", "token", "status", "field"),
    [
        ({"person_id": "zhang"}, "office", 422, "person_id"),
        ({}, "office", 422, "person_id"),
        ({"person_id": "ZHANG", "unit": "qdh"}, "office", 422, "person_id"),
        ({"person_id": 999_999}, "office", 422, "person_id"),
        ({"person_id": 0}, "office", 422, "person_id"),
        ({"unit": "nowhere"}, "office", 422, "unit"),
        ({"unit": "qdh", "color": "red"}, "office", 422, "color"),
        ({"unit": "qdh"}, "wsh", 403, None),
        ({"person_id": "ZHANG"}, "wsh", 403, None),
        ({"person_id": "ZHANG"}, "nope", 401, None),
        ({"unit": "qdh"}, "nope", 401, None),
        ({"person_id": "ZHANG"}, "qdh", 200, None),
    ],
)
def test_calendar_link_requests_are_checked(
    database_url: str, body: dict[str, Any], token: str, status: int, field: str | None
) -> None:
    c = county(database_url)
    ids = add_people(database_url)
    body = {k: ids[OFFICERS[0][0]] if v == "ZHANG" else v for k, v in body.items()}
    tokens = {"office": c.office_token, "nope": "nope", **c.tokens}
    before = row_counts(database_url)
    answer = link(c, body, token=tokens[token])
    assert answer.status_code == status, answer.text
    if field is not None:
        assert field in [f["field"] for f in answer.json()["error"]["fields"]]
    assert row_counts(database_url) == before


def test_feed_window_is_thirty_days_back_to_ninety_ahead(database_url: str) -> None:
    c = county(database_url, start=datetime(2027, 1, 20, 12, tzinfo=UTC))
    ids = add_people(database_url)
    _import(c)
    found = events(fetch(c.client, link(c, {"person_id": ids[OFFICERS[0][0]]}).json()["url"]))
    assert [e["start"] for e in found] == []  # November is more than 30 days back
    c.clock.set(datetime(2026, 12, 20, 12, tzinfo=UTC))
    found = events(fetch(c.client, link(c, {"person_id": ids[OFFICERS[0][0]]}).json()["url"]))
    assert min(e["start"] for e in found) == local(21, 8, 30)  # Nov 19's ended before the window
