import dataclasses
import datetime as dt
import tomllib
from importlib import resources

import numpy as np
import pytest

from tiercare.core.errors import InvalidInput
from tiercare.core.surveillance.notifiable import (
    CaseCount,
    ReportedCase,
    daily_series,
    default_catalogue,
    detect_day,
    parse_catalogue,
    reporting_timeliness,
)

CAT = default_catalogue()
D = dt.date(2024, 6, 1)


@pytest.mark.parametrize(
    ("code", "key"),
    [
        ("A09", "other_diarrhoea"),
        ("A09.9", "other_diarrhoea"),
        ("j11.1", "influenza"),
        ("B08.4", "hfmd"),
        ("B18.1", "hepatitis_b"),
        ("A00.9", "cholera"),
        ("U07.1", "covid19"),
    ],
)
def test_codes_map_to_diseases(code, key):
    assert CAT.disease_for(code, D).key == key


@pytest.mark.parametrize("code", ["A090", "B08.5", "B18.2", "J06.9", "A0"])
def test_other_codes_are_not_notifiable_cases(code):
    assert CAT.disease_for(code, D) is None


def test_catalogue_is_dated():
    covid = CAT.disease_for("U07.1", D)
    assert covid.grave_on(dt.date(2022, 12, 1)) and not covid.grave_on(dt.date(2023, 1, 8))
    assert CAT.report_limit_hours(covid, dt.date(2022, 12, 1)) == 2
    assert CAT.report_limit_hours(covid, dt.date(2023, 1, 8)) == 24
    assert CAT.profile_for(covid, dt.date(2022, 12, 1)).method == "fixed_threshold"
    assert CAT.disease_for("B04", dt.date(2023, 9, 19)) is None
    assert CAT.disease_for("B04", dt.date(2023, 9, 20)).key == "mpox"


def _raw():
    text = (
        resources.files("tiercare.core.surveillance").joinpath("data", "notifiable.toml").read_text("utf-8")
    )
    return tomllib.loads(text)


def test_bad_catalogues_are_refused():
    raw = _raw()
    raw["disease"].append(dict(raw["disease"][0]))
    with pytest.raises(InvalidInput, match="share a key"):
        parse_catalogue(raw)
    raw = _raw()
    raw["detectors"]["default"]["method"] = "farringtn"
    with pytest.raises(InvalidInput, match="unknown detector"):
        parse_catalogue(raw)
    raw = _raw()
    del raw["detectors"]["rare"]
    with pytest.raises(InvalidInput, match="'rare'"):
        parse_catalogue(raw)


def test_daily_series_fills_silent_days_with_zero():
    cat = dataclasses.replace(CAT, history_days=10)
    counts = [
        CaseCount("J11.1", "339002", D, 3),
        CaseCount("J10.0", "339002", D, 1),
        CaseCount("J11.1", "339003", D - dt.timedelta(days=2), 2),
        CaseCount("J11.1", "339002", D - dt.timedelta(days=30), 9),  # outside the window
        CaseCount("Z00", "339002", D, 5),
    ]  # not notifiable
    series = daily_series(counts, cat, D)
    assert list(series) == ["influenza"]
    s = series["influenza"]
    assert [k.area for k in s.keys] == ["339002", "339003"]
    assert s.counts.shape == (2, 10)
    assert s.counts[0, -1] == 4 and s.counts[0, :-1].sum() == 0
    assert s.counts[1, -3] == 2
    assert s.dates[-1] == np.datetime64(D)


def test_detect_day_alarm_and_rare_disease():
    cat = dataclasses.replace(CAT, history_days=30)
    counts = [CaseCount("A38", "339002", D - dt.timedelta(days=k), 1) for k in range(3, 20, 4)]
    counts += [CaseCount("A38", "339002", D, 9), CaseCount("A20.0", "339001", D, 1)]
    found = {s.disease: s for s in detect_day(daily_series(counts, cat, D), cat, D)}
    assert set(found) == {"scarlet_fever", "plague"}
    assert found["plague"].method == "fixed_threshold" and found["plague"].observed == 1
    assert found["scarlet_fever"].observed == 9 and found["scarlet_fever"].upperbound < 9
    assert len(found["scarlet_fever"].snapshot_counts) == min(cat.snapshot_days, cat.history_days) == 30


def test_timeliness_groups_by_legal_limit():
    tz = dt.timezone(dt.timedelta(hours=8))
    t0 = dt.datetime(2024, 6, 1, 10, 0, tzinfo=tz)
    cases = [
        ReportedCase("A00.1", t0, t0 + dt.timedelta(hours=1, minutes=59)),
        ReportedCase("A00.1", t0, t0 + dt.timedelta(hours=2, minutes=1)),
        ReportedCase("J11.1", t0, t0 + dt.timedelta(hours=24)),
        ReportedCase("J11.1", t0, t0 - dt.timedelta(minutes=5)),
        ReportedCase("Z00", t0, t0 + dt.timedelta(days=9)),
    ]
    got = {t.group: (t.cases, t.on_time) for t in reporting_timeliness(cases, CAT)}
    assert got == {"2h": (2, 1), "24h": (2, 2)}
    with pytest.raises(InvalidInput, match="time zone"):
        reporting_timeliness([ReportedCase("J11.1", t0.replace(tzinfo=None), t0)], CAT)


def test_reporting_limits_come_from_the_catalogue():
    raw = _raw()
    raw["reporting"] = {"grave_hours": 1, "other_hours": 12}
    cat = parse_catalogue(raw)
    tz = dt.timezone(dt.timedelta(hours=8))
    t0 = dt.datetime(2024, 6, 1, 10, 0, tzinfo=tz)
    cholera, flu = cat.disease_for("A00.1", D), cat.disease_for("J11.1", D)
    assert (cat.report_limit_hours(cholera, D), cat.report_limit_hours(flu, D)) == (1, 12)
    got = {
        t.group: (t.cases, t.on_time)
        for t in reporting_timeliness(
            [
                ReportedCase("A00.1", t0, t0 + dt.timedelta(minutes=90)),
                ReportedCase("J11.1", t0, t0 + dt.timedelta(hours=13)),
            ],
            cat,
        )
    }
    assert got == {"1h": (1, 0), "12h": (1, 0)}
