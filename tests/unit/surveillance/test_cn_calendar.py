import datetime as dt

import numpy as np
import pytest

from tiercare.core.errors import InvalidInput
from tiercare.core.surveillance import cn_calendar as cc


def _days(a, b):
    return np.arange(np.datetime64(a, "D"), np.datetime64(b, "D") + 1)


def test_every_notice_puts_the_lunar_new_year_inside_its_spring_festival_run():
    sf = [h for h in cc.holidays() if h.kind == "spring_festival"]
    assert [h.first.year for h in sf] == list(cc.covered_years())
    for h in sf:
        new_year = cc.spring_festival(h.first.year)
        assert h.first <= new_year <= h.last
        assert (new_year - h.first).days <= 1  # the run starts on 除夕 or on 正月初一
    assert cc.spring_festival(2024) == dt.date(2024, 2, 10)


def test_holiday_and_catch_up_days_follow_the_notice():
    days = _days("2024-02-01", "2024-03-05")
    off = cc.holiday_days(days, "spring_festival")
    assert [str(d) for d in days[off]] == [f"2024-02-{d:02d}" for d in range(10, 18)]
    after = cc.days_after(days, "spring_festival", 1, 7)
    assert str(days[after][0]) == "2024-02-18" and str(days[after][-1]) == "2024-02-24"
    nd = cc.holiday_days(_days("2023-09-28", "2023-10-08"), "national_day")
    assert nd.tolist() == [False] + [True] * 8 + [False, False]  # 中秋国庆 9/29-10/6


def test_school_term_breaks_around_spring_festival_and_in_summer():
    days = _days("2024-01-01", "2024-09-10")
    term = dict(zip((str(d) for d in days), cc.school_term(days), strict=True))
    assert term["2024-01-10"] and not term["2024-01-25"] and not term["2024-02-20"]
    assert term["2024-02-26"] and not term["2024-08-01"] and term["2024-09-02"]


def test_a_year_without_a_notice_is_a_clear_error():
    with pytest.raises(InvalidInput, match="2030"):
        cc.check_covered(_days("2029-12-30", "2030-01-02"))
