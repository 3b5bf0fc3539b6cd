"""Parameters of the synthetic region (合成参数): every rate, share and target, each with
its source, read from TOML (default: data/params.toml shipped with the package).

The generator reads numbers only through :class:`Params`; a region replaces the file to
model its own setting. :func:`validate` refuses shares outside [0, 1], pyramids that do
not sum to one and tables whose columns differ in length, so that a typo in a region's
file fails loudly rather than skewing a figure.
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass
from importlib import resources
from typing import Any

import orjson

from tiercare.core.errors import InvalidInput


@dataclass(frozen=True, eq=False)  # identity equality: hashable, usable as a cache key
class Params:
    """The parsed parameter tree and a digest of it (recorded in the manifest)."""

    raw: dict[str, Any]
    digest: str

    def __getitem__(self, key: str) -> Any:
        return self.raw[key]

    def section(self, key: str) -> dict[str, Any]:
        value = self.raw.get(key)
        if not isinstance(value, dict):
            raise InvalidInput(f"synth parameters: section [{key}] is missing")
        return value


def default_text() -> str:
    """The text of the packaged default parameter file."""
    return resources.files("tiercare.core.synth").joinpath("data/params.toml").read_text("utf-8")


def parse(text: str) -> Params:
    """Parse and validate a TOML parameter file."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInput(f"synth parameters: not valid TOML ({exc})") from None
    validate(raw)
    digest = hashlib.sha256(orjson.dumps(raw, option=orjson.OPT_SORT_KEYS)).hexdigest()
    return Params(raw=raw, digest=digest)


def load_default() -> Params:
    return parse(default_text())


def _share(raw: dict[str, Any], path: str) -> None:
    node: Any = raw
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            raise InvalidInput(f"synth parameters: {path} is missing")
        node = node[part]
    values = node if isinstance(node, list) else [node]
    for v in values:
        if not isinstance(v, int | float) or not 0.0 <= float(v) <= 1.0:
            raise InvalidInput(f"synth parameters: {path} must be a share between 0 and 1")


_SHARES = (
    "population.age_group_share", "population.male_share", "care.county_retention_target",
    "care.primary_share_target", "care.city_share_of_out_of_county", "care.village_share_of_primary",
    "management.standard_share", "management.bp_controlled_share", "management.fpg_controlled_share",
    "contracts.general", "contracts.elderly_65", "contracts.hypertension", "contracts.diabetes",
    "referral.acceptance", "referral.followup_14d", "registration.error_rate_village",
    "registration.error_rate_city", "infectious.late_report_share", "region.district_share",
)


def validate(raw: dict[str, Any]) -> None:
    """Check shape and ranges; raise :class:`InvalidInput` with the offending path."""
    for path in _SHARES:
        _share(raw, path)
    pop = raw["population"]
    n = len(pop["age_group_start"])
    if len(pop["age_group_share"]) != n or len(pop["male_share"]) != n:
        raise InvalidInput("synth parameters: population tables differ in length")
    if abs(sum(pop["age_group_share"]) - 1.0) > 0.01:
        raise InvalidInput("synth parameters: population.age_group_share must sum to 1")
    names = raw["names"]
    if len(names["surnames"]) != len(names["surname_weights"]):
        raise InvalidInput("synth parameters: names.surnames and surname_weights differ in length")
    bands = len(raw["chronic"]["age_band_start"])
    for key, cond in raw["chronic"].items():
        if isinstance(cond, dict):
            for sex in ("male", "female"):
                if len(cond[sex]) != bands:
                    raise InvalidInput(f"synth parameters: chronic.{key}.{sex} needs {bands} values")
                _share(raw, f"chronic.{key}.{sex}")
    care = raw["care"]
    if len(care["visit_rate_by_age_start"]) != len(care["visit_rate_multiplier"]):
        raise InvalidInput("synth parameters: care visit-rate tables differ in length")
    if len(raw["infectious"]["day_of_week_multiplier"]) != 7:
        raise InvalidInput("synth parameters: infectious.day_of_week_multiplier needs 7 values")
