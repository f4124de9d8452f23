"""`jibao doctor`: every check of a set-up in one run (config, secret key, database and schema,
clock, the units sources name, channels, public URL, records period), each finding printed with
what to fix in the configured language; exit 0 when nothing is wrong, 1 otherwise."""

from __future__ import annotations

import argparse
import os
from typing import Any
from urllib.parse import urlsplit

from alerts.cli.doctor_channels import check_channels
from alerts.cli.doctor_checks import (
    check_config,
    check_database,
    check_secret,
    fallback_database_url,
)
from alerts.cli.doctor_sources import check_sources
from alerts.cli.findings import Finding, note, ok, render
from alerts.clock import SystemClock
from alerts.config import Settings, config_path
from alerts.config_sources import SECRET_KEY
from alerts.i18n import Translator


def add_doctor_command(commands: Any) -> None:
    """Add `doctor` to the `jibao` parser; it reads config.toml itself, to report on it."""
    doctor = commands.add_parser("doctor", help="check the whole set-up and say what to fix")
    doctor.set_defaults(standalone=run_doctor)


def run_doctor(args: argparse.Namespace) -> int:
    """Check everything, print each finding and a summary; 1 when something is wrong."""
    path = config_path(args.config)
    settings, language, found = check_config(path)
    translate = Translator(language)
    now = SystemClock().now
    if settings is None:
        found += check_secret(os.environ.get(SECRET_KEY, ""))
        found += check_database(fallback_database_url(path), translate, now)
        found.append(note("channels", "channels_unchecked"))
    else:
        found += check_secret(settings.secret_key.get_secret_value())
        database = check_database(settings.database_url, translate, now)
        found += database
        if not any(finding.wrong for finding in database):
            found += check_sources(settings)
        found += check_channels(settings.notifications)
        found += _public_url(settings)
        found.append(note("records", "records", years=settings.records.keep_years))
    for finding in found:
        for line in render(finding, translate):
            print(line)
    wrong = sum(finding.wrong for finding in found)
    print(
        translate("doctor.summary_wrong", count=wrong) if wrong else translate("doctor.summary_ok")
    )
    return 1 if wrong else 0


def _public_url(settings: Settings) -> list[Finding]:
    parts = urlsplit(settings.public_url)
    if parts.scheme == "https" and parts.hostname:
        return [ok("public_url", "public_url_https", url=settings.public_url)]
    return [note("public_url", "public_url_plain", url=settings.public_url)]
