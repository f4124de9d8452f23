"""A message queued for an obligation that was met or waived before it could go is marked
`stale` when the outbox claims it and is never sent, alone or in a bundle; the state is shown in
words on the messages page and the incident timeline, in both languages."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import update

from alerts.escalation.ladder import ack_code
from alerts.i18n import Translator
from alerts.storage import models as m
from alerts.storage.database import make_engine
from notifiers.base import DeliveryState
from tests.builders import County, at, county, initial, phone_of, seed_roster
from tests.dashboard.test_messages import as_user
from tests.engine.harness import notification_rows, one_rung

HEAD = phone_of("county", "section_head")
TWO_STEPS = [  # the section head is texted at due and again 30 s later (inside the throttle)
    {"key": "due", "at": "0m", "notify": ["office.section_head"], "channels": ["sms"]},
    {"key": "due+30s", "at": "30s", "notify": ["office.section_head"], "channels": ["sms"]},
]


def _filed(database_url: str, count: int, **overrides: Any) -> tuple[County, list[int]]:
    """`count` incidents filed at 09:10 by qdh; each one's K4 (the office's upward report) falls
    due at 12:00 and tells the section head."""
    c = county(database_url, start=at(9, 10), **overrides)
    seed_roster(database_url, start=at(0))
    ids = [c.post(initial(external_ref=f"S-{n}")).json()["incident_id"] for n in range(count)]
    return c, ids


def _upward(c: County, incident_id: int) -> None:
    body = {"kind": "upward", "incident_id": incident_id, "description": "县里向市里报告"}
    assert c.post(body, token=c.office_token).status_code == 201


def _k4(c: County, incident_id: int) -> int:
    obligations = c.incident(incident_id)["obligations"]
    found: int = next(o["id"] for o in obligations if o["key"] == "upward")
    return found


def _to_head(c: County) -> list[str]:
    return [message.text for message in c.sent() if message.to == HEAD]


def test_a_message_for_an_obligation_met_before_it_went_is_stale_and_not_bundled(
    database_url: str,
) -> None:
    c, ids = _filed(database_url, 3, escalation__office=one_rung("sms"))
    c.clock.set(at(12))
    c.client.app.state.services.engine.decide()  # type: ignore[attr-defined]  # queued, not yet sent
    _upward(c, ids[0])  # the first incident's report reaches the city meanwhile
    c.tick()

    [text] = _to_head(c)
    assert "2项" in text, "a bundle of the two still owed"
    assert f"（{ack_code(_k4(c, ids[0]))}）" not in text
    assert all(f"（{ack_code(_k4(c, i))}）" in text for i in ids[1:])
    [stale] = c.incident(ids[0])["notifications"]
    assert stale["state"] == "stale" and stale["sent_at"] is None
    assert [(e["state"], e["detail"]) for e in stale["history"]] == [("stale", "obligation met")]
    c.at_tick(at(12, 30))
    assert len(_to_head(c)) == 1, "a stale message is never sent later"


def test_a_message_held_by_the_throttle_goes_stale_when_its_obligation_is_met_meanwhile(
    database_url: str,
) -> None:
    # the stand-down the report brings (one more text) is tests/engine/test_stand_down.py's
    c, ids = _filed(database_url, 2, escalation__office=TWO_STEPS, notifications__stand_down=False)
    c.at_tick(at(12))
    assert len(_to_head(c)) == 1 and "2项" in _to_head(c)[0]
    c.at_tick(at(12) + timedelta(seconds=30))  # the second step: held until 12:01
    assert len(_to_head(c)) == 1
    c.clock.set(at(12) + timedelta(seconds=40))
    _upward(c, ids[0])
    c.at_tick(at(12, 1))

    assert len(_to_head(c)) == 2
    last = _to_head(c)[-1]
    assert "项报送待办" not in last, "one item left: a message of its own, not a bundle"
    assert f"回“收到{ack_code(_k4(c, ids[1]))}”确认" in last
    states = [n["state"] for n in c.incident(ids[0])["notifications"]]
    assert len(states) == 2 and states[-1] == "stale", "the first went, the second is stale"


def test_a_waived_obligation_makes_its_messages_stale_and_leaves_others_alone(
    database_url: str,
) -> None:
    c, ids = _filed(database_url, 2, escalation__office=one_rung("sms"))
    c.clock.set(at(12))
    c.client.app.state.services.engine.decide()  # type: ignore[attr-defined]
    # waiving is the dashboard's (tests/dashboard); the outbox reads only the stored status
    engine = make_engine(database_url)
    with engine.begin() as connection:
        connection.execute(
            update(m.Obligation).where(m.Obligation.id == _k4(c, ids[0])).values(status="waived")
        )
    engine.dispose()
    c.tick()

    [text] = _to_head(c)
    assert f"回“收到{ack_code(_k4(c, ids[1]))}”确认" in text and "项报送待办" not in text
    rows = {r.obligation_id: r for r in notification_rows(database_url) if r.obligation_id}
    assert rows[_k4(c, ids[0])].state == "stale"
    assert rows[_k4(c, ids[1])].state == "dry"


def test_stale_is_shown_in_words_on_the_messages_page_and_the_incident_timeline(
    database_url: str,
) -> None:
    c, ids = _filed(database_url, 1, escalation__office=one_rung("sms"))
    c.clock.set(at(12))
    c.client.app.state.services.engine.decide()  # type: ignore[attr-defined]
    _upward(c, ids[0])
    c.tick()
    as_user(c, database_url, "duty", "duty_room", "county")

    messages = c.client.get("/messages?state=stale")
    assert messages.status_code == 200
    assert Translator("zh_CN")("ui_messages.state_stale") in messages.text
    assert "obligation met" in messages.text
    incident = c.client.get(f"/incidents/{ids[0]}")
    assert incident.status_code == 200
    assert Translator("zh_CN")("ui_incident.delivery_stale") in incident.text


def test_every_delivery_state_has_words_in_both_languages() -> None:
    for language in ("zh_CN", "en"):
        t = Translator(language)
        for state in DeliveryState:
            for key in (f"ui_messages.state_{state.value}", f"ui_incident.delivery_{state.value}"):
                assert t(key) != key, f"{language} has no {key}"
