""" "Still owed" for stored obligations: the rules' predicate (rules.model.still_owed) on a row,
and the same as SQL in a query, so every query and page asks one definition."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, and_
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped

from rules.model import OWED_STATES, still_owed

OWED_VALUES = sorted(state.value for state in OWED_STATES)


class StillOwed:
    """Mixed into the obligations table: `row.still_owed`, and `Obligation.still_owed` in a
    WHERE clause."""

    if TYPE_CHECKING:  # the table declares them; a mixin's own would be mapped as columns
        status: Mapped[str]
        met_at: Mapped[datetime | None]

    @hybrid_property
    def still_owed(self) -> bool:
        """Not met and not waived."""
        return still_owed(self.status, self.met_at)

    @still_owed.inplace.expression
    @classmethod
    def _still_owed_sql(cls) -> ColumnElement[bool]:
        return and_(cls.met_at.is_(None), cls.status.in_(OWED_VALUES))
