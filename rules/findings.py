"""Findings (认定): what the rules raise about an incident that counts in a unit's score only once
the information section has confirmed it, and the moves a decision may make.

A finding is a missed report (漏报, a unit obligation whose status is `missed`) or one of the flags
under-grading (轻报), chain breach (程序不规范) and concealment suspicion (疑似瞒报). Each is
raised once per incident and key, starts as a `candidate`, and is confirmed or dismissed with a
reason; every decision can be taken back (reopened, or turned the other way), also with a reason.

Pure: an assessment in, the findings it raises out; a state and a decision in, the next state out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from rules.model import Assessment, Party, Status

MISSED = "missed"
FLAG_KINDS = ("under_graded", "chain_breach", "concealment_suspected")
KINDS = (MISSED, *FLAG_KINDS)
# a concealment (瞒报) needs confirmation by investigation (DOMAIN §6): its confirmation carries
# evidence, written or a file; the others may be confirmed on the record alone
NEEDS_EVIDENCE = frozenset({"concealment_suspected"})


class FindingState(StrEnum):
    """Where a finding stands; only `confirmed` counts in the score."""

    CANDIDATE = "candidate"
    CONFIRMED = "confirmed"
    DISMISSED = "dismissed"


class Decision(StrEnum):
    """What the information section decides about a finding."""

    CONFIRM = "confirm"
    DISMISS = "dismiss"
    REOPEN = "reopen"  # back to candidate


_MOVES = {
    (FindingState.CANDIDATE, Decision.CONFIRM): FindingState.CONFIRMED,
    (FindingState.CANDIDATE, Decision.DISMISS): FindingState.DISMISSED,
    (FindingState.CONFIRMED, Decision.DISMISS): FindingState.DISMISSED,
    (FindingState.CONFIRMED, Decision.REOPEN): FindingState.CANDIDATE,
    (FindingState.DISMISSED, Decision.CONFIRM): FindingState.CONFIRMED,
    (FindingState.DISMISSED, Decision.REOPEN): FindingState.CANDIDATE,
}


@dataclass(frozen=True)
class Raised:
    """A finding an assessment raises: its kind, its key on the incident, when it arose, and
    what it rests on (the missed obligation's key, or the flag's filing and parameters)."""

    kind: str
    key: str
    at: datetime
    obligation_key: str | None = None
    filing_id: int | None = None
    params: dict[str, str | int] = field(default_factory=dict)


def missed_key(obligation_key: str) -> str:
    """The key of the finding a missed obligation raises."""
    return f"{MISSED}:{obligation_key}"


def raised(assessment: Assessment, now: datetime) -> list[Raised]:
    """The findings an assessment raises: each missed unit obligation (as of `now`, the moment
    it was assessed at) and the first flag of each finding kind."""
    found = [
        Raised(MISSED, missed_key(o.key), now, obligation_key=o.key)
        for o in assessment.obligations
        if o.status is Status.MISSED and o.party is Party.UNIT
    ]
    seen: set[str] = set()
    for flag in assessment.flags:
        if flag.code in FLAG_KINDS and flag.code not in seen:
            seen.add(flag.code)
            found.append(
                Raised(flag.code, flag.code, flag.at, None, flag.filing_id, dict(flag.params))
            )
    return found


def next_state(state: FindingState, decision: Decision) -> FindingState | None:
    """The state `decision` moves a finding in `state` to, or None when it may not."""
    return _MOVES.get((state, decision))


def moves_from(state: FindingState) -> tuple[Decision, ...]:
    """The decisions open to a finding in `state`, in a stable order."""
    return tuple(d for d in Decision if next_state(state, d) is not None)


def needs_evidence(kind: str, decision: Decision) -> bool:
    """Whether this decision on this kind of finding must carry evidence."""
    return decision is Decision.CONFIRM and kind in NEEDS_EVIDENCE
