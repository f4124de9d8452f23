"""Email through SMTP with aiosmtplib: STARTTLS or implicit TLS, login optional.

Connections stay open and carry the next emails (notifiers/smtp_pool.py); one the server hung
up on meanwhile is replaced, the email sent once. Every outcome comes back as a `SendResult`:

- the server accepted the message → SENT, `provider_id` is our Message-ID;
- a 4xx reply, a refused or dropped connection, a timeout before DATA → FAILED_TEMP;
- a 5xx reply (no such mailbox, bad credentials, policy rejection), or a server that lacks
  what the settings demand (STARTTLS, AUTH) → FAILED_PERM;
- a timeout or lost connection once DATA has gone out → UNKNOWN: the server may have
  queued the message, so it must not be re-sent blindly.

The Message-ID is derived from the notification id (`<jibao-{id}@{from domain}>`), so a
re-sent copy of the same notification is recognisable as such by people and mail filters."""

from __future__ import annotations

import asyncio
import email.policy
import email.utils
import html
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Literal

import aiosmtplib
from aiosmtplib.response import SMTPResponse
from aiosmtplib.typing import Default

from notifiers.base import DeliveryState, Message, SendResult
from notifiers.smtp_pool import Pooled, SmtpPool

Security = Literal["starttls", "tls", "none"]
SECURITY_MODES: tuple[Security, ...] = ("starttls", "tls", "none")
ACK_LABEL = "确认收到"

# Built 7-bit clean (non-ASCII bodies go out as base64 or quoted-printable), so a relay
# that does not offer 8BITMIME still passes the message on unchanged.
_POLICY = email.policy.SMTP.clone(cte_type="7bit")


@dataclass(frozen=True)
class EmailSettings:
    """How to reach the SMTP server and whom the mail comes from.

    `timeout_seconds` bounds each network step (connect, each command, the DATA transfer),
    not the whole send. `tls_context`, when given, replaces the default verification (for
    instance a context that trusts a private CA); `validate_certs=False` turns it off."""

    host: str
    port: int
    security: Security
    username: str | None
    password: str | None = field(repr=False)
    from_address: str
    timeout_seconds: float = 10.0
    validate_certs: bool = True
    tls_context: ssl.SSLContext | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        """Reject settings that could never send."""
        if self.security not in SECURITY_MODES:
            raise ValueError(f"security must be one of {SECURITY_MODES}, not {self.security!r}")
        if self.password is not None and self.username is None:
            raise ValueError("an SMTP password needs a username")
        if self.timeout_seconds <= 0:
            raise ValueError("timeout_seconds must be positive")


def message_id(notification_id: int, from_address: str) -> str:
    """The deterministic Message-ID of a notification: `<jibao-{id}@{from domain}>`."""
    _, at, domain = email.utils.parseaddr(from_address)[1].rpartition("@")
    try:
        domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        domain = ""
    return f"<jibao-{notification_id}@{domain if at and domain else 'jibao.invalid'}>"


