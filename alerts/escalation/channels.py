"""Build one notifier per channel from settings; a channel without credentials runs dry."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from pydantic import SecretStr

from alerts.config import EmailConfig, NotificationSettings, UpwardSettings
from notifiers.base import Notifier
from notifiers.dry import DryNotifier

log = logging.getLogger(__name__)


def parent_notifiers(
    settings: UpwardSettings, email: EmailConfig | None = None
) -> dict[str, Notifier]:
    """jibao:NAME for each parent, by its route (what each route needs is checked at start)."""
    from alerts.upward.channels import route_notifiers

    return route_notifiers(settings, email)


def build_notifiers(settings: NotificationSettings, public_url: str) -> dict[str, Notifier]:
    """sms, voice, email and webhook:NAME notifiers; dry where credentials are missing."""
    from notifiers.email import EmailNotifier, EmailSettings
    from notifiers.sms import SmsNotifier
    from notifiers.twilio_client import TwilioSettings
    from notifiers.voice import VoiceNotifier
    from notifiers.webhook import WebhookNotifier, WebhookSettings

    notifiers: dict[str, Notifier] = {}
    twilio = settings.twilio
    token = twilio.auth_token.get_secret_value()
    if twilio.account_sid and token and twilio.from_number:
        config = TwilioSettings(
            account_sid=twilio.account_sid,
            auth_token=token,
            from_number=twilio.from_number,
            api_base_url=twilio.api_base_url,
            callback_base_url=public_url,
            timeout_seconds=twilio.timeout_seconds,
        )
        notifiers["sms"], notifiers["voice"] = SmsNotifier(config), VoiceNotifier(config)
    email = settings.email
    if email.host:
        notifiers["email"] = EmailNotifier(
            EmailSettings(
                host=email.host,
                port=email.port,
                security=email.security,
                username=email.username or None,
                password=email.password.get_secret_value() or None,
                from_address=email.from_address,
                timeout_seconds=email.timeout_seconds,
            )
        )
    for hook in settings.webhooks:
        secret = settings.webhook_secrets.get(hook.name, SecretStr(""))
        notifiers[f"webhook:{hook.name}"] = WebhookNotifier(
            WebhookSettings(
                name=hook.name,
                url=hook.url,
                secret=secret.get_secret_value() or None,
                timeout_seconds=hook.timeout_seconds,
            )
        )
    for channel in ("sms", "voice", "email"):
        if channel not in notifiers:
            log.warning("channel %s has no credentials: it runs dry (recorded, not sent)", channel)
            notifiers[channel] = DryNotifier(channel)
    return notifiers


def dry_channels(notifiers: Mapping[str, Notifier]) -> list[str]:
    """The channels that only record."""
    return sorted(name for name, notifier in notifiers.items() if isinstance(notifier, DryNotifier))
