"""The instructions list: open ones as on the Now board, all of them with closed ones too; a
unit officer sees those naming its unit only."""

from __future__ import annotations

from typing import Any

from tests.builders import County, at, county, seed_roster
from tests.dashboard.accounts import add_user, sign_in


def _record(c: County, text: str, units: list[str], kind: str = "reference") -> int:
    body: dict[str, Any] = {
        "issuer": {"name": "王县长", "post": "县长", "level": "county"},
        "received_at": at(9, 30).isoformat(),
        "text": text,
        "type": kind,
        "units": units,
    }
    answer = c.client.post(
        "/api/v1/instructions", json=body, headers={"Authorization": f"Bearer {c.office_token}"}
    )
    assert answer.status_code == 201, answer.text
    return int(answer.json()["id"])


def _move(c: County, instruction_id: int, move: str, unit: str, token: str) -> None:
    answer = c.client.post(
        f"/api/v1/instructions/{instruction_id}/units/{unit}/{move}",
        json={},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 200, answer.text


def test_open_and_all_instructions(database_url: str) -> None:
    c = county(database_url, start=at(9, 40))
    seed_roster(database_url, start=at(0))
    add_user(database_url, "desk", "duty_room", "county", at(0))
    add_user(database_url, "wsh", "unit_officer", "wsh", at(0))
    done = _record(c, "请各地参阅防汛通知", ["qdh"])
    _record(c, "请文昌镇核实滑坡隐患", ["wsh"], kind="act")
    _move(c, done, "relay", "qdh", c.office_token)
    _move(c, done, "acknowledge", "qdh", c.tokens["qdh"])  # 参阅: acknowledged is closed
    assert sign_in(c.client, "desk").status_code == 303

    opened = c.client.get("/instructions").text
    assert "请文昌镇核实滑坡隐患" in opened and "请各地参阅防汛通知" not in opened
    everything = c.client.get("/instructions?state=all").text
    assert "请各地参阅防汛通知" in everything and "已办结" in everything
    assert c.client.get("/instructions?state=odd").status_code == 200

    c.client.cookies.clear()
    assert sign_in(c.client, "wsh").status_code == 303
    mine = c.client.get("/instructions?state=all").text
    assert "请文昌镇核实滑坡隐患" in mine and "请各地参阅防汛通知" not in mine
