"""The Now page (值班台) over HTTP: what each open incident's card says, and that a refresh costs
the same number of SQL statements with 20 open incidents as with 2, and with 12 units as with 2."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event, select

from alerts.storage import models as m
from alerts.storage.database import make_engine, make_session_factory
from alerts.storage.queries.units import add_unit
from tests.builders import County, at, county, initial, seed_roster
from tests.dashboard.accounts import add_user, sign_in


@contextmanager
def _statements(c: County) -> Iterator[list[str]]:
    """Every SQL statement the app sends to its database while the block runs."""
    database = c.client.app.state.services.database  # type: ignore[attr-defined]
    sent: list[str] = []

    def record(*args: Any) -> None:
        sent.append(args[2])  # (connection, cursor, statement, parameters, context, many)

    event.listen(database, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(database, "before_cursor_execute", record)


def _page(c: County, path: str) -> tuple[str, int]:
    """The page's HTML and how many statements answering it took."""
    c.client.get(path)  # once before counting: nothing first-time is counted
    with _statements(c) as sent:
        response = c.client.get(path)
    assert response.status_code == 200, response.text
    return response.text, len(sent)


def _cards(html: str) -> dict[int, str]:
    """Each incident's card on the page, by incident id, as text without tags."""
    found = re.findall(r'<li class="incident[^"]*" data-incident="(\d+)">(.*?)</li>', html, re.S)
    return {int(i): " ".join(re.sub(r"<[^>]+>", " ", card).split()) for i, card in found}


def _file(c: County, n: int) -> int:
    token = c.tokens["qdh" if n % 2 == 0 else "wsh"]
    body = initial(external_ref=f"NOW-{n:02d}", title=f"第{n:02d}起事件")
    answer = c.post(body, token=token)
    assert answer.status_code == 201, answer.text
    return int(answer.json()["incident_id"])


def test_now_page_costs_as_many_statements_for_20_open_incidents_as_for_2(
    database_url: str,
) -> None:
    c = county(database_url, start=at(9, 10))
    seed_roster(database_url, start=at(0))
    add_user(database_url, "duty", "duty_room", "county", at(0))
    first = [_file(c, n) for n in range(2)]
    c.at_tick(at(12))  # K4 of both falls due: the ladder's first rung fires
    c.clock.set(at(12, 5))
    k4 = next(o for o in c.incident(first[0])["obligations"] if o["key"] == "upward")
    acked = c.client.post(
        f"/api/v1/obligations/{k4['id']}/acknowledge",
        headers={"Authorization": f"Bearer {c.office_token}"},
    )
    assert acked.status_code == 201, acked.text
    sign_in(c.client, "duty")

    few_rows, few = _page(c, "/now/rows")
    few_page, few_whole = _page(c, "/")
    later = [_file(c, n) for n in range(2, 20)]
    many_rows, many = _page(c, "/now/rows")
    many_page, many_whole = _page(c, "/")

    assert (few, few_whole) == (many, many_whole)
    cards = _cards(many_rows)
    assert list(cards) == [*first, *later], "soonest due first"
    assert "已逾期" in cards[first[0]] and "县政府总值班室 · 向上级报告" in cards[first[0]]
    assert "催报至" in cards[first[0]] and "已收到 12:05" in cards[first[0]]
    assert "催报至" in cards[first[1]] and "已收到" not in cards[first[1]]
    assert all("尚未催报" in cards[i] and "已收到" not in cards[i] for i in later)
    assert _cards(few_rows) == {i: cards[i] for i in first}
    assert _cards(few_page) == _cards(few_rows) and _cards(many_page) == cards


