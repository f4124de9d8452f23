"""The tables of findings (认定): one row per finding the rules raised on an incident, with where
it stands; every decision about it, only ever added; and the files given as evidence, kept in
the database with the decision they came with (decision 0016)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from alerts.storage.base import Base


class Finding(Base):
    """A missed report or a flag (under-graded, chain breach, suspected concealment) the rules
    raised on an incident, and its state: candidate, confirmed or dismissed."""

    __tablename__ = "findings"
    __table_args__ = (UniqueConstraint("incident_id", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)  # whose finding
    kind: Mapped[str] = mapped_column(String(32))  # missed | under_graded | chain_breach | …
    key: Mapped[str] = mapped_column(String(64))  # `missed:initial`, or the flag's code
    state: Mapped[str] = mapped_column(String(16))  # candidate | confirmed | dismissed
    raised_at: Mapped[datetime]
    obligation_id: Mapped[int | None] = mapped_column(ForeignKey("obligations.id"))
    filing_id: Mapped[int | None] = mapped_column(ForeignKey("filings.id"))
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)  # the flag's, for its message
    updated_at: Mapped[datetime]


class FindingDecision(Base):
    """One decision about a finding: who, when, from which state to which, why, and the
    evidence written with it. Rows are only ever added."""

    __tablename__ = "finding_decisions"
    id: Mapped[int] = mapped_column(primary_key=True)
    finding_id: Mapped[int] = mapped_column(ForeignKey("findings.id"), index=True)
    decision: Mapped[str] = mapped_column(String(16))  # confirm | dismiss | reopen
    from_state: Mapped[str] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime]
    by: Mapped[str] = mapped_column(String(100))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: by API token
    reason: Mapped[str] = mapped_column(Text)
    evidence: Mapped[str] = mapped_column(Text, default="")


class FindingEvidence(Base):
    """A file given as evidence with a decision: its bytes, checked type and digest."""

    __tablename__ = "finding_evidence"
    id: Mapped[int] = mapped_column(primary_key=True)
    finding_id: Mapped[int] = mapped_column(ForeignKey("findings.id"), index=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("finding_decisions.id"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    # loaded only when the file itself is asked for: listings read the other columns
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    added_at: Mapped[datetime]
