"""Loaders for the checked-in R reference data (no pandas needed)."""

from __future__ import annotations

import csv
import gzip
from pathlib import Path

import numpy as np

DATA = Path(__file__).with_name("data")


def counts(name: str, folder: Path = DATA) -> np.ndarray:
    return np.loadtxt(folder / name, delimiter=",", skiprows=1)


def reference(name: str, folder: Path = DATA) -> dict[str, dict[str, np.ndarray]]:
    """set name -> columns (series, t, upperbound, alarm, expected) as arrays."""
    rows: dict[str, list[list[str]]] = {}
    with gzip.open(folder / name, "rt", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        for row in reader:
            rows.setdefault(row[0], []).append(row[1:])
    out = {}
    for key, vals in rows.items():
        cols = list(zip(*vals, strict=True))
        out[key] = {
            h: np.array([np.nan if v in ("NA", "") else float(v) for v in col])
            for h, col in zip(header[1:], cols, strict=True)
        }
        out[key]["series"] = out[key]["series"].astype(int)
        out[key]["t"] = out[key]["t"].astype(int)
    return out
