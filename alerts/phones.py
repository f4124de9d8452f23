"""Phone numbers as people type them and as Twilio dials them (E.164), read by `phonenumbers`.

Accepted: mobiles (13800000000, +86 138 0000 0000), landlines with their area code
(0571-8888 1234, (0571)88881234) and any valid number in E.164. A landline may carry an
extension (分机) after `-`, `转`, `分机`, `ext`, `x` or `#`: it is kept apart and never folded
into the dialled number, which would ring a different line or none."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any

import phonenumbers
from pydantic import BeforeValidator
from pydantic_core import PydanticCustomError

REGION = "CN"  # a number without +country is read as dialled in China
E164_MAX = 16  # "+" and at most 15 digits
EXTENSION_MAX = 8
# digits and the punctuation people type between them, then perhaps an extension: no letters,
# which phonenumbers would otherwise read as a vanity number (1-800-FLOWERS)
_SHAPE = re.compile(r"\+?[\d\s\-()]+(?:\s*(?:转|分机|ext\.?|x|#)\s*\d{1,6})?", re.IGNORECASE)
_EXTENSION = re.compile(
    r"^(?P<number>.+?)\s*(?:转|分机|ext\.?|x|#|-)\s*(?P<extension>\d{1,6})\s*$", re.IGNORECASE
)


@dataclass(frozen=True)
class PhoneNumber:
    """A valid number: what is dialled, and the extension to ask for once through."""

    e164: str
    extension: str | None = None


def parse_phone(text: str) -> PhoneNumber | None:
    """The number `text` spells, or None when it is no valid phone number."""
    text = text.strip()
    if not _SHAPE.fullmatch(text):
        return None
    whole = _parse(text)
    if whole is not None:
        return PhoneNumber(_e164(whole), whole.extension or None)
    split = _EXTENSION.match(text)  # 0571-88881234-123: phonenumbers would read one long number
    if split is None:
        return None
    head = _parse(split["number"])
    if head is None or head.extension or _is_mobile(head):  # a mobile has no extension
        return None
    return PhoneNumber(_e164(head), split["extension"])


def _parse(text: str) -> phonenumbers.PhoneNumber | None:
    try:
        number = phonenumbers.parse(text, REGION)
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None


def _e164(number: phonenumbers.PhoneNumber) -> str:
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _is_mobile(number: phonenumbers.PhoneNumber) -> bool:
    return phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.MOBILE


def to_e164(text: str) -> str | None:
    """`13800000000` → `+8613800000000`; `0571-8888 1234-12` → `+8657188881234` (the
    extension is not dialled); None when it is no valid number."""
    found = parse_phone(text)
    return found.e164 if found else None


def same_phone(a: str, b: str) -> bool:
    """Whether two spellings name one line: the same number and the same extension."""
    first, second = parse_phone(a), parse_phone(b)
    return first is not None and first == second


def _phone(value: Any) -> Any:
    text = value.strip().replace(" ", "") if isinstance(value, str) else None
    if text and parse_phone(text) is not None:
        return text
    raise PydanticCustomError("phone", "bad phone")


Phone = Annotated[str, BeforeValidator(_phone)]
"""A phone field of a form or a body: checked, kept as typed (spaces dropped)."""
