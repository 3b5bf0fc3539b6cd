"""The lock files agree: uv.lock (beside pyproject.toml) and the hash-pinned
requirements files that `make venv` installs pin the same version of every package."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PIN = re.compile(r"^([A-Za-z0-9_.-]+)==([^\s;\\]+)")


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pins(path: Path) -> dict[str, str]:
    pins = {}
    for line in path.read_text("utf-8").splitlines():
        if m := PIN.match(line):
            pins[_norm(m.group(1))] = m.group(2)
    return pins


def test_uv_lock_pins_what_the_requirements_files_install() -> None:
    lock = tomllib.loads((ROOT / "uv.lock").read_text("utf-8"))
    locked = {_norm(p["name"]): p["version"] for p in lock["package"] if "version" in p}
    for req in ("requirements.txt", "requirements-dev.txt"):
        pins = _pins(ROOT / req)
        assert pins, req
        differ = {n: (v, locked.get(n)) for n, v in pins.items() if locked.get(n) != v}
        assert differ == {}, f"{req} and uv.lock disagree (run `make lock`): {differ}"