def build_email(message: Message, from_address: str) -> EmailMessage:
    """Compose the email: plain text, an HTML alternative if any, the ack link in both."""
    mail = EmailMessage(policy=_POLICY)
    # A header may not hold a line break; a subject rendered from a template might.
    mail["Subject"] = " ".join(message.subject.split())
    mail["From"] = from_address
    mail["To"] = message.to
    mail["Message-ID"] = message_id(message.id, from_address)
    # RFC 5322 requires an origination date; it is the moment of handing over, a wire
    # detail like the SMTP server's own Received header, not a decision of the engine.
    mail["Date"] = email.utils.formatdate(usegmt=True)
    mail["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies
    mail.set_content(_text_with_ack(message.text, message.ack_url))
    if message.html is not None:
        mail.add_alternative(_html_with_ack(message.html, message.ack_url), subtype="html")
    return mail


def _text_with_ack(text: str, ack_url: str | None) -> str:
    """The plain-text body, with the ack link appended unless it is already there."""
    if ack_url is None or ack_url in text:
        return text
    return f"{text.rstrip()}\n\n{ACK_LABEL}: {ack_url}\n"


def _html_with_ack(body: str, ack_url: str | None) -> str:
    """The HTML body, with an ack link before `</body>` unless the link is already there."""
    if ack_url is None:
        return body
    escaped = html.escape(ack_url, quote=True)
    if ack_url in body or escaped in body:
        return body
    link = f'<p><a href="{escaped}">{ACK_LABEL}</a></p>'
    end = body.lower().rfind("</body>")
    if end < 0:
        return f"{body}\n{link}\n"
    return f"{body[:end]}{link}\n{body[end:]}"


class _TrackedSMTP(aiosmtplib.SMTP):
    """An SMTP client that notes when the DATA command goes out, and hangs up at once.

    aiosmtplib reports a timeout the same way whichever command it hit; only `data_sent`
    tells a timeout in MAIL or RCPT (nothing delivered: retry) from one in DATA (maybe
    delivered)."""

    data_sent = False

    def close(self) -> None:
        """Drop the connection now instead of starting a TLS closing handshake.

        A TLS close waits for the server's close_notify and would outlive send(), leaving
        the socket to the garbage collector. SMTP marks its own ends (the final `.`, QUIT),
        so skipping close_notify loses nothing."""
        transport = self.transport
        if isinstance(transport, asyncio.Transport) and not transport.is_closing():
            transport.abort()
        super().close()

    async def data(
        self,
        message: str | bytes,
        /,
        *,
        timeout: float | Literal[Default.token] | None = Default.token,
    ) -> SMTPResponse:
        """Send DATA and the content, remembering that we did."""
        self.data_sent = True
        return await super().data(message, timeout=timeout)


class EmailNotifier:
    """Sends one email per message over pooled SMTP connections (notifiers/smtp_pool.py)."""

    channel: str = "email"

    def __init__(self, settings: EmailSettings) -> None:
        self.settings = settings
        self.pool: SmtpPool[_TrackedSMTP] = SmtpPool(self._connected)

    async def send(self, message: Message) -> SendResult:
        """Send one email; report the outcome as a SendResult, never by raising."""
        try:
            mail = build_email(message, self.settings.from_address)
        except (ValueError, TypeError) as exc:
            return SendResult(DeliveryState.FAILED_PERM, error=f"cannot build email: {exc}")
        return await self.deliver(mail, [message.to])

    async def deliver(self, mail: EmailMessage, recipients: list[str]) -> SendResult:
        """One mail transaction on an open connection, or a new one. A reused connection that
        fails before DATA went out (the server hung up on it meanwhile) delivered nothing: the
        mail goes once more on a new connection."""
        async with self.pool.gate():
            pooled = self.pool.take_idle()
            if pooled is not None:
                result = await self._transact(pooled, mail, recipients)
                if result.state is not DeliveryState.FAILED_TEMP or pooled.client.data_sent:
                    return result
            try:
                pooled = Pooled(await self.pool.connect())
            except Exception as exc:  # the Notifier contract: failures are values
                return classify_failure(exc, data_sent=False)
            return await self._transact(pooled, mail, recipients)

    async def _transact(
        self, pooled: Pooled[_TrackedSMTP], mail: EmailMessage, recipients: list[str]
    ) -> SendResult:
        client = pooled.client
        client.data_sent = False
        try:
            await client.send_message(mail, recipients=recipients)
        except Exception as exc:  # the Notifier contract: failures are values
            client.close()
            return classify_failure(exc, data_sent=client.data_sent)
        except BaseException:  # cancelled mid-transaction: the connection is in no known state
            client.close()
            raise
        self.pool.give_back(pooled)
        return SendResult(DeliveryState.SENT, provider_id=str(mail["Message-ID"]))

    async def close(self) -> None:
        """Say QUIT on the open connections and close them."""
        await self.pool.close()

    async def _connected(self) -> _TrackedSMTP:
        """A client connected (TLS and login done), closed again if connecting fails."""
        client = self._client()
        try:
            await client.connect()
        except BaseException:
            client.close()
            raise
        return client

    def _client(self) -> _TrackedSMTP:
        """A client configured from the settings, not yet connected."""
        settings = self.settings
        return _TrackedSMTP(
            hostname=settings.host,
            port=settings.port,
            timeout=settings.timeout_seconds,
            use_tls=settings.security == "tls",
            # None would mean "upgrade if offered"; "none" means plain text, and "starttls"
            # must fail rather than quietly fall back to plain text.
            start_tls=settings.security == "starttls",
            validate_certs=settings.validate_certs,
            tls_context=settings.tls_context,
            username=settings.username,
            password=settings.password,
        )


def classify_failure(exc: BaseException, *, data_sent: bool) -> SendResult:
    """Map an aiosmtplib error to a delivery state (see the module docstring)."""
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused) and exc.recipients:
        refused = exc.recipients[0]
        return _by_reply_code(refused.code, f"{refused.recipient}: {refused.message}", data_sent)
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        return _by_reply_code(exc.code, exc.message, data_sent)
    if isinstance(exc, aiosmtplib.SMTPConnectError):  # refused, unreachable, connect timeout
        return SendResult(DeliveryState.FAILED_TEMP, error=f"cannot connect: {exc}")
    if isinstance(exc, OSError):  # TimeoutError, ConnectionError, ssl.SSLError are OSErrors
        # A read timeout, a failed TLS handshake, a dropped connection: harmless before
        # DATA, unknown after it.
        # aiosmtplib's DATA covers both the wait for 354 and the wait for the final reply;
        # a timeout in either reads as UNKNOWN, so we never send twice on a guess.
        state = DeliveryState.UNKNOWN if data_sent else DeliveryState.FAILED_TEMP
        return SendResult(state, error=f"{type(exc).__name__}: {exc}")
    if isinstance(exc, aiosmtplib.SMTPException | ValueError):
        # The server lacks what the settings require (STARTTLS, AUTH, SMTPUTF8), or an
        # address cannot go on the wire: retrying will not help.
        return SendResult(DeliveryState.FAILED_PERM, error=f"{type(exc).__name__}: {exc}")
    state = DeliveryState.UNKNOWN if data_sent else DeliveryState.FAILED_TEMP
    return SendResult(state, error=f"unexpected {type(exc).__name__}: {exc}")


def _by_reply_code(code: int, text: str, data_sent: bool) -> SendResult:
    """An SMTP reply: 4xx is temporary, 5xx permanent, anything else unexpected."""
    error = f"{code} {text}"
    if 400 <= code < 500:
        return SendResult(DeliveryState.FAILED_TEMP, error=error)
    if 500 <= code < 600:
        return SendResult(DeliveryState.FAILED_PERM, error=error)
    state = DeliveryState.UNKNOWN if data_sent else DeliveryState.FAILED_TEMP
    return SendResult(state, error=f"unexpected reply {error}")
