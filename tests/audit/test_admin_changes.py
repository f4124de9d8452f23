"""The admin pages' changes are audited: a unit, a person, a token issued and revoked, a user
added, its role changed, disabled and enabled, each one row naming the admin, the clock's time
and the changed fields; passwords and tokens only as "changed"; a refused form, a change to
oneself, a revoked token revoked again and a role set to the role it had leave no row."""

from __future__ import annotations

import re
from datetime import timedelta

from alerts.audit import CHANGED
from alerts.storage import models as m
from alerts.storage.queries import hash_token
from tests.audit.changes import after, audit_rows, audit_text
from tests.builders import County, at, county
from tests.dashboard.accounts import PASSWORD, add_user, csrf_from, sign_in
from tests.dashboard.test_admin import one, unit_id

NEW_PASSWORD = "a long new password 42"


def as_admin(database_url: str) -> tuple[County, str]:
    """A county with an admin signed in; the CSRF token."""
    c = county(database_url, start=at(9, 10))
    add_user(database_url, "admin", "admin", "county", at(0))
    assert sign_in(c.client, "admin").status_code == 303
    return c, csrf_from(c.client.get("/admin/units").text)


def post(c: County, path: str, token: str, **form: str) -> int:
    """Post an admin form; its status (303 when it worked)."""
    answer = c.client.post(path, data={"csrf_token": token, **form}, follow_redirects=False)
    return int(answer.status_code)


def test_units_people_and_users_leave_one_row_each_with_the_fields_set(
    database_url: str,
) -> None:
    c, token = as_admin(database_url)
    county_id = unit_id(database_url, "county")
    assert post(c, "/admin/units", token, code="jjz", name="姜家镇", parent=str(county_id)) == 303
    jjz = unit_id(database_url, "jjz")
    c.clock.advance(timedelta(minutes=5))
    assert post(c, "/admin/people", token, unit=str(jjz), name="王五", phone="138 0000 0000") == 303
    c.clock.advance(timedelta(minutes=5))
    form = {"display_name": "小王", "password": NEW_PASSWORD, "role": "leader", "unit": str(jjz)}
    assert post(c, "/admin/users", token, username="wang", **form) == 303

    unit, person, user = audit_rows(database_url)
    assert (unit.entity, unit.action, unit.actor, unit.ref) == (
        "unit",
        "create",
        "dashboard:admin",
        "jjz",
    )
    assert unit.entity_id == jjz and unit.at == at(9, 10)
    assert {k: after(unit, k) for k in ("code", "name", "parent_id", "is_office")} == {
        "code": "jjz",
        "name": "姜家镇",
        "parent_id": county_id,
        "is_office": False,
    }
    assert all(v["before"] is None for v in unit.changes.values()), "a new row had nothing"
    assert (person.entity, person.ref, person.at) == ("person", "jjz 王五", at(9, 15))
    assert after(person, "phone") == "13800000000" and "phone_e164" not in person.changes
    assert (user.entity, user.ref, user.at) == ("user", "wang", at(9, 20))
    assert after(user, "role") == "leader" and after(user, "unit_id") == jjz
    assert user.changes["password_hash"] == CHANGED
    stored = one(database_url, m.User, username="wang")
    assert isinstance(stored, m.User)
    text = audit_text(database_url)
    assert NEW_PASSWORD not in text and stored.password_hash not in text
    assert "$argon2" not in text


def test_a_user_role_disable_and_enable_record_before_and_after(database_url: str) -> None:
    c, token = as_admin(database_url)
    duty = add_user(database_url, "duty", "duty_room", "county", at(0))
    assert post(c, f"/admin/users/{duty}/role", token, role="section_head") == 303
    assert post(c, f"/admin/users/{duty}/role", token, role="section_head") == 303, "the same"
    assert post(c, f"/admin/users/{duty}/disable", token) == 303
    assert post(c, f"/admin/users/{duty}/enable", token) == 303
    role, disable, enable = audit_rows(database_url, entity="user")
    assert (role.action, role.entity_id, role.ref) == ("update", duty, "duty")
    assert role.changes == {"role": {"before": "duty_room", "after": "section_head"}}
    assert disable.action == "disable"
    assert disable.changes == {"disabled": {"before": False, "after": True}}
    assert enable.action == "enable"
    assert enable.changes == {"disabled": {"before": True, "after": False}}


def test_a_token_is_audited_as_issued_and_revoked_never_by_its_value(database_url: str) -> None:
    c, token = as_admin(database_url)
    qdh = unit_id(database_url, "qdh")
    page = c.client.post(
        "/admin/tokens", data={"csrf_token": token, "unit": str(qdh), "label": "系统 2026"}
    )
    assert page.status_code == 200
    match = re.search(r"jb_[A-Za-z0-9_-]{20,}", page.text)
    assert match, "the token is shown once"
    issued = audit_rows(database_url, entity="token")
    assert len(issued) == 1 and issued[0].action == "create" and issued[0].ref == "qdh 系统 2026"
    assert issued[0].changes["token_hash"] == CHANGED
    assert after(issued[0], "unit_id") == qdh and after(issued[0], "label") == "系统 2026"

    c.clock.advance(timedelta(hours=1))
    token_id = issued[0].entity_id
    assert post(c, f"/admin/tokens/{token_id}/revoke", token) == 303
    assert post(c, f"/admin/tokens/{token_id}/revoke", token) == 303, "already revoked"
    _, revoked = audit_rows(database_url, entity="token")
    assert revoked.action == "revoke" and revoked.at == at(10, 10)
    assert revoked.changes == {"revoked_at": {"before": None, "after": "2026-11-21T02:10:00+00:00"}}
    text = audit_text(database_url)
    assert match[0] not in text and hash_token(match[0]) not in text


def test_refused_changes_leave_no_audit_row(database_url: str) -> None:
    c, token = as_admin(database_url)
    me = one(database_url, m.User, username="admin")
    assert isinstance(me, m.User)
    qdh = str(unit_id(database_url, "qdh"))
    assert post(c, "/admin/units", token, code="Bad Code", name="") == 422
    assert post(c, "/admin/units", token, code="qdh", name="重复") == 422
    assert post(c, "/admin/people", token, unit=qdh, name="王五", phone="12345") == 422
    assert post(c, "/admin/tokens", token, unit="999", label="x") == 422
    short = {"display_name": "x", "password": "short", "role": "admin", "unit": qdh}
    assert post(c, "/admin/users", token, username="someone", **short) == 422
    assert post(c, f"/admin/users/{me.id}/disable", token) == 422, "not oneself"
    assert post(c, f"/admin/users/{me.id}/role", token, role="leader") == 422
    assert post(c, "/admin/units", "forged", code="jjz", name="姜家镇") == 403
    add_user(database_url, "duty", "duty_room", "county", at(0))
    c.client.cookies.clear()
    sign_in(c.client, "duty", PASSWORD)
    duty_token = csrf_from(c.client.get("/").text)
    assert post(c, "/admin/units", duty_token, code="jjz", name="姜家镇") == 403
    assert audit_rows(database_url) == []
