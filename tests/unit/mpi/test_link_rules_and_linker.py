import numpy as np
import pytest

from tiercare.core.errors import ConfigError
from tiercare.core.mpi.blocking import BlockingKey
from tiercare.core.mpi.fellegi_sunter import Comparison
from tiercare.core.mpi.link_rules import apply_rules, parse_rules, rule_applies, rule_masks
from tiercare.core.mpi.linker import LinkModel, link
from tiercare.core.mpi.rules import load_table

EQ = ("same", "different")


def eq(field):
    return Comparison(field, EQ, lambda a, b: -1 if a[field] is None or b[field] is None else int(a[field] != b[field]))


COMPS = [eq("name"), eq("dob"), eq("home")]
RULES = parse_rules([
    {"name": "twins", "when": {"dob": ["same"], "name": ["different"]}, "when_any": [{"home": ["same"]}],
     "cap": "no_link", "cannot_link": True},
    {"name": "soft", "when": {"name": ["same"]}, "unless": {"dob": ["same"]}, "cap": "review"},
])


def test_masks_vectorised_and_one_row_agree():
    gamma = np.array([[1, 0, 0], [1, 0, 1], [0, 1, -1], [0, 0, 0], [1, 0, -1]], dtype=np.int8)
    masks = rule_masks(gamma, COMPS, RULES)
    assert masks["twins"].tolist() == [True, False, False, False, False]
    assert masks["soft"].tolist() == [False, False, True, False, False]
    for row, want in zip(gamma.tolist(), masks["twins"].tolist(), strict=True):
        assert rule_applies(row, COMPS, RULES[0]) == want
    for row, want in zip(gamma.tolist(), masks["soft"].tolist(), strict=True):
        assert rule_applies(row, COMPS, RULES[1]) == want
    p, cannot = apply_rules(np.full(5, 0.999), masks, RULES, auto_link=0.95)
    assert p[0] == 0.0 and 0.94 < p[2] < 0.95 and p[3] == 0.999
    assert cannot.tolist() == [True, False, False, False, False]


def test_bad_rules_are_configuration_errors():
    with pytest.raises(ConfigError):
        parse_rules([{"name": "x", "cap": "maybe"}])
    with pytest.raises(ConfigError):
        rule_masks(np.zeros((1, 3), np.int8), COMPS, parse_rules([{"name": "x", "when": {"nope": ["same"]}}]))


def test_link_across_groups_only():
    people = [("ann", "1990", "h1"), ("bob", "1980", "h2"), ("cat", "1970", "h3"), ("dan", "1960", "h4")] * 15
    records = [{"name": n, "dob": d, "home": h} for n, d, h in people[:30]]
    records += [{"name": n, "dob": d, "home": None} for n, d, h in people[:30]]
    groups = ["a"] * 30 + ["b"] * 30
    model = LinkModel(COMPS, [BlockingKey("name", lambda r: (r["name"],))], [])
    settings = dict(load_table("model"))
    settings["estimation"] = {**settings["estimation"], "u_random_pairs": 2000}
    result = link(records, model, settings, seed=1, group=groups)
    g = np.array(groups)
    assert (g[result.pairs[:, 0]] != g[result.pairs[:, 1]]).all()
    assert len(result.pairs) == sum(1 for i in range(30) for j in range(30, 60) if records[i]["name"] == records[j]["name"])
    assert result.parameters.lam < 0.5  # λ over all cross pairs, not over candidates


def test_null_label_matches_missing_values():
    rule = parse_rules([{"name": "n", "when": {"dob": ["null"], "name": ["different"]}, "cap": "no_link"}])
    gamma = np.array([[1, -1, 0], [1, 0, 0]], dtype=np.int8)
    assert rule_masks(gamma, COMPS, rule)["n"].tolist() == [True, False]
    assert rule_applies([1, -1, 0], COMPS, rule[0]) and not rule_applies([1, 0, 0], COMPS, rule[0])
