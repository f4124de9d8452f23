"""What `jibao doctor` found: each finding a level, what it is about, what was seen and what to
do, as catalogue keys (`doctor.…`) so it is shown in the configured language."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from alerts.i18n import Translator

Level = Literal["ok", "note", "problem"]
MARKS = {"ok": "✓", "note": "·", "problem": "✗"}


@dataclass(frozen=True)
class Finding:
    """One thing checked. `text` is a line already in words (the start-up checks' own); else
    `key` with `params` is looked up under `doctor.`, and `fix` under `doctor.fix.`."""

    level: Level
    subject: str
    key: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    fix: str = ""
    text: str = ""

    @property
    def wrong(self) -> bool:
        """Whether this finding is a reason for a non-zero exit."""
        return self.level == "problem"


def ok(subject: str, key: str, **params: Any) -> Finding:
    """A check that passed."""
    return Finding("ok", subject, key, params)


def note(subject: str, key: str, **params: Any) -> Finding:
    """Worth knowing, not wrong (a channel running dry, say)."""
    return Finding("note", subject, key, params)


def problem(subject: str, key: str, fix: str = "", **params: Any) -> Finding:
    """Something to put right, and how."""
    return Finding("problem", subject, key, params, fix)


def said(subject: str, text: str) -> Finding:
    """A problem already in words (a config line, a start-up line that names its own fix)."""
    return Finding("problem", subject, text=text)


def render(finding: Finding, translate: Translator) -> list[str]:
    """The finding's line, and the line saying what to fix."""
    subject = translate(f"doctor.subject.{finding.subject}")
    what = finding.text or translate(f"doctor.{finding.key}", **finding.params)
    lines = [translate("doctor.line", mark=MARKS[finding.level], subject=subject, what=what)]
    if finding.fix:
        fix = translate(f"doctor.fix.{finding.fix}", **finding.params)
        lines.append("    " + translate("doctor.fix_label") + fix)
    return lines
