import datetime as dt

import numpy as np
import pytest

from tiercare.core.errors import InvalidInput
from tiercare.core.surveillance import CountSeries
from tiercare.core.surveillance.cusum import cusum

START = dt.date(2024, 1, 1)


def test_rossi_cusum_accumulates_and_signals_a_shift():
    y = np.array([4.0] * 20 + [4, 9, 9, 9, 4])
    r = cusum(CountSeries.daily(y, START), range_=range(20, 25))
    m = 4.0
    x = (9 - 3 * m + 2 * np.sqrt(9 * m)) / (2 * np.sqrt(m))
    assert x == pytest.approx(2.25)
    # x = 0 for y = m. S: 0, 1.21, 2.42 (>= h), 3.63, then y = 4: 2.59 (no reset)
    assert r.alarm[0, 20:25].tolist() == [0, 0, 1, 1, 1]
    r2 = cusum(CountSeries.daily(y, START), range_=range(20, 25), h=1.2)
    assert r2.alarm[0, 20:25].tolist() == [0, 1, 1, 1, 1]
    assert np.isnan(r.alarm[0, :20]).all()
    assert (r.expected[0, 20:] == 4).all()


def test_upper_bound_is_the_count_that_reaches_h():
    y = np.array([4.0] * 20 + [12])
    r = cusum(CountSeries.daily(y, START), range_=[20])
    ub = r.upperbound[0, 20]
    m = 4.0
    x = (ub - 3 * m + 2 * np.sqrt(ub * m)) / (2 * np.sqrt(m))
    assert x - 1.04 == pytest.approx(2.26)
    assert r.alarm[0, 20] == float(12 > ub)


def test_standard_transform_given_expectation_and_bad_options():
    s = CountSeries.daily(np.array([[5.0, 5, 20, 5]]), START)
    r = cusum(s, trans="standard", expected=np.full((1, 4), 5.0))
    assert r.alarm[0].tolist() == [0, 0, 1, 1]  # no reset: S stays above h one more day
    for kw in ({"trans": "x"}, {"h": 0}, {"expected": np.ones((2, 2))}):
        with pytest.raises(InvalidInput):
            cusum(s, **kw)
