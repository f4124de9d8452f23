"""Render one escalation message for one channel, in the configured language.

Classified (涉密) incidents say only that an incident needs attention, and give the link. A
message about a leader's instruction itself (its relay to a unit, the 督办 when its feedback is
overdue) has templates of its own, `relay_*` and `supervise_*`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from rules import words

TEMPLATES = Path(__file__).parent / "templates"
_UNITS = {"zh_CN": ("小时", "分钟", "秒"), "en": ("hour", "minute", "second")}


@dataclass(frozen=True)
class InstructionNote:
    """What a message about a leader's instruction itself says, besides the clock it is on."""

    kind: str  # relay | supervise: which templates (`relay_sms.txt`, `supervise_email.txt`, …)
    issuer: str  # post and name, as written
    instruction_type: str  # act | guidance | reference
    text: str  # exactly as written
    received_at: datetime
    feedback_due_at: datetime | None  # None: 参阅, no feedback owed


@dataclass(frozen=True)
class About:
    """What a message is about."""

    unit_name: str  # who owes it
    incident_title: str
    obligation_kind: str  # initial, written, upward, followup, change, final
    number: int | None  # 续报 N
    due_at: datetime
    now: datetime
    classified: bool
    ack_code: str
    ack_url: str
    instruction: InstructionNote | None = None  # a relay or 督办 message, not a ladder rung's


@dataclass(frozen=True)
class Rendered:
    """A message's subject, plain text and (email) HTML."""

    subject: str
    text: str
    html: str | None = None


class Messages:
    """Templates of one language."""

    def __init__(self, language: str, zone: ZoneInfo, *, ack_pause: timedelta) -> None:
        self.language = language
        self.zone = zone
        self.ack_pause = ack_pause  # said in the message, so it must be the configured one
        self.env = Environment(
            loader=FileSystemLoader(TEMPLATES / language),
            undefined=StrictUndefined,
            autoescape=lambda name: bool(name and name.endswith(".html")),
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
            auto_reload=False,  # shipped templates: no file check on every message
        )

    def render(self, channel: str, about: About) -> Rendered:
        """The message for `channel` (sms, voice, email, webhook)."""
        return self._render(channel, about, self._context(about))

    def render_with_summary(self, channel: str, about: About) -> tuple[Rendered, str]:
        """The message for `channel` and its one-line summary (for a bundle), from one context."""
        context = self._context(about)
        prefix = f"{about.instruction.kind}_" if about.instruction else ""
        summary = self.env.get_template(f"{prefix}summary.txt").render(context).strip()
        return self._render(channel, about, context), summary

    def _render(self, channel: str, about: About, context: dict[str, object]) -> Rendered:
        prefix = f"{about.instruction.kind}_" if about.instruction else ""
        subject = self.env.get_template(f"{prefix}subject.txt").render(context).strip()
        name = "sms" if channel == "webhook" else channel
        text = self.env.get_template(f"{prefix}{name}.txt").render(context).strip()
        html = (
            self.env.get_template(f"{prefix}email.html").render(context)
            if channel == "email"
            else None
        )
        return Rendered(subject, text, html)

    def notice(self, name: str, **context: object) -> str:
        """A roster notice (handover, gap, duty check) from template `name`."""
        return self.env.get_template(f"{name}.txt").render(**context).strip()

    def local(self, moment: datetime) -> str:
        """A moment as people here read it: `11-21 08:30`."""
        return moment.astimezone(self.zone).strftime("%m-%d %H:%M")

    def bundle(self, summaries: list[str], link: str | None) -> str:
        """One message for a burst of items to one person (the outbox's throttle)."""
        return self.env.get_template("bundle.txt").render(items=summaries, link=link).strip()

    def digest(self, summaries: list[str]) -> str:
        """The daily message listing what is still owed after the ladders fell silent."""
        return self.env.get_template("digest.txt").render(items=summaries).strip()

    def _context(self, about: About) -> dict[str, object]:
        overdue = int((about.now - about.due_at).total_seconds() // 60)
        note = about.instruction
        feedback_due = note.feedback_due_at if note else None
        return {
            "a": about,
            "n": note,
            "due": self.local(about.due_at),
            "received": self.local(note.received_at) if note else "",
            "feedback_due": self.local(feedback_due) if feedback_due else "",
            "sms_text": _shortened(note.text, SMS_TEXT_MAX) if note else "",
            "brief": _shortened(note.text, BRIEF_CHARS) if note else "",
            "late_minutes": max(overdue, 0),
            "minutes_left": max(-overdue, 0),
            "overdue": overdue >= 0,
            "late_words": words.overdue(max(about.now - about.due_at, timedelta(0)), self.language),
            "left_words": words.span(max(about.due_at - about.now, timedelta(0)), self.language),
            "ack_pause": self.span(self.ack_pause),
        }

    def span(self, length: timedelta) -> str:
        """A length of time in words: `1 小时 30 分钟`, `90 seconds`."""
        hours, rest = divmod(int(length.total_seconds()), 3600)
        minutes, seconds = divmod(rest, 60)
        units = _UNITS[self.language]
        parts = [
            f"{count} {units[i] if count == 1 or self.language != 'en' else units[i] + 's'}"
            for i, count in enumerate((hours, minutes, seconds))
            if count
        ]
        return " ".join(parts) or f"0 {units[1]}"


SMS_TEXT_MAX = 500  # characters of an instruction's text in a relay SMS; the email has it all
BRIEF_CHARS = 20  # of its text, naming the instruction in a 督办


def _shortened(text: str, limit: int) -> str:
    """Whole when it fits, else its start and an ellipsis."""
    return text if len(text) <= limit else text[:limit] + "…"
