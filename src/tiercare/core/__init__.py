"""The pure domain core: values, rules and algorithms. No I/O, no clock, no environment.

An import-linter contract (pyproject.toml) and tests/unit/test_architecture.py keep it so.
"""
