"""The one small interface every channel implements, and the values it trades in.

Provider failures come back as values, never exceptions: the outbox decides from `state`
whether to retry (`failed_temp`), give up (`failed_perm`) or leave alone (`unknown`)."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol


class DeliveryState(enum.Enum):
    """Where one notification stands."""

    QUEUED = "queued"  # stored, waiting to be sent
    SENDING = "sending"  # claimed by an outbox worker
    SENT = "sent"  # the provider accepted it
    DELIVERED = "delivered"  # the provider confirmed delivery (status callback)
    FAILED_TEMP = "failed_temp"  # a temporary failure: the outbox retries
    FAILED_PERM = "failed_perm"  # a permanent failure: no retry
    UNKNOWN = "unknown"  # the outcome is unknown (timeout, crash mid-send): never re-sent blindly
    DRY = "dry"  # recorded instead of sent: the channel has no credentials
    BUNDLED = "bundled"  # sent as part of another notification to the same person
    STALE = "stale"  # its obligation was met or waived before it went: never sent


@dataclass(frozen=True)
class Message:
    """One message to one address on one channel.

    `id` is the notification's id: adapters use it to build callback URLs and as the
    idempotency key they hand to providers that accept one."""

    id: int
    channel: str  # sms | voice | email | webhook
    to: str  # E.164 phone, email address, or webhook URL
    subject: str
    text: str  # SMS body, words to speak, plain-text email, or the webhook's summary
    html: str | None = None  # email only
    ack_url: str | None = None  # signed acknowledgement link, if any
    data: dict[str, object] = field(default_factory=dict)  # structured payload for webhooks


@dataclass(frozen=True)
class SendResult:
    """What a provider said about one send."""

    state: DeliveryState  # SENT, DRY, FAILED_TEMP, FAILED_PERM or UNKNOWN
    provider_id: str | None = None  # Twilio SID, SMTP message id, …
    error: str | None = None
    retry_after: float | None = None  # seconds the provider asked us to wait (HTTP 429)
    # what the receiver answered, for channels whose answer is a receipt: a parent's Jibao
    # says which incident and filing it stored, and when it received it (notifiers/jibao.py)
    receipt: Mapping[str, object] | None = None


class Notifier(Protocol):
    """A channel adapter."""

    channel: str

    async def send(self, message: Message) -> SendResult:
        """Send one message; report failure as a SendResult, never by raising."""
        ...

    async def close(self) -> None:
        """Release connections."""
        ...
