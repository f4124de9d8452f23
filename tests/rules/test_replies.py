"""What an SMS reply means, table by table: duty-check answers, acknowledgements with and without
a short code, and everything else."""

from __future__ import annotations

import pytest

from rules.replies import Meaning, ReplyDecision, decide_reply, is_duty_check_answer, parse_ack

ON_DUTY, ACK, WHICH, UNKNOWN, NOTHING = (
    Meaning.ON_DUTY,
    Meaning.ACKNOWLEDGE,
    Meaning.WHICH,
    Meaning.UNKNOWN_CODE,
    Meaning.NOTHING,
)


@pytest.mark.parametrize(
    ("body", "known", "open_codes", "expected"),
    [
        # one open item: a bare acknowledgement takes it, in any of its spellings
        ("1", True, ["2F"], ReplyDecision(ACK, ("2F",))),
        ("收到", True, ["2F"], ReplyDecision(ACK, ("2F",))),
        ("  确认 ", True, ["2F"], ReplyDecision(ACK, ("2F",))),
        ("OK", True, ["2F"], ReplyDecision(ACK, ("2F",))),
        ("“收到”", True, ["2F"], ReplyDecision(ACK, ("2F",))),
        # a code picks one (any case); a code not open is named back
        ("收到 2f", True, ["2F"], ReplyDecision(ACK, ("2F",))),
        ("1 2G", True, ["2G", "2F"], ReplyDecision(ACK, ("2G",))),
        ("收到2F", True, ["2G", "2F"], ReplyDecision(ACK, ("2F",))),
        ("收到 ZZZZ", True, ["2G", "2F"], ReplyDecision(UNKNOWN, ("ZZZZ",))),
        ("1 ZZ", True, ["2F"], ReplyDecision(UNKNOWN, ("ZZ",))),
        # several open and no code: ask which, newest first as given
        ("1", True, ["2G", "2F"], ReplyDecision(WHICH, ("2G", "2F"))),
        # nothing open, an unknown sender, or not an acknowledgement at all
        ("1", True, [], ReplyDecision(NOTHING)),
        ("1", False, ["2F"], ReplyDecision(NOTHING)),
        ("好的", True, ["2F"], ReplyDecision(NOTHING)),
        ("收到了谢谢", True, ["2F"], ReplyDecision(NOTHING)),
        ("", True, ["2F"], ReplyDecision(NOTHING)),
        # a duty-check answer from someone we know, with or without the check's code
        ("在岗", True, [], ReplyDecision(ON_DUTY)),
        ("到岗 C2F", True, ["2F"], ReplyDecision(ON_DUTY)),
        ("On duty", True, [], ReplyDecision(ON_DUTY)),
        ("在岗", False, [], ReplyDecision(NOTHING)),
    ],
)
def test_decide_reply(body, known, open_codes, expected):
    assert decide_reply(body, known_sender=known, open_codes=open_codes) == expected


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("1", (True, None)),
        ("收到 ab1", (True, "AB1")),
        ("ok", (True, None)),
        ("no", (False, None)),
        ("2", (False, None)),
        ("收到 2F 3G", (False, None)),  # one code at a time
    ],
)
def test_parse_ack(body, expected):
    assert parse_ack(body) == expected


@pytest.mark.parametrize(
    ("body", "expected"),
    [("在岗", True), (" 到岗 ", True), ("on duty C12", True), ("在岗吗", False), ("1", False)],
)
def test_is_duty_check_answer(body, expected):
    assert is_duty_check_answer(body) is expected
