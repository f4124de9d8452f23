"""Build one notifier per channel from settings; a channel without credentials runs dry."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from pydantic import SecretStr

from alerts.config import EmailConfig, NotificationSettings, UpwardSettings
from alerts.escalation.provider_channels import routed
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
    """sms, voice, email and webhook:NAME notifiers; dry where credentials are missing.

    Each notifier's module is imported only when its channel is configured: the client
    libraries behind them cost resident memory an office that does not use them should not pay
    (bench/idle_memory.py)."""
    notifiers: dict[str, Notifier] = {}
    twilio = settings.twilio
    token = twilio.auth_token.get_secret_value()
    if twilio.account_sid and token and twilio.from_number:
        from notifiers.sms import SmsNotifier
        from notifiers.twilio_client import TwilioSettings
        from notifiers.voice import VoiceNotifier

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
        from notifiers.email import EmailNotifier, EmailSettings

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
        from notifiers.webhook import WebhookNotifier, WebhookSettings

        secret = settings.webhook_secrets.get(hook.name, SecretStr(""))
        notifiers[f"webhook:{hook.name}"] = WebhookNotifier(
            WebhookSettings(
                name=hook.name,
                url=hook.url,
                secret=secret.get_secret_value() or None,
                timeout_seconds=hook.timeout_seconds,
            )
        )
    notifiers.update(robot_notifiers(settings))
    for channel in ("sms", "voice", "email"):
        if channel not in notifiers:
            notifiers[channel] = DryNotifier(channel)
    routed(settings, notifiers)  # sms and voice over their providers (Aliyun, Tencent, Twilio)
    for channel in ("sms", "voice", "email"):
        if isinstance(notifiers[channel], DryNotifier):
            log.warning("channel %s has no credentials: it runs dry (recorded, not sent)", channel)
    return notifiers


def robot_notifiers(settings: NotificationSettings) -> dict[str, Notifier]:
    """robot:NAME for each group robot; DingTalk and Feishu sign with JIBAO_ROBOT_SECRET_<NAME>."""
    notifiers: dict[str, Notifier] = {}
    for robot in settings.robots:
        from notifiers.robots import RobotNotifier, RobotSettings

        secret = settings.robot_secrets.get(robot.name, SecretStr("")).get_secret_value()
        notifiers[f"robot:{robot.name}"] = RobotNotifier(
            RobotSettings(
                name=robot.name,
                kind=robot.kind,
                url=robot.url,
                secret=secret or None,
                timeout_seconds=robot.timeout_seconds,
            )
        )
    return notifiers


def dry_channels(notifiers: Mapping[str, Notifier]) -> list[str]:
    """The channels that only record."""
    return sorted(name for name, notifier in notifiers.items() if isinstance(notifier, DryNotifier))
