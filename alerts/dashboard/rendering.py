"""Rendering dashboard pages: one Jinja2 environment, the viewer's language (cookie `lang`,
else the configured one), times in the configured zone."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from alerts.dashboard.auth import Viewer
from alerts.i18n import LANGUAGES, Translator
from rules.escalation import RESERVED_STEP_KEYS

TEMPLATES = Path(__file__).parent / "templates"
LANG_COOKIE = "lang"


class Pages:
    """Renders templates with the helpers every page uses."""

    def __init__(self, default_language: str, zone: ZoneInfo) -> None:
        self.default_language = default_language
        self.zone = zone
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
            iso=self.iso,
            step=self.step_label(language),
            path=request.url.path,
            **context,
        )
        return HTMLResponse(html, status_code=status)

    def step_label(self, language: str) -> Any:
        """A ladder step key in words: `due+60m#3` → 到期后60m（第3次）."""
        t = self.translators[language]

        def label(key: str) -> str:
            base, _, repeat = key.partition("#")
            if base == "remind":
                words = t("ui.step_remind")
            elif base == "due":
                words = t("ui.step_due")
            elif base in RESERVED_STEP_KEYS:
                words = t(f"ui.step_{base}")
            elif base.startswith("due+"):
                words = t("ui.step_after", offset=base.removeprefix("due+"))
            else:
                words = base
            return words + (t("ui.step_repeat", n=repeat) if repeat else "")

        return label

    def local(self, moment: datetime | None, fmt: str = "%m-%d %H:%M") -> str:
        """A moment as people here read it."""
        return moment.astimezone(self.zone).strftime(fmt) if moment else ""

    def iso(self, moment: datetime | None) -> str:
        """A moment for a data attribute."""
        return moment.astimezone(self.zone).isoformat() if moment else ""
