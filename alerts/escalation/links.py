"""Signed, expiring, single-purpose acknowledgement links (itsdangerous).

A link names one obligation and the person it was sent to; it is only good for acknowledging
that obligation, and only until it expires."""

from __future__ import annotations

from datetime import timedelta

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner


class AckLinks:
    """Makes and checks the token in `/ack/{token}`."""

    def __init__(self, secret_key: str, public_url: str, valid_for: timedelta) -> None:
        self.signer = TimestampSigner(secret_key, salt="jibao-ack")  # salt: single purpose
        self.public_url = public_url.rstrip("/")
        self.valid_for = valid_for

    def url(self, obligation_id: int, person_id: int | None) -> str:
        """The link to put in a message."""
        return f"{self.public_url}/ack/{self.token(obligation_id, person_id)}"

    def token(self, obligation_id: int, person_id: int | None) -> str:
        """A signed token naming an obligation and a person (0: none)."""
        return self.signer.sign(f"{obligation_id}.{person_id or 0}").decode()

    def read(self, token: str) -> tuple[int, int | None] | None:
        """(obligation id, person id or None) from a valid, unexpired token; None otherwise."""
        try:
            value = self.signer.unsign(token, max_age=int(self.valid_for.total_seconds())).decode()
        except (SignatureExpired, BadSignature):
            return None
        obligation, _, person = value.partition(".")
        if not (obligation.isdigit() and person.isdigit()):
            return None
        return int(obligation), int(person) or None
