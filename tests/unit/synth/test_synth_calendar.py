from datetime import date

from tiercare.core.synth.calendar import Calendar, holidays, in_school_term, spring_festival
from tiercare.core.synth.params import Params


def test_spring_festival_follows_the_lunar_calendar() -> None:
    assert spring_festival(2024) == date(2024, 2, 10)
    assert spring_festival(2025) == date(2025, 1, 29)
    assert spring_festival(2026) == date(2026, 2, 17)


def test_holidays_include_new_year_eve_and_national_day_week(params: Params) -> None:
    h = holidays(2025, params["holidays"])
    assert h[date(2025, 1, 28)] == "春节"  # 除夕
    assert h[date(2025, 2, 4)] == "春节"
    assert all(h[date(2025, 10, d)] in ("国庆节", "中秋节") for d in range(1, 8))
    assert h[date(2025, 5, 31)] == "端午节"
    assert date(2025, 3, 3) not in h


def test_school_terms(params: Params) -> None:
    hol = params["holidays"]
    assert in_school_term(date(2025, 3, 12), hol)  # Wednesday in the spring term
    assert not in_school_term(date(2025, 8, 6), hol)  # summer vacation
    assert not in_school_term(date(2025, 1, 29), hol)  # Spring Festival
    assert not in_school_term(date(2025, 3, 15), hol)  # Saturday


def test_visit_days_avoid_holidays_and_sundays(params: Params) -> None:
    from tiercare.core.synth.rng import Rng

    cal = Calendar(date(2024, 1, 1), 366, params)
    days = cal.draw_days(Rng(1), 200_000)
    per_day = [0] * 366
    for d in days.tolist():
        per_day[d] += 1
    weekday = [n for k, n in enumerate(per_day) if not cal.holiday[k] and cal.weekday[k] == 0]
    sunday = [n for k, n in enumerate(per_day) if not cal.holiday[k] and cal.weekday[k] == 6]
    holiday = [n for k, n in enumerate(per_day) if cal.holiday[k] and cal.weekday[k] < 5]
    mean = lambda xs: sum(xs) / len(xs)  # noqa: E731
    assert mean(sunday) < 0.7 * mean(weekday)
    assert mean(holiday) < 0.6 * mean(weekday)
