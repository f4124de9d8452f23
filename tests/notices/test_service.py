"""The notice capability itself (alerts/notices), on a session: the candidates are exactly the
late reports and the confirmed, standing findings without a notice; a draft freezes the facts and
writes the text; approval numbers per office and year, puts `notice_published` on the timeline
and queues an email to the unit's principal and duty officer on duty; the facts stay as drafted."""

from __future__ import annotations

from sqlalchemy import select

from alerts.errors import Conflict
from alerts.i18n import Translator
from alerts.notices.approval import approve
from alerts.notices.drafting import draft
from alerts.notices.sources import candidates
from alerts.roster.book import RosterBook
from alerts.storage import models as m
from alerts.storage.database import make_engine, make_session_factory
from alerts.storage.queries import office as the_office
from tests.builders import CST, at
from tests.notices.builders import MISSED_TITLE, READ_AT, decide, finding_id, late_and_missed

ZH = Translator("zh_CN")


def test_candidates_draft_and_approve_on_a_session(database_url: str) -> None:
    c, late_incident, missed_incident = late_and_missed(database_url)
    zone = c.settings.rules.timezone
    engine = make_engine(database_url)
    session = make_session_factory(engine)()
    try:
        office = the_office(session)
        assert office is not None
        found = candidates(session, office=office)
        assert [(s.kind, s.incident.id, s.minutes_late) for s in found] == [
            ("late", late_incident, 60)
        ], "the missed candidate is not a notice source until confirmed"

        decide(c, finding_id(c, missed_incident), "confirm", "该镇当日已知情，至次日结束未报")
        session.expire_all()
        found = candidates(session, office=office)
        assert sorted(s.kind for s in found) == ["late", "missed"]
        missed = next(s for s in found if s.kind == "missed")
        assert (missed.reason, missed.received_at, missed.report_kind) == (
            "该镇当日已知情，至次日结束未报",
            None,
            "initial",
        )

        row = draft(
            session,
            translate=ZH,
            zone=zone,
            office=office,
            key=missed.key,
            by="郑科长",
            now=READ_AT,
        )
        assert row.state == "draft" and row.number is None
        assert row.title == f"关于千岛湖镇漏报“{MISSED_TITLE}”的通报"
        assert "2026年11月21日13:30前报送县政府总值班室" in row.body
        assert "认定理由：该镇当日已知情，至次日结束未报" in row.body
        assert row.requirements.startswith("请千岛湖镇认真查找原因")
        assert [s.kind for s in candidates(session, office=office)] == ["late"]

        approve(
            session,
            settings=c.settings,
            roster=RosterBook(c.settings),
            translate=ZH,
            notice=row,
            by="郑科长",
            now=READ_AT,
        )
        assert (row.state, row.year, row.number, row.approved_by) == ("approved", 2026, 1, "郑科长")
        emails = session.scalars(
            select(m.Notification).where(m.Notification.dedupe_key.like(f"notice:{row.id}:%"))
        ).all()
        assert sorted(n.address for n in emails) == [
            "13900000001@example.gov.cn",  # the duty officer on duty
            "13900000003@example.gov.cn",  # the principal
        ]
        assert {n.channel for n in emails} == {"email"}
        assert emails[0].subject == f"{row.title}（〔2026〕第1号）"
        event = session.scalar(select(m.Event).where(m.Event.kind == "notice_published"))
        assert event is not None and event.incident_id == missed_incident
        assert event.data["number"] == "〔2026〕第1号" and event.data["by"] == "郑科长"
        try:
            approve(
                session,
                settings=c.settings,
                roster=RosterBook(c.settings),
                translate=ZH,
                notice=row,
                by="郑科长",
                now=READ_AT,
            )
            raise AssertionError("approved twice")
        except Conflict as refused:
            assert refused.code == "notice_already_approved"
        session.commit()
    finally:
        session.close()
        engine.dispose()
    assert CST and at
