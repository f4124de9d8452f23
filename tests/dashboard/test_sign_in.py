"""Sign-in, sessions, CSRF, lock-out and who sees what, over HTTP (browser tests click through)."""

from __future__ import annotations

from datetime import timedelta

from tests.builders import at, county, initial, seed_roster
from tests.dashboard.accounts import add_user, csrf_from, sign_in


def test_pages_need_a_session_and_sign_in_sets_a_secure_cookie(database_url: str) -> None:
    c = county(database_url, start=at(9, 10))
    add_user(database_url, "duty", "duty_room", "county", at(0))
    anonymous = c.client.get("/", follow_redirects=False)
    assert (anonymous.status_code, anonymous.headers["location"]) == (303, "/login?next=/")
    answer = sign_in(c.client, "duty")
    assert answer.status_code == 303
    cookie = answer.headers["set-cookie"]
    assert "jibao_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert c.client.get("/").status_code == 200


def test_wrong_password_then_lock_out_after_five_failures(database_url: str) -> None:
    c = county(database_url, start=at(9, 10))
    add_user(database_url, "duty", "duty_room", "county", at(0))
    for _ in range(4):
        assert sign_in(c.client, "duty", "wrong").status_code == 401
    fifth = sign_in(c.client, "duty", "wrong")
    assert fifth.status_code == 401 and "锁定" in fifth.text
    assert sign_in(c.client, "duty").status_code == 401, "locked even with the right password"
    c.clock.advance(timedelta(minutes=16))
    assert sign_in(c.client, "duty").status_code == 303
    assert sign_in(c.client, "nobody").status_code == 401


def test_forms_without_the_csrf_token_are_refused(database_url: str) -> None:
    c = county(database_url, start=at(9, 10))
    add_user(database_url, "duty", "duty_room", "county", at(0))
    page = c.client.get("/login")
    refused = c.client.post(
        "/login", data={"username": "duty", "password": "x", "csrf_token": "forged"}
    )
    assert refused.status_code == 403
    assert page.status_code == 200
    sign_in(c.client, "duty")
    logout = c.client.post("/logout", data={"csrf_token": "forged"}, follow_redirects=False)
    assert c.client.get("/", follow_redirects=False).status_code == 200, "still signed in"
    token = csrf_from(c.client.get("/").text)
    c.client.post("/logout", data={"csrf_token": token})
    assert c.client.get("/", follow_redirects=False).status_code == 303
    assert logout.status_code == 403


def test_now_page_lists_open_incidents_and_a_unit_officer_sees_only_its_own(
    database_url: str,
) -> None:
    c = county(database_url, start=at(9, 10))
    seed_roster(database_url, start=at(0))
    c.post(initial())
    c.post(initial(title="文昌镇山体滑坡", category="natural_disaster"), token=c.tokens["wsh"])
    add_user(database_url, "duty", "duty_room", "county", at(0))
    add_user(database_url, "wsh", "unit_officer", "wsh", at(0))
    sign_in(c.client, "duty")
    page = c.client.get("/").text
    assert "千岛湖镇某工地脚手架坍塌" in page and "文昌镇山体滑坡" in page
    assert "周值班" in page  # the county duty officer on duty now
    c.client.cookies.clear()
    sign_in(c.client, "wsh")
    page = c.client.get("/now/rows").text
    assert "文昌镇山体滑坡" in page and "脚手架坍塌" not in page


def test_open_redirects_are_refused(database_url: str) -> None:
    c = county(database_url, start=at(9, 10))
    add_user(database_url, "duty", "duty_room", "county", at(0))
    page = c.client.get("/login")
    answer = c.client.post(
        "/login",
        data={
            "username": "duty",
            "password": "correct horse battery",
            "csrf_token": csrf_from(page.text),
            "next": "https://evil.example/",
        },
        follow_redirects=False,
    )
    assert answer.headers["location"] == "/"
    assert (
        c.client.get("/lang/en?next=//evil.example", follow_redirects=False).headers["location"]
        == "/"
    )
