"""Phone numbers: the domestic form people type and the E.164 form Twilio speaks."""

from __future__ import annotations

import re

_MOBILE = re.compile(r"1[3-9]\d{9}")


def to_e164(phone: str) -> str:
    """`13800000000` → `+8613800000000`; landlines `0571-1234567` → `+865711234567`."""
    digits = re.sub(r"[^\d+]", "", phone)
    if digits.startswith("+"):
        return digits
    if _MOBILE.fullmatch(digits):
        return "+86" + digits
    if digits.startswith("0"):
        return "+86" + digits[1:]
    return digits


def same_phone(a: str, b: str) -> bool:
    """Whether two spellings name one number."""
    return to_e164(a) == to_e164(b)
