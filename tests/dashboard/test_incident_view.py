"""Findings on the incident page: each shown by its catalogue message with its parameters, or by
its label when it has none to show."""

from __future__ import annotations

from alerts.dashboard.pages.incident_view import flags
from alerts.i18n import Translator
from alerts.storage import models as m

AT = "2026-11-21T08:00:00+08:00"


def test_findings_are_rendered_from_their_code_and_parameters() -> None:
    incident = m.Incident(
        flags=[
            {"code": "under_graded", "at": AT, "params": {"implied": "II", "stated": "III"}},
            {"code": "concealment_suspected", "at": AT, "params": {"minutes": 95}},
            {"code": "chain_breach", "at": AT, "params": {}},
            {"code": "after_chasing", "at": AT},  # as stored before findings had parameters
        ]
    )
    t = Translator("zh_CN")
    shown = [t(f["message"], **f["params"]) for f in flags(incident)]
    assert shown == [
        "伤亡数字对应 II 级，高于所报 III 级（疑似轻报）",
        "单位获知后 1 小时 35 分才报送且县里先从其他渠道获知（疑似瞒报，待核实）",
        "程序不规范（越级先报）",
        "催报后才报送",
    ]
    assert Translator("en")(flags(incident)[1]["message"], minutes=95).startswith(
        "the unit knew 1 h 35 min"
    )
