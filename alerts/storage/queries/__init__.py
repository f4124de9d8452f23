"""Read models and small writes, one module per capability; every function takes keyword
arguments and none commits: the caller owns the transaction.

    units       units, tokens, the reporting tree
    filing      an incident's filings, obligations, waivers, timeline; idempotency records
    escalation  ladder steps, messages and their delivery history, acknowledgements
    roster      vacancies, people, swaps, handovers, duty checks, special periods
    board       the Now page: open incidents at their most urgent obligation
    instruction_listing  leader instructions with each unit's stage and owed clocks
    records     the Records page: the facts rules/compliance.py scores
    messages    the Messages page: notifications searched and paged
    audit       the configuration audit: recorded changes searched and paged

The names below were importable from `alerts.storage.queries` before it became a package and
still are; new code imports from the capability's module."""

from alerts.storage.queries.escalation import (
    acknowledgements_of,
    delivery_history,
    escalations_of,
    notifications_of,
)
from alerts.storage.queries.filing import (
    events_of,
    filings_of,
    idempotency_record,
    obligations_of,
    waivers_of,
)
from alerts.storage.queries.roster import role_vacancies
from alerts.storage.queries.units import (
    add_token,
    add_unit,
    all_units,
    hash_token,
    office,
    reporting_office,
    unit_by_code,
    unit_by_token,
)

__all__ = [
    "acknowledgements_of",
    "add_token",
    "add_unit",
    "all_units",
    "delivery_history",
    "escalations_of",
    "events_of",
    "filings_of",
    "hash_token",
    "idempotency_record",
    "notifications_of",
    "obligations_of",
    "office",
    "reporting_office",
    "role_vacancies",
    "unit_by_code",
    "unit_by_token",
    "waivers_of",
]
