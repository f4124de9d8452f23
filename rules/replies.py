"""What an SMS reply means: an answer to a duty check (查岗), an acknowledgement (收到) of one of
the sender's open obligations, or nothing we understand. Pure: the caller looks up the sender and
their open obligations (by short code, newest first) and acts on the decision."""

from __future__ import annotations

import enum
import re
from collections.abc import Sequence
from dataclasses import dataclass

_ON_DUTY = re.compile(r"^(?:在岗|到岗|on duty)\s*(?:C[0-9A-Z]+)?$", re.IGNORECASE)
_ACK = re.compile(r"^\s*(?:收到|1|确认|ok)\s*([0-9A-Za-z]*)\s*$", re.IGNORECASE)
_QUOTES = str.maketrans("", "", "“”")


class Meaning(enum.Enum):
    """What to do about a reply."""

    ON_DUTY = "on_duty"  # log the answer to the sender's open duty checks
    ACKNOWLEDGE = "acknowledge"  # acknowledge `codes`
    WHICH = "which"  # several are open and none was named: ask which of `codes`
    UNKNOWN_CODE = "unknown_code"  # the code named (`codes`) is none of the sender's open ones
    NOTHING = "nothing"  # not a reply we take, or nothing of the sender's is open


@dataclass(frozen=True)
class ReplyDecision:
    """A reply's meaning and the short codes it concerns."""

    meaning: Meaning
    codes: tuple[str, ...] = ()


def is_duty_check_answer(body: str) -> bool:
    """`在岗`, `到岗` or `on duty`, with or without the check's code."""
    return _ON_DUTY.match(body.strip()) is not None


def parse_ack(body: str) -> tuple[bool, str | None]:
    """(is an acknowledgement, the short code if one was given): `1`, `收到`, `确认` or `ok`,
    then perhaps a code; quotes people copy from the message do not matter."""
    match = _ACK.match(body.translate(_QUOTES))
    if match is None:
        return False, None
    return True, match.group(1).upper() or None


def decide_reply(body: str, *, known_sender: bool, open_codes: Sequence[str]) -> ReplyDecision:
    """What `body` means from a sender we know (or not) with these open obligations, newest
    first: one open obligation needs no code; several need one."""
    if known_sender and is_duty_check_answer(body):
        return ReplyDecision(Meaning.ON_DUTY)
    is_ack, code = parse_ack(body)
    if not is_ack or not known_sender or not open_codes:
        return ReplyDecision(Meaning.NOTHING)
    if code is None:
        if len(open_codes) > 1:
            return ReplyDecision(Meaning.WHICH, tuple(open_codes))
        return ReplyDecision(Meaning.ACKNOWLEDGE, (open_codes[0],))
    if code in open_codes:
        return ReplyDecision(Meaning.ACKNOWLEDGE, (code,))
    return ReplyDecision(Meaning.UNKNOWN_CODE, (code,))
