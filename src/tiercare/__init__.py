"""TierCare: an open regional health platform for tiered care (分级诊疗).

Nothing is created at import time: the composition root is :mod:`tiercare.bootstrap`.
"""

__version__ = "0.1.0"