def test_board_names_who_must_act_with_their_last_message_and_counts_the_late(
    database_url: str,
) -> None:
    c = county(database_url, start=at(9, 10))
    seed_roster(database_url, start=at(0))
    add_user(database_url, "duty", "duty_room", "county", at(0))
    first, second = _file(c, 1), _file(c, 2)
    c.at_tick(at(12))  # both K4s (the office's upward report) fall due: the first rung fires
    c.clock.set(at(13, 10))
    third = _file(c, 4)  # late already (its report to the city was due at 12:00), not yet told
    sign_in(c.client, "duty")
    html = c.client.get("/now/rows").text
    cards = _cards(html)
    assert list(cards) == [first, second, third], "most overdue first, then the first filed"
    strip = " ".join(re.sub(r"<[^>]+>", " ", html.split("</p>", 1)[0]).split())
    assert strip == "逾期 3 · 一小时内到期 0 · 待办批示 0"
    assert "县政府总值班室 · 向上级报告 已逾期 1 小时 10 分 截止 11-21 12:00" in cards[first]
    assert "催报至 到期时 · 12:00" in cards[first], "the rung in words, not its key"
    assert "须处置 周值班 13900000021 最近消息 12:00 · 短信" in cards[first]
    assert "须处置" in cards[third] and "尚未发消息" in cards[third]
    assert 'href="tel:+8613900000021" class="phone call"' in html, "tap to call"
    assert html.index('id="open-heading"') < html.index('id="duty-heading"'), "duty table below"


def test_summary_counts_the_overdue_and_those_due_within_the_hour() -> None:
    from datetime import timedelta

    from alerts.dashboard.board import summary

    now = at(12)
    due = [now + timedelta(minutes=n) for n in (-3121, -1, 0, 60, 61)]
    counted = summary([*due, None], [object(), object()], now)  # type: ignore[list-item]
    assert (counted.overdue, counted.due_within_hour, counted.instructions) == (2, 2, 2)


def test_every_page_links_the_favicon_and_it_is_served(database_url: str) -> None:
    c = county(database_url, start=at(9, 10))
    page = c.client.get("/login").text
    assert '<link rel="icon" type="image/svg+xml" href="/static/favicon.svg">' in page
    icon = c.client.get("/static/favicon.svg")
    assert icon.status_code == 200 and icon.text.startswith("<svg")


def test_the_on_duty_table_costs_as_many_statements_for_12_units_as_for_2(
    database_url: str,
) -> None:
    """Every unit's roster is read at once, not unit by unit."""
    c = county(database_url, start=at(9, 10))
    seed_roster(database_url, start=at(0))
    add_user(database_url, "duty", "duty_room", "county", at(0))
    _file(c, 0)
    sign_in(c.client, "duty")
    page, few = _page(c, "/")
    engine = make_engine(database_url)
    with make_session_factory(engine)() as session:
        office = session.scalar(select(m.Unit).where(m.Unit.code == "county"))
        for n in range(10):
            add_unit(
                session,
                code=f"extra{n}",
                name=f"新增{n}镇",
                parent=office,
                is_office=False,
                now=at(0),
            )
        session.commit()
    engine.dispose()
    more_page, more = _page(c, "/")
    assert more == few
    assert "新增9镇" in more_page and "新增9镇" not in page, "the new units are on the table"


def test_the_board_shows_the_most_urgent_cards_and_every_one_on_asking(database_url: str) -> None:
    """Past CARDS open incidents the board shows the most urgent ones, counts them all and links
    to every card; the statements stay as many, and none reads a column no card shows."""
    from alerts.dashboard.pages.now import CARDS

    c = county(database_url, start=at(9, 10))
    seed_roster(database_url, start=at(0))
    add_user(database_url, "duty", "duty_room", "county", at(0))
    filed = [_file(c, n) for n in range(2)]
    sign_in(c.client, "duty")
    _, few = _page(c, "/now/rows")
    filed += [_file(c, n) for n in range(2, CARDS + 1)]
    with _statements(c) as sent:
        html = c.client.get("/now/rows").text
    every, every_statements = _page(c, "/now/rows?all=1")
    whole = c.client.get("/?all=1").text

    assert len(sent) == every_statements == few
    assert list(_cards(html)) == filed[:CARDS] and list(_cards(every)) == filed
    assert f'<span class="count">{CARDS + 1}</span>' in html
    assert f"显示最紧急的 {CARDS} 起，共 {CARDS + 1} 起" in html and 'href="/?all=1"' in html
    assert f"只显示最紧急的 {CARDS} 起" in every and 'href="/?all=1"' not in every
    assert html.split("</p>", 1)[0] == every.split("</p>", 1)[0], "the strip counts them all"
    assert 'data-refresh-url="/now/rows?all=1"' in whole, "a refresh keeps every card"
    read = " ".join(sent)
    for column in ("notifications.body", "notifications.html", "incidents.flags", "filings."):
        assert column not in read, f"the board reads {column}"
