"""What the sources routes answer: each alert of the request and what became of it."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from alerts.api.schemas import Out


class SourceAlertOut(Out):
    """One alert of the request, in the order sent."""

    fingerprint: str
    status: Literal["firing", "resolved"]
    outcome: Literal["registered", "followed_up", "unchanged"] = Field(
        description="registered: a new incident; followed_up: a registration on its incident; "
        "unchanged: a repeat that says nothing new, nothing filed"
    )
    incident_id: int
    filing_id: int | None = Field(description="None when nothing was filed")


class SourceOut(Out):
    """The answer to a source's delivery: every alert's outcome; all were taken."""

    source: str
    alerts: list[SourceAlertOut]
