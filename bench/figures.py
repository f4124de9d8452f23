"""A benchmark's headline figures, each beside its limit: what `--json` writes and
bench/report.py turns into the README's table."""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass(frozen=True)
class Figure:
    """One measured figure and what it is held against.

    `limit` is the target, or for filings the bare app's own figure in the same run; `ratio`
    is oriented so that more is better (value / limit, or limit / value for times and memory)
    and the figure meets its goal when `ratio >= goal`."""

    bench: str
    backend: str
    name: str
    value: float
    unit: str
    limit: float
    limit_is: str  # "target" or "bare app"
    higher_is_better: bool
    goal: float = 1.0

    @property
    def ratio(self) -> float:
        if self.higher_is_better:
            return self.value / self.limit if self.limit else math.nan
        return self.limit / self.value if self.value else math.inf

    @property
    def met(self) -> bool:
        return not math.isnan(self.ratio) and self.ratio >= self.goal


def write_figures(path: Path, figures: list[Figure]) -> None:
    path.write_text(json.dumps([asdict(f) for f in figures], ensure_ascii=False, indent=1))


def read_figures(path: Path) -> list[Figure]:
    return [Figure(**item) for item in json.loads(path.read_text())]
