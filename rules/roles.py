"""The duty roles a roster assigns and a ladder tells, written once.

The first three change by the day or shift (a roster file has a column for each); the rest are
standing posts held by rotation or by name."""

from __future__ import annotations

import enum


class Role(enum.StrEnum):
    """A role someone holds for a unit at a moment."""

    DUTY_OFFICER = "duty_officer"  # 值班员
    DEPUTY_DUTY_OFFICER = "deputy_duty_officer"  # 副值班员
    LEADER_ON_DUTY = "leader_on_duty"  # 带班领导
    LEADER = "leader"
    PRINCIPAL = "principal"
    SECTION_HEAD = "section_head"
    DIRECTOR = "director"
    COUNTY_LEADER = "county_leader"


ROLES: tuple[Role, ...] = tuple(Role)
DUTY_ROLES = (Role.DUTY_OFFICER, Role.DEPUTY_DUTY_OFFICER, Role.LEADER_ON_DUTY)  # in that order
GAP_ROLES = (Role.DUTY_OFFICER, Role.LEADER_ON_DUTY)  # must always be held: a gap is alerted
