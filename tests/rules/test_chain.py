"""Which `already_reported_to` entries went above the county (C1)."""

from __future__ import annotations

import pytest

from rules.chain import is_above

HIGHER = ("杭州市", "市应急管理局", "省")


@pytest.mark.parametrize(
    ("to", "level", "above"),
    [
        pytest.param("县应急管理局", None, False, id="county-department-by-name"),
        pytest.param("淳安县委办", None, False, id="county-party-office"),
        pytest.param("市应急管理局", None, True, id="city-bureau-by-name"),
        pytest.param("杭州市 人民政府", None, True, id="ancestor-name-within-spaced-to"),
        pytest.param("浙江省应急管理厅", None, True, id="province-by-name"),
        pytest.param("县应急管理局", "city", True, id="stated-level-wins"),
        pytest.param("市应急管理局", "county", False, id="stated-county-wins-over-name"),
        pytest.param("市应急管理局", "other", False, id="stated-other"),
    ],
)
def test_an_entry_is_above_by_its_level_else_by_a_higher_name_within_it(to, level, above):
    assert is_above(to, level, HIGHER) is above
