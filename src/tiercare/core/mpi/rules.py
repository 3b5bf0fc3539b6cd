"""Loading the rule tables of the client registry (居民主索引规则数据).

Every override table, threshold and pattern the registry uses lives in a TOML or
text file under ``tiercare/core/mpi/data`` with its source written in the file.
This module only reads them (package resources, no environment, no clock) and
caches the parsed result; callers may pass their own tables instead.
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from typing import Any


def _data_text(name: str) -> str:
    return resources.files("tiercare.core.mpi").joinpath("data", name).read_text(encoding="utf-8")


@cache
def load_table(name: str) -> dict[str, Any]:
    """Parse ``data/<name>.toml`` once; the result must be treated as read-only."""
    return tomllib.loads(_data_text(f"{name}.toml"))


@cache
def load_lines(name: str) -> tuple[str, ...]:
    """Non-comment, non-empty lines of ``data/<name>``."""
    out = []
    for line in _data_text(name).splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            out.append(line)
    return tuple(out)
