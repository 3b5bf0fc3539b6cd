import datetime as dt

import numpy as np
import pytest

from tiercare.core.errors import InvalidInput
from tiercare.core.surveillance import daily_evaluation as de
from tiercare.core.surveillance import daily_simulation as ds
from tiercare.core.surveillance.holiday_glm import holiday_glm
from tiercare.core.surveillance.registry import run
from tiercare.core.surveillance.series import CountSeries, InvalidSeries


@pytest.fixture(scope="module")
def data():
    return ds.simulate(2, np.random.default_rng(3))


def test_the_daily_design_drops_reports_over_spring_festival_and_catches_up(data):
    days = data.dates
    i = int(np.flatnonzero(days == np.datetime64("2024-02-10"))[0])
    dense = data.counts[np.asarray(data.type_of_row) == "dense"]
    before, off, after = (
        dense[:, i - 14 : i].mean(),
        dense[:, i : i + 8].mean(),
        dense[:, i + 8 : i + 15].mean(),
    )
    assert off < 0.6 * before and after > 1.3 * off
    assert data.outbreak[:, : data.scored_from].sum() == 0  # the current outbreak is in the judged days
    assert (data.outbreak.sum(axis=1) > 0).mean() > 0.5
    assert data.counts.shape == (6, days.size) and str(days[data.scored_from]) == "2023-09-01"


@pytest.mark.slow
def test_holiday_glm_follows_the_holiday_dip_that_ears_alarms_on(data):
    series = CountSeries.daily(data.counts, dt.date(2021, 7, 1))
    out = holiday_glm(series, range_=slice(data.scored_from, None))
    judged = slice(data.scored_from, None)
    assert np.isnan(out.alarm[:, : data.scored_from]).all()
    dec = ~np.isnan(out.alarm[:, judged])
    assert dec.all()
    al, up, y = out.alarm[:, judged], out.upperbound[:, judged], data.counts[:, judged]
    assert np.array_equal(al == 1.0, y > up)  # the bound can be drawn on a chart
    assert (up >= 1).all()  # min_cases = 2: a lone case never alarms
    # expected during Spring Festival's days off is lower than the week before, as reported
    days = data.dates[judged]
    sf = (days >= np.datetime64("2024-02-10")) & (days <= np.datetime64("2024-02-17"))
    pre = (days >= np.datetime64("2024-01-20")) & (days < np.datetime64("2024-02-10"))
    dense = np.asarray(data.type_of_row) == "dense"
    assert out.expected[dense][:, judged][:, sf].mean() < 0.7 * out.expected[dense][:, judged][:, pre].mean()


def test_holiday_glm_rejects_weekly_series_and_bad_parameters():
    weekly = CountSeries.weekly(np.ones((1, 200)), dt.date(2021, 1, 4))
    with pytest.raises(InvalidSeries):
        holiday_glm(weekly)
    daily = CountSeries.daily(np.ones((1, 400)), dt.date(2022, 1, 1))
    with pytest.raises(InvalidInput):
        holiday_glm(daily, alpha=1.5)
    with pytest.raises(InvalidInput):
        holiday_glm(daily, history_days=100)
    short = holiday_glm(daily)  # 400 days: only the last 28 can be judged
    assert np.isnan(short.alarm[0, :372]).all() and not np.isnan(short.alarm[0, 372:]).any()


def test_daily_evaluation_scores_every_method_with_the_spring_festival_window(data):
    methods, after = de.config()
    assert [m.label for m in methods][-1] == "holiday_glm"
    m = next(x for x in methods if x.label == "ears_c1")
    al = de.alarms(data, m)
    rows = de.score(data, m.label, al, after)
    assert [r.group for r in rows] == ["sparse", "medium", "dense", "overall"]
    window = de.spring_festival_window(data.dates, after)
    assert window.sum() == (7 + 14) + (7 + 14) + (8 + 14)  # Spring Festival 2022, 2023, 2024
    ref = run(
        "ears_c1", CountSeries.daily(data.counts, dt.date(2021, 7, 1)), range_=slice(data.scored_from, None)
    )
    np.testing.assert_array_equal(al, ref.alarm[:, data.scored_from :])


def test_holiday_glm_with_trend_and_gaps_gives_no_decision_only_at_the_gap():
    rng = np.random.default_rng(8)
    counts = rng.poisson(5.0 * np.exp(np.arange(420) / 800), (2, 420)).astype(float)
    counts[0, 100] = np.nan  # a gap in the history: weight 0
    counts[1, 410] = np.nan  # a gap on a judged day: no decision there
    series = CountSeries.daily(counts, dt.date(2022, 1, 1))
    out = holiday_glm(series, trend=True, range_=slice(400, None))
    assert not np.isnan(out.alarm[0, 400:]).any()
    assert np.isnan(out.alarm[1, 410]) and np.isnan(out.alarm[1, 400:]).sum() == 1
    assert out.params["trend"] is True and (out.expected[:, 400:] > 4).all()
