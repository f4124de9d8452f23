"""Dashboard accounts for tests, and signing in through the real form."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from alerts.dashboard.auth import hash_password
from alerts.storage.database import make_engine, make_session_factory
from alerts.storage.models import User
from alerts.storage.queries import unit_by_code

PASSWORD = "correct horse battery"


def add_user(
    database_url: str,
    username: str,
    role: str,
    unit: str,
    now: datetime,
    person_id: int | None = None,
) -> int:
    """An account with PASSWORD."""
    engine = make_engine(database_url)
    with make_session_factory(engine)() as session:
        owner = unit_by_code(session, code=unit)
        assert owner is not None
        user = User(
            username=username,
            display_name=username,
            password_hash=hash_password(PASSWORD),
            role=role,
            unit_id=owner.id,
            person_id=person_id,
            created_at=now,
        )
        session.add(user)
        session.commit()
        user_id = user.id
    engine.dispose()
    return user_id


def csrf_from(html: str) -> str:
    """The CSRF token of the first form on a page."""
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def sign_in(client: Any, username: str, password: str = PASSWORD) -> Any:
    """Post the sign-in form as a browser would."""
    page = client.get("/login")
    return client.post(
        "/login",
        data={
            "username": username,
            "password": password,
            "csrf_token": csrf_from(page.text),
            "next": "/",
        },
        follow_redirects=False,
    )
