"""The dry-run channel: records messages instead of sending them."""

from __future__ import annotations

from notifiers.base import DeliveryState, Message, SendResult


class DryNotifier:
    """Stands in for a channel without credentials; tests read `sent`."""

    def __init__(self, channel: str) -> None:
        self.channel = channel
        self.sent: list[Message] = []

    async def send(self, message: Message) -> SendResult:
        """Keep the message and say it was recorded, not sent."""
        self.sent.append(message)
        return SendResult(DeliveryState.DRY, provider_id=f"dry-{self.channel}-{message.id}")

    async def close(self) -> None:
        """Nothing to release."""
