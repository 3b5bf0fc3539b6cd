import datetime as dt

import numpy as np
import pytest

from tiercare.core.errors import TierCareError
from tiercare.core.surveillance import CountSeries, InvalidSeries, SeriesKey
from tiercare.core.surveillance.registry import names, run

START = dt.date(2024, 1, 1)  # a Monday


def test_daily_series_has_regular_dates_and_default_keys():
    s = CountSeries.daily(np.zeros((2, 10)), START)
    assert s.n_series == 2 and s.n_time == 10
    assert s.dates[0] == np.datetime64("2024-01-01") and s.dates[-1] == np.datetime64("2024-01-10")
    assert s.keys == (SeriesKey("", "0"), SeriesKey("", "1"))
    assert s.alarm is None and not s.decided.any() and not s.alarms.any()


def test_weekly_series_starts_on_the_iso_monday_and_names_iso_weeks():
    s = CountSeries.weekly([[1, 2, 3]], dt.date(2025, 2, 13), keys=[("county-1", "A01")])
    assert s.dates[0] == np.datetime64("2025-02-10")
    assert s.iso_weeks() == ["2025W07", "2025W08", "2025W09"]
    assert s.keys[0].area == "county-1"


@pytest.mark.parametrize(
    "counts, message",
    [
        (np.zeros((0, 5)), "empty"),
        (np.zeros((2, 0)), "empty"),
        ([[1, -1, 2]], "negative"),
        ([[1, 1.5, 2]], "whole numbers"),
        ([[1, np.inf, 2]], "infinite"),
        (np.zeros((2, 2, 2)), "2-D"),
    ],
)
def test_bad_counts_raise_one_clear_error(counts, message):
    with pytest.raises(InvalidSeries, match=message):
        CountSeries.daily(counts, START)


def test_irregular_dates_and_wrong_keys_are_rejected():
    dates = np.array(["2024-01-01", "2024-01-02", "2024-01-04"], dtype="datetime64[D]")
    with pytest.raises(InvalidSeries, match="consecutive"):
        CountSeries(counts=np.zeros((1, 3)), dates=dates, freq=365, keys=(("a", "b"),))
    with pytest.raises(InvalidSeries, match="keys"):
        CountSeries.daily(np.zeros((2, 3)), START, keys=[("a", "b")])
    with pytest.raises(InvalidSeries, match="freq"):
        CountSeries(counts=np.zeros((1, 1)), dates=dates[:1], freq=12, keys=(("a", "b"),))
    with pytest.raises(InvalidSeries, match="Monday"):
        CountSeries(
            counts=np.zeros((1, 2)),
            dates=np.array(["2024-01-02", "2024-01-09"], dtype="datetime64[D]"),
            freq=52,
            keys=(("a", "b"),),
        )


def test_invalid_series_is_a_tiercare_error():
    assert issubclass(InvalidSeries, TierCareError)


def test_select_keeps_rows_and_results():
    s = CountSeries.daily(np.arange(12).reshape(3, 4), START)
    r = run("fixed_threshold", s)
    sub = r.select([2, 0])
    assert sub.counts.tolist() == [[8, 9, 10, 11], [0, 1, 2, 3]]
    assert sub.alarm is not None and sub.alarm.tolist() == [[1, 1, 1, 1], [0, 1, 1, 1]]
    assert sub.keys == (SeriesKey("", "2"), SeriesKey("", "0"))


@pytest.mark.parametrize("name", names())
def test_every_detector_handles_gaps_zeros_and_short_history(name):
    counts = np.zeros((3, 40))
    counts[1, 35] = 4
    counts[2, 20] = np.nan
    s = CountSeries.daily(counts, START)
    r = run(name, s)
    assert (
        r.method is not None and r.expected is not None and r.upperbound is not None and r.alarm is not None
    )
    assert r.alarm.shape == s.counts.shape
    # a gap is never a decision, and NA is never an alarm
    assert np.isnan(r.alarm[2, 20])
    assert not (r.alarms & ~r.decided).any()
    short = run(name, CountSeries.daily(np.ones((2, 3)), START))
    assert short.alarm is not None
    if name != "fixed_threshold":
        assert np.isnan(short.alarm).all()  # too little history: no decision


def test_registry_rejects_unknown_detectors_and_misspelled_parameters():
    s = CountSeries.daily(np.zeros((1, 30)), START)
    with pytest.raises(TierCareError, match="unknown detector"):
        run("earsC9", s)
    with pytest.raises(TierCareError, match="thersholdMethod"):
        run("farrington_flexible", s, thersholdMethod="nbPlugin")


@pytest.mark.parametrize("name", names())
def test_all_zero_weekly_history_never_alarms_or_crashes(name):
    import warnings

    counts = np.zeros((2, 52 * 6))
    counts[1, -1] = 1  # one case after six silent years
    s = CountSeries.weekly(counts, START)
    if name == "holiday_glm":  # daily only: a clear error on weekly series, never a crash
        with pytest.raises(InvalidSeries, match="daily"):
            run(name, s, range_=range(s.n_time - 4, s.n_time))
        return
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning from log(0), 0/0, ...
        r = run(name, s, range_=range(s.n_time - 4, s.n_time))
    assert not r.alarms[0].any()
    # C3 has no decision where s = 0 (as R); CUSUM and GLR need a positive mean
    assert r.decided[:, -4:].any() or name in ("ears_c3", "cusum", "glr_nb")
