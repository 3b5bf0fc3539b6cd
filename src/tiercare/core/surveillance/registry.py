"""The detector registry (预警方法注册表): built-ins register exactly as a region's own
methods do, by name, through :func:`register`; nothing else in the platform needs to
know which detectors exist.

A detector is a callable ``(CountSeries, **params) -> CountSeries`` that returns the
series filled with ``expected``, ``upperbound`` and ``alarm`` (see ``series``).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from tiercare.core.errors import InvalidInput
from tiercare.core.surveillance.cusum import cusum
from tiercare.core.surveillance.ears import ears_c1, ears_c2, ears_c3
from tiercare.core.surveillance.farrington import farrington
from tiercare.core.surveillance.farrington_flexible import farrington_flexible
from tiercare.core.surveillance.fixed_threshold import fixed_threshold
from tiercare.core.surveillance.glr_nb import glr_nb
from tiercare.core.surveillance.holiday_glm import holiday_glm
from tiercare.core.surveillance.moving_percentile import moving_percentile
from tiercare.core.surveillance.series import CountSeries

Detector = Callable[..., CountSeries]

_REGISTRY: dict[str, Detector] = {}


def register(name: str, detector: Detector, *, replace: bool = False) -> None:
    """Make ``detector`` available under ``name``."""
    if name in _REGISTRY and not replace:
        raise InvalidInput(f"a detector named {name!r} is already registered")
    _REGISTRY[name] = detector


def get(name: str) -> Detector:
    try:
        return _REGISTRY[name]
    except KeyError:
        raise InvalidInput(f"unknown detector {name!r}; known: {', '.join(sorted(_REGISTRY))}") from None


def names() -> list[str]:
    return sorted(_REGISTRY)


def run(name: str, series: CountSeries, **params: Any) -> CountSeries:
    """Run the detector ``name`` with ``params`` (unknown parameter names are an error,
    never silently ignored: the R pitfall of DOMAIN.md)."""
    detector = get(name)
    accepted = [p for p in inspect.signature(detector).parameters if p != "series"]
    unknown = sorted(set(params) - set(accepted))
    if unknown:
        raise InvalidInput(
            f"detector {name!r} has no parameter {', '.join(unknown)}; it takes {', '.join(accepted)}"
        )
    return detector(series, **params)


for _name, _det in (
    ("fixed_threshold", fixed_threshold),
    ("ears_c1", ears_c1),
    ("ears_c2", ears_c2),
    ("ears_c3", ears_c3),
    ("farrington", farrington),
    ("farrington_flexible", farrington_flexible),
    ("moving_percentile", moving_percentile),
):
    register(_name, _det)
register("cusum", cusum)
register("glr_nb", glr_nb)
register("holiday_glm", holiday_glm)
