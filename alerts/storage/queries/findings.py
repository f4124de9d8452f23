"""Findings (认定): an incident's findings with their decisions and evidence files, the states
the records page scores by, and the list `jibao findings list` prints."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.storage.models import Finding, FindingDecision, FindingEvidence, Incident


def findings_of(session: Session, *, incident_id: int) -> Sequence[Finding]:
    """An incident's findings in the order they were raised."""
    return session.scalars(
        select(Finding).where(Finding.incident_id == incident_id).order_by(Finding.id)
    ).all()


def finding_keys(session: Session, *, incident_id: int) -> set[str]:
    """The keys of the findings an incident has stored."""
    return set(session.scalars(select(Finding.key).where(Finding.incident_id == incident_id)))


def decisions_of(session: Session, *, finding_ids: Sequence[int]) -> Sequence[FindingDecision]:
    """The decisions about these findings, oldest first."""
    if not finding_ids:
        return []
    return session.scalars(
        select(FindingDecision)
        .where(FindingDecision.finding_id.in_(finding_ids))
        .order_by(FindingDecision.at, FindingDecision.id)
    ).all()


def evidence_of(session: Session, *, finding_ids: Sequence[int]) -> Sequence[FindingEvidence]:
    """The evidence files given about these findings (their bytes left unloaded)."""
    if not finding_ids:
        return []
    return session.scalars(
        select(FindingEvidence)
        .where(FindingEvidence.finding_id.in_(finding_ids))
        .order_by(FindingEvidence.id)
    ).all()


def finding_states(session: Session, *, unit_ids: Sequence[int]) -> dict[tuple[int, str], str]:
    """(incident id, key) → state of every finding of these units."""
    rows = session.execute(
        select(Finding.incident_id, Finding.key, Finding.state).where(Finding.unit_id.in_(unit_ids))
    )
    return {(incident_id, key): state for incident_id, key, state in rows}


def findings_listed(
    session: Session,
    *,
    office_id: int | None = None,
    incident_id: int | None = None,
    state: str | None = None,
    limit: int = 500,
) -> Sequence[Finding]:
    """Findings newest first, of one office's incidents, one incident, in one state."""
    query = select(Finding).join(Incident, Incident.id == Finding.incident_id)
    if office_id is not None:
        query = query.where(Incident.office_id == office_id)
    if incident_id is not None:
        query = query.where(Finding.incident_id == incident_id)
    if state is not None:
        query = query.where(Finding.state == state)
    return session.scalars(query.order_by(Finding.id.desc()).limit(limit)).all()
