"""Which grade the clocks run on, and which grade an accident's own figures imply."""

from __future__ import annotations

from rules.model import Casualties, Category, Severity
from rules.ruleset import Ruleset


def clock_severity(stated: Severity | None, sensitive: bool, ruleset: Ruleset) -> Severity:
    """The grade whose clocks apply: ungraded and sensitive events are lifted (docs/rules.md)."""
    grade = stated if stated is not None else ruleset.ungraded_as
    if sensitive and ruleset.sensitive_at_least.is_more_serious_than(grade):
        return ruleset.sensitive_at_least
    return grade


def implied_severity(
    category: Category | None, casualties: Casualties | None, ruleset: Ruleset
) -> Severity | None:
    """The grade a production-safety accident's figures imply, or None when they imply nothing."""
    if category is not Category.ACCIDENT or casualties is None:
        return None
    dead = casualties.dead if isinstance(casualties.dead, int) else 0
    injured = casualties.seriously_injured if isinstance(casualties.seriously_injured, int) else 0
    for threshold in ruleset.implied_grades:  # most serious first
        if dead >= threshold.dead or injured >= threshold.seriously_injured:
            return threshold.grade
    return None


def is_under_graded(
    stated: Severity | None,
    category: Category | None,
    casualties: Casualties | None,
    ruleset: Ruleset,
) -> Severity | None:
    """The implied grade when it is more serious than the stated one (轻报), else None."""
    implied = implied_severity(category, casualties, ruleset)
    if implied is not None and stated is not None and implied.is_more_serious_than(stated):
        return implied
    return None


def figures_rose(before: Casualties | None, after: Casualties | None) -> bool:
    """True when any known figure in `after` is above the same known figure in `before`."""
    if after is None:
        return False
    before = before or Casualties()
    for name in ("dead", "missing", "seriously_injured", "injured", "trapped"):
        old, new = getattr(before, name), getattr(after, name)
        if isinstance(new, int) and isinstance(old, int) and new > old:
            return True
    return False
