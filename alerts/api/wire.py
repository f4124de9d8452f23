"""How stored rows look on the wire: the answer models, with RFC 3339 times in the configured
zone."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from alerts.api.schemas import (
    AcknowledgementOut,
    DeliveryOut,
    EscalationOut,
    EventOut,
    FilingRecordOut,
    IncidentSummaryOut,
    NotificationOut,
    ObligationOut,
)
from alerts.storage import models as m


class Wire:
    """Renders rows as answer models with times in one time zone."""

    def __init__(self, zone: ZoneInfo) -> None:
        self.zone = zone

    def time(self, value: datetime | None) -> str | None:
        """RFC 3339 with the zone's offset, or None."""
        return value.astimezone(self.zone).isoformat() if value is not None else None

    def moment(self, value: datetime) -> str:
        """RFC 3339 with the zone's offset."""
        return value.astimezone(self.zone).isoformat()

    def obligation(self, row: m.Obligation, codes: dict[int, str]) -> ObligationOut:
        """CONTRACT.md §2's obligation, plus key, number, lateness and reason."""
        return ObligationOut(
            id=row.id,
            kind=row.kind,
            owed_by=codes.get(row.owed_by_unit_id, str(row.owed_by_unit_id)),
            due_at=self.moment(row.due_at),
            status=row.status,
            met_at=self.time(row.met_at),
            key=row.key,
            number=row.number,
            anchor_at=self.moment(row.anchor_at),
            late_minutes=row.late_minutes,
            after_chasing=row.after_chasing,
            grace_after_raise=row.grace_after_raise,
            reason=row.reason,
        )

    def filing(self, row: m.Filing, codes: dict[int, str]) -> FilingRecordOut:
        """A stored filing with its body as received (normalised)."""
        return FilingRecordOut(
            id=row.id,
            kind=row.kind,
            party=row.party,
            unit=codes.get(row.unit_id, str(row.unit_id)),
            filed_by=codes.get(row.filed_by_unit_id, str(row.filed_by_unit_id)),
            number=row.number,
            received_at=self.moment(row.received_at),
            complete=row.complete,
            body=row.payload,
        )

    def event(self, row: m.Event) -> EventOut:
        """One timeline entry."""
        return EventOut(id=row.id, at=self.moment(row.at), kind=row.kind, data=row.data)

    def escalation(self, row: m.Escalation) -> EscalationOut:
        """A fired ladder step and how late it fired."""
        return EscalationOut(
            id=row.id,
            obligation_id=row.obligation_id,
            step=row.step_key,
            scheduled_at=self.moment(row.scheduled_at),
            fired_at=self.moment(row.fired_at),
            late_seconds=int((row.fired_at - row.scheduled_at).total_seconds()),
            gaps=row.gaps,
        )

    def notification(
        self, row: m.Notification, history: list[m.NotificationEvent]
    ) -> NotificationOut:
        """A message with its delivery history."""
        return NotificationOut(
            id=row.id,
            obligation_id=row.obligation_id,
            escalation_id=row.escalation_id,
            person_id=row.person_id,
            channel=row.channel,
            to=row.address,
            subject=row.subject,
            body=row.body,
            state=row.state,
            attempts=row.attempts,
            bundled_into=row.bundled_into_id,
            sent_at=self.time(row.sent_at),
            delivered_at=self.time(row.delivered_at),
            last_error=row.last_error,
            history=[
                DeliveryOut(at=self.moment(e.at), state=e.state, detail=e.detail) for e in history
            ],
        )

    def acknowledgement(self, row: m.Acknowledgement) -> AcknowledgementOut:
        """Who said 收到, how and when."""
        return AcknowledgementOut(
            id=row.id,
            obligation_id=row.obligation_id,
            person_id=row.person_id,
            via=row.via,
            at=self.moment(row.at),
        )

    def incident(self, row: m.Incident, codes: dict[int, str]) -> IncidentSummaryOut:
        """The incident's summary."""
        return IncidentSummaryOut(
            id=row.id,
            unit=codes.get(row.unit_id, str(row.unit_id)),
            office=codes.get(row.office_id, str(row.office_id)),
            external_ref=row.external_ref,
            title=row.title,
            category=row.category,
            severity=row.severity,
            clock_severity=row.clock_severity,
            sensitive=row.sensitive,
            classified=row.classified,
            state=row.state,
            occurred_at=self.moment(row.occurred_at),
            created_at=self.moment(row.created_at),
            next_due_at=self.time(row.next_due_at),
            flags=row.flags,
            archived_at=self.time(row.archived_at),
            archived_by=row.archived_by,
        )
