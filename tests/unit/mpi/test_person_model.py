"""End to end on a small Chinese population with one hand-made case per error
type and per trap (see mpi_population): what links, what goes to review, what
must never link."""

from datetime import date

import numpy as np
import pytest
from mpi_population import population

from tiercare.core.mpi.blocking import blocking_recall, pair_codes, true_pairs
from tiercare.core.mpi.person_model import link_persons
from tiercare.core.mpi.rules import load_table

pytestmark = pytest.mark.slow
TODAY = date(2026, 11, 23)


@pytest.fixture(scope="module")
def linked():
    records, truth = population()
    settings = dict(load_table("model"))
    settings["estimation"] = {**settings["estimation"], "u_random_pairs": 10000}
    out = link_persons(records, today=TODAY, seed=3, settings=settings)
    ids = [r.record_id for r in out.records]
    return out, {rid: k for k, rid in enumerate(ids)}, [truth[r] for r in ids]


def probability(linked, a, b):
    out, pos, _ = linked
    i, j = sorted((pos[a], pos[b]))
    r = out.result
    hit = (r.pairs[:, 0] == i) & (r.pairs[:, 1] == j)
    return float(r.probabilities[hit][0]) if hit.any() else None


def same_person(linked, a, b):
    out, pos, _ = linked
    labels = out.result.clustering.labels
    return labels[pos[a]] == labels[pos[b]]


@pytest.mark.parametrize(
    "case",
    ["typo", "homophone", "traditional", "pinyin", "swap", "placeholder_date", "lunar", "id_typo", "id15", "guardian",
     "newborn", "household_typo"],
)
def test_every_error_type_is_linked(linked, case):
    assert same_person(linked, f"{case}-a", f"{case}-b")
    assert probability(linked, f"{case}-a", f"{case}-b") >= load_table("model")["thresholds"]["auto_link"]


@pytest.mark.parametrize(
    ("a", "b"),
    [("nbtwin-a", "nbtwin1-b"), ("nbtwin-a", "nbtwin2-b"), ("ctwin1-a", "ctwin2-a"), ("sister1-a", "sister2-a")],
)
def test_ambiguous_family_cases_go_to_review(linked, a, b):
    out, pos, _ = linked
    assert not same_person(linked, a, b)
    reviewed = {(i, j) for i, j, _ in out.result.clustering.review}
    assert tuple(sorted((pos[a], pos[b]))) in reviewed


@pytest.mark.parametrize(
    ("a", "b"),
    [("mother-a", "guardian-a"), ("mother-a", "guardian-b"), ("twin1-a", "twin2-a"), ("husband-a", "wife-a"),
     ("nbtwin1-b", "nbtwin2-b"), ("idcopy1-a", "idcopy2-a")],
)
def test_family_members_are_never_linked(linked, a, b):
    assert not same_person(linked, a, b)
    p = probability(linked, a, b)
    assert p is None or p == 0.0


def test_guardian_id_is_recognised_on_the_child_record(linked):
    out, pos, _ = linked
    child = out.records[pos["guardian-b"]]
    assert child.id_foreign and child.own_id is None
    assert "not_own" in [i.code for i in child.issues]


@pytest.mark.parametrize("garbage", ["garbage1-a", "garbage2-a", "garbage3-a", "garbage4-a"])
def test_garbage_records_are_reported_and_never_linked(linked, garbage):
    out, pos, _ = linked
    rec = out.records[pos[garbage]]
    assert not rec.linkable
    assert "not_linkable" in [i.code for i in rec.issues]
    k = pos[garbage]
    assert not ((out.result.pairs == k).any())
    assert (out.result.clustering.labels == out.result.clustering.labels[k]).sum() == 1


def test_pairwise_precision_and_recall_on_the_population(linked):
    out, _, truth = linked
    n = len(truth)
    want = pair_codes(true_pairs(truth), n)
    got = pair_codes(true_pairs([str(x) for x in out.result.clustering.labels]), n)
    hits = np.isin(got, want).sum()
    assert hits / len(got) == 1.0
    assert hits / len(want) >= 0.99  # only the newborn among twins waits for review
    assert blocking_recall(out.result.pairs, true_pairs(truth), n) == 1.0


def test_rules_fired_and_parameters_are_sane(linked):
    out, _, _ = linked
    hits = out.result.rule_hits
    assert hits["twins"] >= 1 and hits["parent_child"] >= 1 and hits["newborn_placeholder"] >= 1
    params = {d["comparison"]: d for d in out.result.parameters.describe()}
    # Agreement is evidence for a match, disagreement against, on every field.
    for name in ("name", "birth", "phone", "gender", "household"):
        assert params[name]["weight"][0] > 0 > params[name]["weight"][-1]
    assert params["id"]["weight"][0] > 2 and params["id"]["weight"][2] < -3
