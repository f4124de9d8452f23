"""The admin pages over HTTP: admin only; units, people, tokens and users added through their
forms; a bad form shown again with each field named and nothing written; a token shown once that
works on the API until revoked, and not a request longer."""

from __future__ import annotations

import re

from sqlalchemy import select

from alerts.storage import models as m
from alerts.storage.database import make_engine, make_session_factory
from tests.builders import County, at, county, row_counts
from tests.dashboard.accounts import PASSWORD, add_user, csrf_from, sign_in


def as_admin(database_url: str) -> tuple[County, str]:
    """A county with an admin signed in, and the CSRF token of the admin's session."""
    c = county(database_url, start=at(9, 10))
    add_user(database_url, "admin", "admin", "county", at(0))
    assert sign_in(c.client, "admin").status_code == 303
    return c, csrf_from(c.client.get("/admin/units").text)


def one(database_url: str, model: type[m.Base], **where: object) -> m.Base | None:
    """The row of `model` matching `where`, if any."""
    engine = make_engine(database_url)
    with make_session_factory(engine)() as session:
        found = session.scalars(select(model).filter_by(**where)).one_or_none()
        session.expunge_all()
    engine.dispose()
    return found


def unit_id(database_url: str, code: str) -> int:
    """A unit's id by code."""
    unit = one(database_url, m.Unit, code=code)
    assert isinstance(unit, m.Unit)
    return unit.id


def test_only_admins_reach_the_admin_pages(database_url: str) -> None:
    c = county(database_url, start=at(9, 10))
    assert c.client.get("/admin/units", follow_redirects=False).status_code == 303
    add_user(database_url, "duty", "duty_room", "county", at(0))
    sign_in(c.client, "duty")
    token = csrf_from(c.client.get("/").text)
    nav = c.client.get("/").text.split("<main>")[0]
    assert 'href="/records"' in nav and 'href="/admin"' not in nav, "no admin link in the nav"
    before = row_counts(database_url)
    for path in ("/admin", "/admin/units", "/admin/people", "/admin/tokens", "/admin/users"):
        assert c.client.get(path).status_code == 403, path
    posted = c.client.post("/admin/units", data={"csrf_token": token, "code": "x", "name": "X"})
    assert posted.status_code == 403 and "无权访问" in posted.text
    assert c.client.post("/admin/tokens/1/revoke", data={"csrf_token": token}).status_code == 403
    assert row_counts(database_url) == before


def test_units_are_added_under_a_parent_and_bad_forms_write_nothing(database_url: str) -> None:
    c, token = as_admin(database_url)
    county_id = unit_id(database_url, "county")
    before = row_counts(database_url)
    bad = c.client.post(
        "/admin/units", data={"csrf_token": token, "code": "Bad Code", "name": "", "parent": "999"}
    )
    assert bad.status_code == 422
    assert "单位代码：只能用小写字母" in bad.text and "单位名称：必填" in bad.text
    assert "上级单位：所选项不存在" in bad.text and 'value="Bad Code"' in bad.text
    taken = c.client.post("/admin/units", data={"csrf_token": token, "code": "qdh", "name": "重"})
    assert taken.status_code == 422 and "该代码已被使用" in taken.text
    forged = c.client.post("/admin/units", data={"code": "jjz", "name": "姜家镇"})
    assert forged.status_code == 403
    assert row_counts(database_url) == before, "nothing written"
    good = c.client.post(
        "/admin/units",
        data={"csrf_token": token, "code": "jjz", "name": "姜家镇", "parent": str(county_id)},
        follow_redirects=False,
    )
    assert good.status_code == 303
    added = one(database_url, m.Unit, code="jjz")
    assert isinstance(added, m.Unit) and added.parent_id == county_id and not added.is_office
    page = c.client.get(good.headers["location"]).text
    assert "已添加" in page and "姜家镇" in page


def test_people_need_a_phone_by_the_webhook_rule_or_an_email(database_url: str) -> None:
    c, token = as_admin(database_url)
    qdh = str(unit_id(database_url, "qdh"))
    before = row_counts(database_url)
    for phone, email, words in (
        ("12345", "", "电话：须为手机号"),
        ("", "", "电话：电话和电子邮箱至少填写一项"),
        ("13800000000", "not-an-email", "电子邮箱：不是有效的电子邮箱地址"),
    ):
        bad = c.client.post(
            "/admin/people",
            data={"csrf_token": token, "unit": qdh, "name": "王五", "phone": phone, "email": email},
        )
        assert bad.status_code == 422 and words in bad.text, words
    assert row_counts(database_url) == before
    for phone in ("138 0000 0000", "+8613800000001", "0571-12345678"):
        good = c.client.post(
            "/admin/people",
            data={
                "csrf_token": token,
                "unit": qdh,
                "name": "王五",
                "post": "值班员",
                "phone": phone,
            },
            follow_redirects=False,
        )
        assert good.status_code == 303, phone
    assert one(database_url, m.Person, phone="13800000000") is not None, "spaces dropped"
    assert "0571-12345678" in c.client.get("/admin/people").text


