"""Server-rendered charts (SVG, no script, no CDN): the geometry here, the drawing in templates.

`clock_chart`: an incident's clocks as bars from anchor to due time, with the moment each was met
(or how far past due it still is). Everything is in the SVG's own units; the page scales it to
its width."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Any

LABEL_WIDTH = 210  # room for 「续报二 · 千岛湖镇」 at the chart's font size
PLOT_WIDTH = 560
ROW_HEIGHT = 26
AXIS_HEIGHT = 24
STEPS = tuple(
    timedelta(minutes=m)
    for m in (5, 10, 15, 30, 60, 120, 180, 360, 720, 1440, 2880, 10080, 20160, 43200)
)
MAX_TICKS = 8


@dataclass(frozen=True)
class ClockBar:
    """One clock: the span it ran (anchor to due), the overrun past due, where it was met."""

    row: Any  # the obligation, for the template's words
    y: float
    x: float
    width: float
    over_x: float  # the overrun: from due to met (late) or to now (still owed past due)
    over_width: float
    met_x: float | None
    tone: str  # met | late | missed | pending | overdue | waived


@dataclass(frozen=True)
class Tick:
    """A round moment on the time axis; the first and each local midnight show their date."""

    x: float
    at: datetime
    dated: bool


@dataclass(frozen=True)
class ClockChart:
    width: float
    height: float
    label_width: float
    bars: tuple[ClockBar, ...]
    ticks: tuple[Tick, ...]
    now_x: float | None  # the now line, when something is still owed


def clock_chart(obligations: Sequence[Any], now: datetime, zone: tzinfo) -> ClockChart | None:
    """Bars for rows with `anchor_at`, `due_at`, `met_at` and `status`, ticks on round local
    times of `zone`; None for no rows."""
    if not obligations:
        return None
    owed = any(o.status == "pending" for o in obligations)
    start: datetime = min(o.anchor_at for o in obligations)
    moments = [o.due_at for o in obligations] + [o.met_at for o in obligations if o.met_at]
    end = max([*moments, now] if owed else moments)
    if end <= start:
        end = start + timedelta(minutes=30)
    span = (end - start).total_seconds()

    def x(moment: datetime) -> float:
        return float(LABEL_WIDTH + PLOT_WIDTH * (moment - start).total_seconds() / span)

    bars = []
    for i, o in enumerate(obligations):
        y = AXIS_HEIGHT + i * ROW_HEIGHT
        x0, x1 = x(o.anchor_at), x(o.due_at)
        finish = o.met_at or (now if o.status == "pending" else o.due_at)
        over = max(0.0, x(finish) - x1) if finish > o.due_at else 0.0
        bars.append(
            ClockBar(
                row=o,
                y=y,
                x=x0,
                width=max(1.0, x1 - x0),
                over_x=x1,
                over_width=over,
                met_x=x(o.met_at) if o.met_at else None,
                tone=_tone(o, now),
            )
        )
    return ClockChart(
        width=LABEL_WIDTH + PLOT_WIDTH + 10,
        height=AXIS_HEIGHT + len(bars) * ROW_HEIGHT + 4,
        label_width=LABEL_WIDTH,
        bars=tuple(bars),
        ticks=tuple(
            Tick(x(t), t, i == 0 or t.astimezone(zone).hour == t.astimezone(zone).minute == 0)
            for i, t in enumerate(_ticks(start, end, zone))
        ),
        now_x=x(now) if owed and start <= now <= end else None,
    )


def _tone(o: Any, now: datetime) -> str:
    if o.status == "pending":
        return "overdue" if o.due_at < now else "pending"
    return str(o.status)


def _ticks(start: datetime, end: datetime, zone: tzinfo) -> list[datetime]:
    """Round moments across [start, end], at most MAX_TICKS of them."""
    span = end - start
    step = next((s for s in STEPS if span / s <= MAX_TICKS), STEPS[-1])
    seconds = int(step.total_seconds())
    offset = zone.utcoffset(start) or timedelta()
    local_seconds = int(start.timestamp() + offset.total_seconds())  # so 00:00 local is a tick
    first = start + timedelta(seconds=(-local_seconds) % seconds)
    ticks: list[datetime] = []
    moment = first
    while moment <= end and len(ticks) <= MAX_TICKS:
        ticks.append(moment)
        moment += step
    return ticks
