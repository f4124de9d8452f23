"""Phone numbers read by phonenumbers: mobiles, landlines with area code, E.164, and a landline's
extension kept apart from the number that is dialled."""

from __future__ import annotations

import pytest
from pydantic import TypeAdapter, ValidationError

from alerts.phones import Phone, PhoneNumber, parse_phone, same_phone, to_e164


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("13800000000", PhoneNumber("+8613800000000")),
        ("138 0000 0000", PhoneNumber("+8613800000000")),
        ("138-0000-0000", PhoneNumber("+8613800000000")),
        ("+86 138 0000 0000", PhoneNumber("+8613800000000")),
        ("+8613800000000", PhoneNumber("+8613800000000")),
        ("0571-8888 1234", PhoneNumber("+8657188881234")),
        ("057188881234", PhoneNumber("+8657188881234")),
        ("(0571)88881234", PhoneNumber("+8657188881234")),
        ("010-12345678", PhoneNumber("+861012345678")),
        ("+15005550006", PhoneNumber("+15005550006")),
        # an extension is kept apart, whichever way it is written
        ("0571-88881234-123", PhoneNumber("+8657188881234", "123")),
        ("0571-8888 1234 转 8021", PhoneNumber("+8657188881234", "8021")),
        ("0571-88881234分机8021", PhoneNumber("+8657188881234", "8021")),
        ("0571-88881234 ext. 12", PhoneNumber("+8657188881234", "12")),
        ("0571-88881234#5", PhoneNumber("+8657188881234", "5")),
        # not numbers anyone can be reached on
        ("12800000000", None),  # no such mobile prefix
        ("23900000103", None),
        ("0571-1234567", None),  # Hangzhou numbers have eight digits
        ("138abc00000", None),  # letters are no vanity number here
        ("13800000000-12", None),  # a mobile has no extension
        ("12345", None),
        ("", None),
        ("   ", None),
    ],
)
def test_parse_phone(typed: str, expected: PhoneNumber | None) -> None:
    assert parse_phone(typed) == expected


def test_the_dialled_number_never_carries_the_extension() -> None:
    assert to_e164("0571-88881234-123") == "+8657188881234"
    assert to_e164("not a phone") is None


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("13800000000", "+86 138 0000 0000", True),
        ("0571-8888 1234", "+8657188881234", True),
        ("0571-88881234-12", "0571-88881234 转 12", True),
        ("0571-88881234", "0571-88881234-12", False),  # the switchboard is not the desk
        ("0571-88881234-12", "0571-88881234-13", False),
        ("12800000000", "12800000000", False),  # nothing reachable is the same as nothing
    ],
)
def test_same_phone(a: str, b: str, same: bool) -> None:
    assert same_phone(a, b) is same


def test_a_phone_field_keeps_what_was_typed_without_spaces() -> None:
    field = TypeAdapter(Phone)
    assert field.validate_python(" 0571-8888 1234 转 8021 ") == "0571-88881234转8021"
    with pytest.raises(ValidationError) as refused:
        field.validate_python("12800000000")
    assert refused.value.errors()[0]["type"] == "phone"
