"""Rendering dashboard pages: one Jinja2 environment, the viewer's language (cookie `lang`,
else the configured one), times in the configured zone."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from alerts.dashboard.auth import Viewer
from alerts.i18n import LANGUAGES, Translator
from rules import words
from rules.durations import parse_duration
from rules.escalation import RESERVED_STEP_KEYS, Policy, Step

TEMPLATES = Path(__file__).parent / "templates"
LANG_COOKIE = "lang"


class Pages:
    """Renders templates with the helpers every page uses."""

    def __init__(
        self, default_language: str, zone: ZoneInfo, *, policy: Policy | None = None
    ) -> None:
        self.default_language = default_language
        self.zone = zone
        self.steps = _steps_by_key(policy)
        self.env = Environment(
            loader=FileSystemLoader(TEMPLATES),
            autoescape=select_autoescape(["html"]),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.translators = {lang: Translator(lang) for lang in LANGUAGES}

    def language(self, request: Request) -> str:
        """The viewer's language."""
        chosen = request.cookies.get(LANG_COOKIE, "")
        return chosen if chosen in LANGUAGES else self.default_language

    def render(
        self,
        request: Request,
        name: str,
        viewer: Viewer | None,
        *,
        status: int = 200,
        **context: Any,
    ) -> HTMLResponse:
        """A whole page or a fragment."""
        language = self.language(request)
        html = self.env.get_template(name).render(
            request=request,
            viewer=viewer,
            lang=language,
            t=self.translators[language],
            local=self.local,
            short_time=self.short_time,
            iso=self.iso,
            step=self.step_label(language),
            countdown=lambda due, now: words.countdown(due - now, language),
            overdue=lambda due, now: words.overdue(now - due, language),
            path=request.url.path,
            **context,
        )
        return HTMLResponse(html, status_code=status)

    def step_label(self, language: str) -> Any:
        """A ladder step key in words: its `label` in config, else its moment against the due
        time (`due+60m#3` → 到期后 1 小时（第3次）), never the key's spelling."""
        t = self.translators[language]

        def label(key: str) -> str:
            base, _, repeat = key.partition("#")
            step = self.steps.get(base)
            if base in RESERVED_STEP_KEYS:
                text = t(f"ui.step_{base}")
            elif step is not None and step.label:
                text = step.label
            elif step is not None:
                text = words.offset(step.offset, language)
            else:
                text = _unknown_step(base, language, t("ui.step_remind"))
            return text + (t("ui.step_repeat", n=repeat) if repeat else "")

        return label

    def local(self, moment: datetime | None, fmt: str = "%m-%d %H:%M") -> str:
        """A moment as people here read it."""
        return moment.astimezone(self.zone).strftime(fmt) if moment else ""

    def short_time(self, moment: datetime, now: datetime) -> str:
        """A moment by its time of day, with its date too when it is not today here."""
        here, today = moment.astimezone(self.zone), now.astimezone(self.zone)
        return here.strftime("%H:%M" if here.date() == today.date() else "%m-%d %H:%M")

    def iso(self, moment: datetime | None) -> str:
        """A moment for a data attribute."""
        return moment.astimezone(self.zone).isoformat() if moment else ""


def _steps_by_key(policy: Policy | None) -> dict[str, Step]:
    """Every configured rung by its key (the first ladder naming a key gives its words)."""
    found: dict[str, Step] = {}
    if policy is None:
        return found
    for ladder in (
        policy.unit,
        policy.office,
        policy.instruction_unit,
        policy.instruction_office,
    ):
        for step in ladder:
            found.setdefault(step.key, step)
    return found


def _unknown_step(base: str, language: str, remind: str) -> str:
    """A key no longer in config, read the way the sample config spells its keys."""
    if base == "remind":
        return remind
    if base == "due":
        return words.offset(timedelta(0), language)
    if base.startswith("due+"):
        try:
            return words.offset(parse_duration(base.removeprefix("due+")), language)
        except ValueError:
            return base
    return base
