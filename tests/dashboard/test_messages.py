"""The messages page over HTTP: each notification with its recipient, state in words, attempts,
last error, what it was bundled into and its delivery history; filters and pages; a unit officer
sees only the messages to its own people."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import select

from alerts.storage import models as m
from alerts.storage.database import make_engine, make_session_factory
from tests.builders import County, at, county, initial, seed_roster
from tests.dashboard.accounts import add_user, sign_in


def add_messages(database_url: str, ids: dict[tuple[str, str], int]) -> dict[str, int]:
    """Three messages in three states on two days; ids by name."""
    engine = make_engine(database_url)
    found: dict[str, int] = {}
    with make_session_factory(engine)() as session:
        rows = {
            "failed": _message(
                ids[("wsh", "duty_officer")],
                "sms",
                "+8613900000011",
                "failed_perm",
                at(7),
                attempts=3,
                last_error="21211 invalid 'To' number",
            ),
            "bundle": _message(
                ids[("county", "director")],
                "email",
                "13900000024@example.gov.cn",
                "sent",
                at(8, day=20),
            ),
        }
        session.add_all(rows.values())
        session.flush()
        part = _message(
            ids[("county", "director")],
            "email",
            "13900000024@example.gov.cn",
            "bundled",
            at(8, day=20),
            bundled_into_id=rows["bundle"].id,
        )
        session.add(part)
        session.flush()
        session.add(
            m.NotificationEvent(
                notification_id=rows["failed"].id,
                at=at(7, 1),
                state="failed_temp",
                detail="timeout",
            )
        )
        session.add(
            m.NotificationEvent(
                notification_id=rows["failed"].id,
                at=at(7, 5),
                state="failed_perm",
                detail="21211 invalid 'To' number",
            )
        )
        session.commit()
        found = {name: row.id for name, row in rows.items()} | {"part": part.id}
    engine.dispose()
    return found


def _message(
    person_id: int, channel: str, address: str, state: str, created: datetime, **more: object
) -> m.Notification:
    return m.Notification(
        dedupe_key=f"test:{person_id}:{channel}:{state}:{created.isoformat()}",
        person_id=person_id,
        channel=channel,
        address=address,
        subject=f"测试消息 {state}",
        summary="测试",
        body="测试正文",
        state=state,
        attempts=more.pop("attempts", 1),
        created_at=created,
        **more,
    )


def setup(database_url: str) -> tuple[County, dict[str, int]]:
    """A county whose engine sent a dry reminder, plus three stored messages."""
    c = county(database_url, start=at(9, 10))
    ids = seed_roster(database_url, start=at(0, day=19))
    assert c.post(initial()).status_code == 201
    c.at_tick(at(12, 41))  # the follow-up due 13:10 is reminded 30 minutes before
    return c, add_messages(database_url, ids)


def as_user(c: County, database_url: str, username: str, role: str, unit: str) -> None:
    """Add an account and sign in with it."""
    add_user(database_url, username, role, unit, at(0))
    c.client.cookies.clear()
    assert sign_in(c.client, username).status_code == 303


def ids_on(html: str) -> list[int]:
    """The notification ids listed, in order."""
    return [int(i) for i in re.findall(r'<tr id="message-(\d+)"', html)]


def test_every_message_shows_recipient_state_attempts_error_bundle_and_history(
    database_url: str,
) -> None:
    c, made = setup(database_url)
    as_user(c, database_url, "duty", "duty_room", "county")
    page = c.client.get("/messages")
    assert page.status_code == 200
    assert "演练：已记录，未实际发送" in page.text, "the engine's dry reminder, in words"
    assert "张值班" in page.text and "+8613900000001" in page.text
    assert "赵值班" in page.text and "发送失败，不再重试" in page.text
    assert "21211 invalid &#39;To&#39; number" in page.text
    assert f'<a href="/messages?id={made["bundle"]}">#{made["bundle"]}</a>' in page.text
    assert "投递记录（2）" in page.text and "暂时失败，将重试 · timeout" in page.text
    listed = ids_on(page.text)
    assert listed[-2:] == sorted([made["bundle"], made["part"]], reverse=True), "newest first"
    only = c.client.get(f"/messages?id={made['bundle']}").text
    assert ids_on(only) == [made["bundle"]]


def test_filters_by_channel_state_dates_and_text(database_url: str) -> None:
    c, made = setup(database_url)
    as_user(c, database_url, "duty", "duty_room", "county")

    def listed(query: str) -> list[int]:
        return ids_on(c.client.get(f"/messages?{query}").text)

    assert set(listed("channel=email")) == {made["bundle"], made["part"]}
    assert listed("state=failed_perm") == [made["failed"]]
    assert set(listed("from=2026-11-20&to=2026-11-20")) == {made["bundle"], made["part"]}
    assert made["failed"] in listed("from=2026-11-21") and made["bundle"] not in listed(
        "from=2026-11-21"
    )
    assert listed("q=invalid") == [made["failed"]]
    assert listed("q=赵值班") == [made["failed"]], "by the recipient's name"
    literal = c.client.get("/messages?q=100%25")
    assert literal.status_code == 200 and "没有符合条件的消息" in literal.text, "% is literal"
    assert listed("channel=email&state=bundled") == [made["part"]]
    assert c.client.get("/messages?to=9999-12-31").status_code == 422
    bad = c.client.get("/messages?from=21/11/2026")
    assert bad.status_code == 422 and "起始日期：请填写日期" in bad.text
    assert ids_on(bad.text) == ids_on(c.client.get("/messages").text), "it filters nothing"


def test_pages_of_fifty_keep_their_filters(database_url: str) -> None:
    c, _ = setup(database_url)
    engine = make_engine(database_url)
    with make_session_factory(engine)() as session:
        person = session.scalars(select(m.Person).where(m.Person.name == "周值班")).one()
        session.add_all(
            _message(
                person.id, "voice", "+8613900000021", "delivered", at(6) + timedelta(seconds=n)
            )
            for n in range(60)
        )
        session.commit()
    engine.dispose()
    as_user(c, database_url, "duty", "duty_room", "county")
    first = c.client.get("/messages?channel=voice&state=delivered").text
    assert len(ids_on(first)) == 50 and "第 1 / 2 页" in first
    assert 'href="/messages?channel=voice&amp;state=delivered&amp;page=2"' in first
    second = c.client.get("/messages?channel=voice&state=delivered&page=2").text
    assert len(ids_on(second)) == 10 and set(ids_on(second)).isdisjoint(ids_on(first))
    last = c.client.get("/messages?channel=voice&state=delivered&page=99").text
    assert ids_on(last) == ids_on(second), "past the end: the last page"


def test_a_unit_officer_sees_only_messages_to_its_own_people(database_url: str) -> None:
    c, made = setup(database_url)
    as_user(c, database_url, "wsh", "unit_officer", "wsh")
    page = c.client.get("/messages").text
    assert ids_on(page) == [made["failed"]]
    assert "张值班" not in page
    as_user(c, database_url, "qdh", "unit_officer", "qdh")
    page = c.client.get("/messages").text
    assert "张值班" in page and made["failed"] not in ids_on(page), "its own duty officer's only"
