import datetime as dt

import numpy as np
import pytest
from scipy.stats import poisson

from tiercare.core.errors import InvalidInput
from tiercare.core.surveillance import CountSeries
from tiercare.core.surveillance.glr_nb import glr_nb

START = dt.date(2024, 1, 1)


def test_poisson_glr_of_one_count_is_the_likelihood_ratio_at_the_mle():
    y = np.array([[2.0, 2, 2, 12]])
    mu = np.full_like(y, 2.0)
    r = glr_nb(CountSeries.weekly(y, START), expected=mu, range_=[3], window=1)
    llr = poisson.logpmf(12, 12) - poisson.logpmf(12, 2)  # kappa-hat = 6
    assert llr > 5 and r.alarm[0, 3] == 1.0
    # the bound: the largest count that does not reach c_arl = 5
    ub = r.upperbound[0, 3]
    assert (
        poisson.logpmf(ub, ub) - poisson.logpmf(ub, 2)
        < 5
        <= poisson.logpmf(ub + 1, ub + 1) - poisson.logpmf(ub + 1, 2)
    )


def test_glr_accumulates_a_sustained_shift_and_restarts_after_a_signal():
    rng = np.random.default_rng(4)
    mu = np.full((1, 60), 10.0)
    y = rng.poisson(mu).astype(float)
    y[0, 40:] = rng.poisson(18, 20)
    r = glr_nb(CountSeries.weekly(y, START), expected=mu, alpha=0.05, range_=range(20, 60))
    assert np.nansum(r.alarm[0, 20:40]) == 0
    assert r.alarm[0, 40:48].max() == 1.0
    assert np.isnan(r.alarm[0, :20]).all()
    with pytest.raises(InvalidInput):
        glr_nb(CountSeries.weekly(y, START), expected=mu[:, :5])