def test_a_token_is_shown_once_works_and_stops_at_once_when_revoked(database_url: str) -> None:
    c, token = as_admin(database_url)
    wsh = str(unit_id(database_url, "wsh"))
    bad = c.client.post("/admin/tokens", data={"csrf_token": token, "unit": wsh, "label": ""})
    assert bad.status_code == 422 and "标签：必填" in bad.text
    issued = c.client.post(
        "/admin/tokens", data={"csrf_token": token, "unit": wsh, "label": "文昌镇系统"}
    )
    assert issued.status_code == 200 and issued.headers["cache-control"] == "no-store"
    match = re.search(r'id="new-token" class="token" value="(jb_[^"]+)"', issued.text)
    assert match and "只显示这一次" in issued.text
    api_token = match.group(1)
    headers = {"Authorization": f"Bearer {api_token}"}
    on_duty = c.client.get("/api/v1/roster/on-duty", headers=headers)
    assert on_duty.status_code == 200 and on_duty.json()["unit"] == "wsh"
    listing = c.client.get("/admin/tokens").text
    assert "文昌镇系统" in listing and api_token not in listing, "never shown again"
    row = one(database_url, m.UnitToken, label="文昌镇系统")
    assert isinstance(row, m.UnitToken)
    revoked = c.client.post(
        f"/admin/tokens/{row.id}/revoke", data={"csrf_token": token}, follow_redirects=False
    )
    assert revoked.status_code == 303
    assert c.client.get("/api/v1/roster/on-duty", headers=headers).status_code == 401
    assert "已于" in c.client.get("/admin/tokens").text
    forged = c.client.post(f"/admin/tokens/{row.id}/revoke", data={})
    assert forged.status_code == 403


def test_users_get_an_argon2_password_a_role_and_can_be_disabled(database_url: str) -> None:
    c, token = as_admin(database_url)
    qdh = str(unit_id(database_url, "qdh"))
    form = {
        "csrf_token": token,
        "username": "lin",
        "display_name": "林值班",
        "password": "short",
        "role": "unit_officer",
        "unit": qdh,
    }
    before = row_counts(database_url)
    bad = c.client.post("/admin/users", data=form)
    assert bad.status_code == 422 and "密码：密码至少 10 个字符" in bad.text
    assert 'value="lin"' in bad.text and "short" not in bad.text, "the password is not echoed"
    wrong_role = c.client.post("/admin/users", data={**form, "password": PASSWORD, "role": "god"})
    assert wrong_role.status_code == 422 and "角色：所选项不存在" in wrong_role.text
    c.client.cookies.set("lang", "en")
    english = c.client.post("/admin/users", data=form)
    assert "Password: The password needs at least 10 characters" in english.text
    c.client.cookies.delete("lang")
    assert row_counts(database_url) == before
    added = c.client.post("/admin/users", data={**form, "password": PASSWORD})
    assert added.status_code == 200 and "已添加" in added.text
    user = one(database_url, m.User, username="lin")
    assert isinstance(user, m.User) and user.password_hash.startswith("$argon2id$")
    taken = c.client.post("/admin/users", data={**form, "password": PASSWORD})
    assert taken.status_code == 422 and "该用户名已被使用" in taken.text

    changed = c.client.post(
        f"/admin/users/{user.id}/role", data={"csrf_token": token, "role": "leader"}
    )
    assert changed.status_code == 200 and "角色已修改" in changed.text
    assert getattr(one(database_url, m.User, username="lin"), "role", None) == "leader"
    disabled = c.client.post(f"/admin/users/{user.id}/disable", data={"csrf_token": token})
    assert disabled.status_code == 200 and "账户已停用" in disabled.text
    me = one(database_url, m.User, username="admin")
    assert isinstance(me, m.User)
    mine = c.client.post(f"/admin/users/{me.id}/disable", data={"csrf_token": token})
    assert mine.status_code == 422 and "不能修改或停用自己的账户" in mine.text
    c.client.cookies.clear()
    assert sign_in(c.client, "lin").status_code == 401, "a disabled account cannot sign in"


def test_every_admin_form_refuses_a_missing_or_forged_csrf_token(database_url: str) -> None:
    c, token = as_admin(database_url)
    qdh = str(unit_id(database_url, "qdh"))
    issued = c.client.post("/admin/tokens", data={"csrf_token": token, "unit": qdh, "label": "x"})
    assert issued.status_code == 200
    user = one(database_url, m.User, username="admin")
    key = one(database_url, m.UnitToken, label="x")
    assert isinstance(user, m.User) and isinstance(key, m.UnitToken)
    before = row_counts(database_url)
    forms = {
        "/admin/units": {"code": "jjz", "name": "姜家镇"},
        "/admin/people": {"unit": qdh, "name": "王五", "phone": "13800000000"},
        "/admin/tokens": {"unit": qdh, "label": "y"},
        "/admin/users": {
            "username": "lin",
            "display_name": "林",
            "password": PASSWORD,
            "role": "leader",
            "unit": qdh,
        },
        f"/admin/users/{user.id}/role": {"role": "leader"},
        f"/admin/users/{user.id}/disable": {},
        f"/admin/tokens/{key.id}/revoke": {},
    }
    for path, form in forms.items():
        for forged in ({}, {"csrf_token": "forged"}):
            answer = c.client.post(path, data={**form, **forged})
            assert answer.status_code == 403, path
    assert row_counts(database_url) == before
    still = one(database_url, m.UnitToken, label="x")
    assert isinstance(still, m.UnitToken) and still.revoked_at is None
