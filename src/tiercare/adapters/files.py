"""NDJSON files (FHIR Bulk Data format, 批量数据文件): read lines of ``.ndjson`` /
``.ndjson.gz`` files or folders of them, and write one NDJSON file per resource type."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from tiercare.core.errors import InvalidInput

SUFFIXES = (".ndjson", ".ndjson.gz", ".jsonl", ".jsonl.gz")


def ndjson_files(target: Path) -> list[Path]:
    """The NDJSON files of ``target`` (a file, or a folder searched recursively), sorted."""
    if target.is_file():
        return [target]
    if target.is_dir():
        return sorted(p for p in target.rglob("*") if p.is_file() and p.name.endswith(SUFFIXES))
    raise InvalidInput(f"{target} is neither a file nor a folder")


def _open(path: Path) -> IO[bytes]:
    if path.name.endswith(".gz"):
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return path.open("rb")


def read_lines(path: Path) -> Iterator[tuple[int, bytes]]:
    """(line number from 1, raw line) of the non-blank lines of one file."""
    with _open(path) as fh:
        for number, line in enumerate(fh, start=1):
            if line.strip():
                yield number, line


def total_bytes(paths: list[Path]) -> int:
    return sum(p.stat().st_size for p in paths)


class NdjsonWriter:
    """One ``<Type>.ndjson`` per resource type in ``folder`` (Bulk Data export output)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self._files: dict[str, IO[bytes]] = {}
        self.counts: dict[str, int] = {}

    def write(self, resource_type: str, line: bytes) -> None:
        fh = self._files.get(resource_type)
        if fh is None:
            fh = self._files[resource_type] = (self.folder / f"{resource_type}.ndjson").open("wb")
        fh.write(line)
        fh.write(b"\n")
        self.counts[resource_type] = self.counts.get(resource_type, 0) + 1

    def close(self) -> None:
        for fh in self._files.values():
            fh.close()
        self._files.clear()
