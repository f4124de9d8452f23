"""The messages page with group robots' posts: named 群机器人, and found by the channel filter
whatever the robot's name (as webhook:NAME rows are by `webhook`)."""

from __future__ import annotations

from alerts.storage import models as m
from alerts.storage.database import make_engine, make_session_factory
from tests.builders import at
from tests.dashboard.test_messages import _message, as_user, ids_on, setup


def test_robot_posts_are_named_and_filtered_by_channel(database_url: str) -> None:
    c, made = setup(database_url)
    engine = make_engine(database_url)
    with make_session_factory(engine)() as session:
        person = session.query(m.Person).filter_by(name="周值班").one()  # the officer on duty
        row = _message(person.id, "robot:county", person.phone, "sent", at(8, day=20))
        session.add(row)
        session.commit()
        robot_id = row.id
    engine.dispose()
    as_user(c, database_url, "duty", "duty_room", "county")
    page = c.client.get("/messages?channel=robot").text
    assert ids_on(page) == [robot_id]
    assert "群机器人" in page
    assert robot_id not in ids_on(c.client.get("/messages?channel=sms").text)
    assert set(ids_on(c.client.get("/messages?channel=email").text)) == {
        made["bundle"],
        made["part"],
    }
