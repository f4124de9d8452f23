"""/admin/audit: admins only; recorded changes newest first, in words (secrets as 已更改),
filtered by type and local days, a page at a time; a filter that is no filter named and answered
422, never a 500."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from alerts.audit import record
from alerts.storage import models as m
from alerts.storage.database import make_engine, make_session_factory
from tests.audit.test_admin_changes import NEW_PASSWORD, as_admin, post
from tests.builders import County, at, county
from tests.dashboard.accounts import add_user, csrf_from, sign_in
from tests.dashboard.test_admin import one, unit_id


def three_days_of_changes(database_url: str) -> County:
    """An admin signed in who added a unit on the 21st, a user on the 22nd and disabled it on
    the 23rd (local days)."""
    c, token = as_admin(database_url)
    assert post(c, "/admin/units", token, code="jjz", name="姜家镇") == 303
    token = again(c, at(10, day=22))
    form = {"display_name": "小王", "password": NEW_PASSWORD, "role": "leader"}
    qdh = str(unit_id(database_url, "qdh"))
    assert post(c, "/admin/users", token, username="wang", unit=qdh, **form) == 303
    token = again(c, at(0, 30, day=23))  # 16:30 UTC on the 22nd: the local day counts
    wang = one(database_url, m.User, username="wang")
    assert isinstance(wang, m.User)
    assert post(c, f"/admin/users/{wang.id}/disable", token) == 303
    return c


def again(c: County, moment: datetime) -> str:
    """Move the clock and sign the admin in afresh (a session lasts 12 hours); the CSRF token."""
    c.clock.set(moment)
    c.client.cookies.clear()
    assert sign_in(c.client, "admin").status_code == 303
    return csrf_from(c.client.get("/admin/units").text)


def test_only_admins_see_the_audit(database_url: str) -> None:
    c = county(database_url, start=at(9, 10))
    assert c.client.get("/admin/audit", follow_redirects=False).status_code == 303
    for role in ("duty_room", "section_head", "leader", "unit_officer"):
        add_user(database_url, role, role, "qdh" if role == "unit_officer" else "county", at(0))
        c.client.cookies.clear()
        sign_in(c.client, role)
        answer = c.client.get("/admin/audit?entity=user")
        assert answer.status_code == 403 and "无权访问" in answer.text, role


def test_changes_are_listed_newest_first_in_words(database_url: str) -> None:
    c = three_days_of_changes(database_url)
    page = c.client.get("/admin/audit")
    assert page.status_code == 200
    text = page.text
    assert "配置审计" in text and 'href="/admin/audit" aria-current="page"' in text
    assert text.index("2026-11-23 00:30:00") < text.index("2026-11-22 10:00:00")
    assert text.index("2026-11-22 10:00:00") < text.index("2026-11-21 09:10:00")
    assert "dashboard:admin" in text and "密码</span>：<em>已更改（不记录内容）</em>" in text
    assert "已停用</span>：否 → 是" in text and "角色</span>：— → leader" in text
    assert NEW_PASSWORD not in text and "$argon2" not in text
    assert 'href="/admin/audit"' in c.client.get("/admin/units").text, "a tab of the admin pages"
    c.client.cookies.set("lang", "en")
    english = c.client.get("/admin/audit").text
    assert "Configuration changes" in english and "changed (value not recorded)" in english
    assert "Disabled</span>: no → yes" in english


def test_filters_by_type_and_local_days(database_url: str) -> None:
    c = three_days_of_changes(database_url)

    def shown(query: str) -> list[str]:
        answer = c.client.get(f"/admin/audit?{query}")
        assert answer.status_code == 200, query
        return [line.split("</td>")[0] for line in answer.text.split('<td class="nowrap">20')[1:]]

    assert len(shown("")) == 3
    assert [t[:8] for t in shown("entity=user")] == ["26-11-23", "26-11-22"]
    assert [t[:8] for t in shown("entity=unit")] == ["26-11-21"]
    assert shown("entity=token") == []
    assert [t[:8] for t in shown("from=2026-11-22")] == ["26-11-23", "26-11-22"]
    assert [t[:8] for t in shown("to=2026-11-22")] == ["26-11-22", "26-11-21"]
    assert [t[:8] for t in shown("from=2026-11-22&to=2026-11-22")] == ["26-11-22"]
    assert [t[:8] for t in shown("from=2026-11-23&to=2026-11-23&entity=user")] == ["26-11-23"]


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("entity=planet", "对象类型：没有这种对象类型"),
        ("entity=%27%3B%20drop%20table", "对象类型：没有这种对象类型"),
        ("from=yesterday", "起始日期：请输入日期"),
        ("to=2026-02-30", "截止日期：请输入日期"),
        ("from=0001-01-01", "起始日期：请输入日期"),
        ("from=2026-11-23&to=2026-11-21", "截止日期：截止日期早于起始日期"),
        ("page=abc", "页码：页码须为正整数"),
        ("page=0", "页码：页码须为正整数"),
        ("page=-3", "页码：页码须为正整数"),
        ("page=99999999999999999999", "页码：页码须为正整数"),
    ],
)
def test_bad_filters_are_named_and_answered_422(database_url: str, query: str, words: str) -> None:
    c, _ = as_admin(database_url)
    answer = c.client.get(f"/admin/audit?{query}")
    assert answer.status_code == 422 and words in answer.text, answer.text[-2000:]
    assert "筛选条件无效" in answer.text


def test_pages_of_fifty_newest_first_and_a_page_past_the_end_is_the_last(
    database_url: str,
) -> None:
    c, _ = as_admin(database_url)
    engine = make_engine(database_url)
    with make_session_factory(engine)() as session:
        for n in range(120):
            record(
                session,
                actor="cli:root",
                at=at(9) + timedelta(minutes=n),
                entity="person",
                entity_id=n,
                ref=f"qdh 人员{n:03}",
                action="create",
                changes={"name": {"before": None, "after": f"人员{n:03}"}},
            )
        session.commit()
    engine.dispose()
    assert "第 1 页，共 3 页" in c.client.get("/admin/audit").text, "counted without a filter too"
    first = c.client.get("/admin/audit?entity=person").text
    assert "第 1 页，共 3 页" in first and "人员119" in first and "人员070" in first
    assert "人员069" not in first and 'rel="next"' in first and 'rel="prev"' not in first
    assert "entity=person&amp;page=2" in first
    last = c.client.get("/admin/audit?entity=person&page=3").text
    assert "人员019" in last and "人员000" in last and "人员020" not in last
    assert c.client.get("/admin/audit?entity=person&page=40").text.count('id="change-') == 20
