"""Infectious-disease early warning (传染病预警): one series type and one module per
published detector. See docs/surveillance.md."""

from tiercare.core.surveillance.series import CountSeries, InvalidSeries, SeriesKey

__all__ = ["CountSeries", "InvalidSeries", "SeriesKey"]
