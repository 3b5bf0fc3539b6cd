import numpy as np
import pytest

from tiercare.core.errors import InvalidInput
from tiercare.core.surveillance.evaluation import detection_metrics


def test_metrics_on_a_small_hand_counted_case():
    # 3 replicates x 6 weeks; outbreaks in weeks 2-3 (rep 0), 4-5 (rep 1), none (rep 2)
    outbreak = np.array([[0, 0, 5, 3, 0, 0], [0, 0, 0, 0, 2, 2], [0, 0, 0, 0, 0, 0]])
    alarm = np.array([[0, 1, 0, 1, 0, 0], [0, 0, 0, 0, 1, 1], [1, np.nan, 0, 0, 0, 0]])
    m = detection_metrics(alarm, outbreak)
    assert m.fpr == pytest.approx(2 / 14)  # week 1 of rep 0 and week 0 of rep 2
    assert m.pod == 1.0 and m.outbreaks == 2
    assert m.pod_first_week == 0.5
    assert m.sensitivity == pytest.approx(3 / 4)
    assert m.mean_delay == pytest.approx(0.5)  # rep 0: 1 week late, rep 1: on time
    assert m.undecided_share == pytest.approx(1 / 18)


def test_no_outbreak_and_bad_shapes():
    m = detection_metrics(np.zeros((2, 3)), np.zeros((2, 3)))
    assert m.fpr == 0 and m.outbreaks == 0 and np.isnan(m.pod)
    with pytest.raises(InvalidInput):
        detection_metrics(np.zeros((2, 3)), np.zeros((3, 2)))
