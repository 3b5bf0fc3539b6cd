"""Search compiler placeholder (replaced below)."""

from __future__ import annotations

from typing import Any

from tiercare.core.errors import NotSupported


class SearchCompiler:
    def run(self, conn: Any, query: Any, cursor: str | None) -> Any:
        raise NotSupported("search is not available yet")
