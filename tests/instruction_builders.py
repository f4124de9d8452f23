"""Leader instructions (批示) for tests, through the API a duty room and its units use: record
one, make a move for a unit, feed back as a unit."""

from __future__ import annotations

from typing import Any

from tests.builders import County, at

PATH = "/api/v1/instructions"


def instruction_body(**overrides: Any) -> dict[str, Any]:
    """An instruction (批办) received at 10:00 on 21 November, on township qdh, with no deadline."""
    body: dict[str, Any] = {
        "issuer": {"name": "王县长", "post": "县长", "level": "county"},
        "received_at": at(10, 0).isoformat(),
        "text": "请迅速核实情况，报告处置结果。",
        "type": "act",
        "units": ["qdh"],
    }
    return {**body, **overrides}


def record_instruction(c: County, **overrides: Any) -> int:
    """Record an instruction as the office; its id."""
    answer = c.client.post(PATH, json=instruction_body(**overrides), headers=_auth(c.office_token))
    assert answer.status_code == 201, answer.text
    return int(answer.json()["id"])


def move(c: County, iid: int, unit: str, step: str, **body: Any) -> dict[str, Any]:
    """Make a move (relay, acknowledge, verify, return, close) for `unit`: relay, verify, return
    and close as the office, acknowledge as the unit; the answer."""
    token = c.tokens[unit] if step == "acknowledge" else c.office_token
    answer = c.client.post(f"{PATH}/{iid}/units/{unit}/{step}", json=body, headers=_auth(token))
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def feed_back(c: County, iid: int, unit: str) -> None:
    """The unit's feedback (落实反馈) on an instruction, filed now."""
    body = {"kind": "feedback", "instruction_id": iid, "description": "已落实"}
    answer = c.post(body, c.tokens[unit])
    assert answer.status_code == 201, answer.text


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
