"""`jibao doctor`'s checks of the notification channels: Twilio (credentials complete, the API
answering and accepting them), SMTP (connect, EHLO, STARTTLS and login as configured, with a
short timeout), outgoing webhooks (a URL that can be called); a channel without credentials is
named as dry. Nothing is sent."""

from __future__ import annotations

import base64
import smtplib
import socket
import ssl
import urllib.error
import urllib.request
from urllib.parse import quote, urlsplit

from alerts.cli.doctor_providers import check_providers
from alerts.cli.doctor_robots import check_robots
from alerts.cli.findings import Finding, note, ok, problem
from alerts.config import EmailConfig, NotificationSettings, TwilioConfig

PROBE_TIMEOUT = 5.0  # seconds at most per network step, whatever the channel's own timeout


def check_channels(settings: NotificationSettings) -> list[Finding]:
    """A finding or two for each channel."""
    found = check_twilio(settings.twilio) + check_email(settings.email)
    for hook in settings.webhooks:
        found += check_webhook(hook.name, hook.url, signed=hook.name in settings.webhook_secrets)
    return found + check_providers(settings.providers) + check_robots(settings)


def check_twilio(twilio: TwilioConfig) -> list[Finding]:
    """SMS and voice: dry without credentials; otherwise the account as the API sees it."""
    token = twilio.auth_token.get_secret_value()
    given = {"account_sid": twilio.account_sid, "from_number": twilio.from_number, "token": token}
    if not any(given.values()):
        return [note("twilio", "dry_twilio")]
    missing = [name for name, value in given.items() if not value]
    if missing:
        return [problem("twilio", "twilio_incomplete", fix="twilio", missing=", ".join(missing))]
    base = twilio.api_base_url.rstrip("/")
    url = f"{base}/2010-04-01/Accounts/{quote(twilio.account_sid)}.json"
    request = urllib.request.Request(url, headers={"Authorization": _basic(twilio, token)})
    timeout = min(twilio.timeout_seconds, PROBE_TIMEOUT)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            status = answer.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return [problem("twilio", "twilio_unreachable", fix="network", url=base, detail=reason)]
    if status in (401, 403):
        return [problem("twilio", "twilio_refused", fix="twilio_token", status=status)]
    if status >= 400:
        return [problem("twilio", "twilio_status", fix="twilio", url=base, status=status)]
    return [ok("twilio", "twilio_ok", url=base)]


def _basic(twilio: TwilioConfig, token: str) -> str:
    pair = f"{twilio.account_sid}:{token}".encode()
    return "Basic " + base64.b64encode(pair).decode("ascii")


def check_email(email: EmailConfig) -> list[Finding]:
    """Email: dry without a host; otherwise a conversation with the server up to the login."""
    if not email.host:
        return [note("email", "dry_email")]
    password = email.password.get_secret_value()
    where = {"host": email.host, "port": email.port}
    if email.username and not password:
        return [problem("email", "smtp_no_password", fix="smtp_password", **where)]
    timeout = min(email.timeout_seconds, PROBE_TIMEOUT)
    try:
        logged_in = _talk_smtp(email, password, timeout)
    except smtplib.SMTPAuthenticationError as exc:
        error = exc.smtp_error
        detail = error.decode(errors="replace") if isinstance(error, bytes) else error
        return [problem("email", "smtp_refused", fix="smtp_password", detail=detail, **where)]
    except (smtplib.SMTPException, ssl.SSLError, OSError) as exc:
        detail = str(exc) or type(exc).__name__
        return [problem("email", "smtp_unreachable", fix="smtp", detail=detail, **where)]
    key = "smtp_ok_login" if logged_in else "smtp_ok"
    return [ok("email", key, security=email.security, **where)]


def _talk_smtp(email: EmailConfig, password: str, timeout: float) -> bool:
    """Connect, EHLO, STARTTLS and log in as the settings say; whether it logged in."""
    context = ssl.create_default_context()
    server: smtplib.SMTP
    if email.security == "tls":
        server = smtplib.SMTP_SSL(email.host, email.port, timeout=timeout, context=context)
    else:
        server = smtplib.SMTP(email.host, email.port, timeout=timeout)
    with server:
        server.ehlo(socket.getfqdn())
        if email.security == "starttls":
            server.starttls(context=context)
            server.ehlo(socket.getfqdn())
        if email.username and password:
            server.login(email.username, password)
            return True
    return False


def check_webhook(name: str, url: str, *, signed: bool) -> list[Finding]:
    """A webhook's URL must be http(s) with a host; an unsigned one is worth knowing."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return [problem("webhook", "webhook_bad_url", fix="webhook_url", name=name, url=url)]
    found = [ok("webhook", "webhook_ok", name=name, url=f"{parts.scheme}://{parts.hostname}")]
    if not signed:
        found.append(note("webhook", "webhook_unsigned", name=name, env=name.upper()))
    return found
