"""Who reads which notices, one rule for the API, the dashboard and the CLI: the office (its
token; on the dashboard everyone but a unit officer) reads all of its notices, drafts too; a
unit reads only the approved notices addressed to it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from alerts.notices.drafting import APPROVED
from alerts.notices.sources import MAX_ID
from alerts.storage import models as m
from alerts.storage.queries.notices import notices_listed
from alerts.storage.queries.units import reporting_office


@dataclass(frozen=True)
class View:
    """The notices one reader sees: the office's, all of them (`unit_id` None) or only the
    approved ones of one unit."""

    office: m.Unit
    unit_id: int | None

    @property
    def is_office(self) -> bool:
        """Reads everything of the office, drafts and candidates too."""
        return self.unit_id is None

    def sees(self, notice: m.Notice) -> bool:
        """Whether this reader may read `notice`."""
        if notice.office_id != self.office.id:
            return False
        return self.is_office or (notice.unit_id == self.unit_id and notice.state == APPROVED)

    def notices(self, session: Session, *, incident_id: int | None = None) -> Sequence[m.Notice]:
        """The notices this reader sees, newest first (drafts first for the office)."""
        return notices_listed(
            session,
            office_id=self.office.id,
            unit_id=self.unit_id,
            incident_id=incident_id,
            state=None if self.is_office else APPROVED,
        )


def notice_for(session: Session, view: View, notice_id: int) -> m.Notice | None:
    """The notice with this id if this reader sees it (an id no row can have names none)."""
    row = session.get(m.Notice, notice_id) if 1 <= notice_id <= MAX_ID else None
    return row if row is not None and view.sees(row) else None


def view_of(session: Session, unit: m.Unit, *, office_reader: bool) -> View | None:
    """A reader's view: `office_reader` reads as the office it reports to (its own, if it is
    one), else as `unit`; None when the unit reports to no office."""
    office = reporting_office(session, unit=unit)
    if office is None:
        return None
    return View(office, None if office_reader else unit.id)


def api_view(session: Session, caller: m.Unit) -> View | None:
    """A token's view: the office's token reads as the office, any other as its unit."""
    return view_of(session, caller, office_reader=caller.is_office)
