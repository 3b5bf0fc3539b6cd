"""Detection metrics of Noufaily et al. (2013) section 5 (预警效果评价指标).

Source: Noufaily A et al. (2013). An improved algorithm for outbreak detection in
multiple surveillance systems. Stat Med 32(7):1206-1222, section 5.2: false positive
rate (FPR), probability of detection (POD), POD in the first outbreak week,
sensitivity; and the delay to detection common in the literature (e.g. Bedubourg & Le
Strat 2017, PLoS One 12:e0181227).

Inputs are arrays *series x time* over the scored weeks only: ``alarm`` from a detector
(NaN = no decision, counted as no alarm, and reported separately) and ``outbreak``, the
cases added by the simulated current outbreak (> 0 during it). Each series is one
replicate holding at most one current outbreak, as in the paper's design.

* FPR: alarms in weeks with no outbreak cases / such weeks;
* POD: share of outbreaks with at least one alarm during the outbreak;
* POD first week: share alarmed in the outbreak's first week;
* sensitivity: alarmed outbreak weeks / outbreak weeks;
* delay: weeks from the outbreak's first week to its first alarm, over detected outbreaks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tiercare.core.errors import InvalidInput


@dataclass(frozen=True)
class DetectionMetrics:
    fpr: float
    pod: float
    pod_first_week: float
    sensitivity: float
    mean_delay: float
    outbreaks: int
    undecided_share: float


def detection_metrics(alarm: npt.ArrayLike, outbreak: npt.ArrayLike) -> DetectionMetrics:
    """The metrics above for one method over many replicates."""
    al = np.asarray(alarm, dtype=np.float64)
    ob = np.asarray(outbreak, dtype=np.float64) > 0
    if al.shape != ob.shape or al.ndim != 2:
        raise InvalidInput(f"alarm {al.shape} and outbreak {ob.shape} must be the same 2-D shape")
    undecided = np.isnan(al)
    hit = np.asarray((al == 1.0) & ~undecided, dtype=bool)
    quiet = ~ob
    fpr = float(hit[quiet].sum() / max(quiet.sum(), 1))
    has = np.asarray(ob.any(axis=1), dtype=bool)
    n_out = int(has.sum())
    if n_out == 0:
        return DetectionMetrics(
            fpr, float("nan"), float("nan"), float("nan"), float("nan"), 0, float(undecided.mean())
        )
    first = np.argmax(ob, axis=1)
    detected_any = np.asarray((hit & ob).any(axis=1), dtype=bool)
    rows = np.arange(al.shape[0])
    first_hit = hit[rows, first] & has
    sens = float((hit & ob).sum() / ob.sum())
    hit_in_outbreak = hit & ob
    first_alarm = np.where(detected_any, np.argmax(hit_in_outbreak, axis=1), -1)
    delays = (first_alarm - first)[has & detected_any]
    return DetectionMetrics(
        fpr=fpr,
        pod=float(detected_any[has].mean()),
        pod_first_week=float(first_hit[has].mean()),
        sensitivity=sens,
        mean_delay=float(delays.mean()) if delays.size else float("nan"),
        outbreaks=n_out,
        undecided_share=float(undecided.mean()),
    )
