"""Fixed-threshold detection (固定阈值法): one case is a signal.

Source: China CDC, China Infectious Disease Automated-alert and Response System (CIDARS,
国家传染病自动预警信息系统): for Class A diseases (甲类: plague, cholera) and diseases
managed as Class A (e.g. pneumonic anthrax, SARS) and other rare grave diseases, every
reported case raises a signal (Yang W et al. (2011), A nationwide web-based automated
system for outbreak early detection and rapid response in China, Western Pac Surveill
Response J 2(1):10-15; Li Z et al. (2014), the CIDARS chapter, PMC7149749).

alarm when y >= ``cases`` (default 1); the upper bound is ``cases`` - 1, so that, as
for every detector, alarm <=> y > upperbound; the expected value is 0. A gap (NaN)
gives NA. No history is needed.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from tiercare.core.errors import InvalidInput
from tiercare.core.surveillance.series import CountSeries, detection_range, empty_result


def fixed_threshold(
    series: CountSeries, *, cases: int = 1, range_: Sequence[int] | slice | None = None
) -> CountSeries:
    """Signal every period with at least ``cases`` cases."""
    if cases < 1:
        raise InvalidInput(f"fixed threshold needs cases >= 1, got {cases}")
    idx = detection_range(series, range_, 0)
    expected, upper, alarm = empty_result(series.counts.shape)
    y = series.counts[:, idx]
    ok = ~np.isnan(y)
    expected[:, idx] = np.where(ok, 0.0, np.nan)
    upper[:, idx] = np.where(ok, cases - 1.0, np.nan)
    with np.errstate(invalid="ignore"):
        alarm[:, idx] = np.where(ok, (y >= cases).astype(np.float64), np.nan)
    return series.with_result(
        expected=expected, upperbound=upper, alarm=alarm, method="fixed_threshold", params={"cases": cases}
    )
