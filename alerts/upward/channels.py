"""One notifier per parent, by its route, under the channel key `jibao:NAME` (every route's
outbox rows are on channel `jibao`, address the parent's name: alerts/upward/delivery.py):
`jibao` notifiers/jibao.py, `email` notifiers/upward_email.py through the office's SMTP
server, `webhook` notifiers/upward_webhook.py. A parent whose credentials are missing gets
none (start-up refuses such a config: alerts/config_sources.py parent_problems), so its rows
fail for good, visibly, rather than run dry."""

from __future__ import annotations

from pydantic import SecretStr

from alerts.config import EmailConfig, UpwardSettings
from alerts.upward.downward import CHILD_PREFIX, PATH
from notifiers.base import Notifier


def route_notifiers(settings: UpwardSettings, email: EmailConfig | None) -> dict[str, Notifier]:
    """`jibao:NAME` for each parent that can be reached."""
    if not settings.parents and not settings.children:
        return {}  # and aiohttp, which the routes post with, stays out of memory
    from notifiers.email import EmailSettings
    from notifiers.jibao import JibaoNotifier, JibaoSettings
    from notifiers.upward_email import UpwardEmailNotifier
    from notifiers.upward_webhook import UpwardWebhookNotifier, UpwardWebhookSettings

    notifiers: dict[str, Notifier] = {}
    for parent in settings.parents:
        token = settings.tokens.get(parent.name, SecretStr("")).get_secret_value()
        secret = settings.secrets.get(parent.name, SecretStr("")).get_secret_value()
        key = f"jibao:{parent.name}"
        if parent.route == "jibao" and token and parent.url:
            notifiers[key] = JibaoNotifier(
                JibaoSettings(
                    name=parent.name,
                    url=parent.url,
                    token=token,
                    secret=secret or None,
                    timeout_seconds=parent.timeout_seconds,
                )
            )
        elif parent.route == "webhook" and secret and parent.url:
            notifiers[key] = UpwardWebhookNotifier(
                UpwardWebhookSettings(
                    name=parent.name,
                    url=parent.url,
                    secret=secret,
                    timeout_seconds=parent.timeout_seconds,
                )
            )
        elif parent.route == "email" and parent.email and email is not None and email.host:
            smtp = EmailSettings(
                host=email.host,
                port=email.port,
                security=email.security,
                username=email.username or None,
                password=email.password.get_secret_value() or None,
                from_address=email.from_address,
                timeout_seconds=min(email.timeout_seconds, parent.timeout_seconds),
            )
            notifiers[key] = UpwardEmailNotifier(smtp, to=parent.email)
    for child in settings.children:
        secret = settings.child_secrets.get(child.unit, SecretStr("")).get_secret_value()
        if secret:
            notifiers[f"jibao:{CHILD_PREFIX}{child.unit}"] = UpwardWebhookNotifier(
                UpwardWebhookSettings(
                    name=child.unit,
                    url=child.url + PATH,
                    secret=secret,
                    timeout_seconds=child.timeout_seconds,
                )
            )
    return notifiers
