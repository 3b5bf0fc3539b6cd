"""The estimator recovers known parameters from data drawn from the model
(Splink's way of showing correctness), and its pieces behave."""

import numpy as np
import pytest

from tiercare.core.mpi.fellegi_sunter import (
    Comparison,
    Parameters,
    compare_pairs,
    estimate_u,
    expectation_maximisation,
    log_bayes_factors,
    match_probability,
    random_pairs,
    term_frequencies,
    tf_adjustments,
)

TRUE_M = [np.array([0.85, 0.1, 0.05]), np.array([0.9, 0.1]), np.array([0.7, 0.2, 0.1])]
TRUE_U = [np.array([0.01, 0.04, 0.95]), np.array([0.05, 0.95]), np.array([0.02, 0.08, 0.9])]
COMPS = [Comparison(f"c{k}", tuple(f"l{j}" for j in range(len(m))), lambda a, b: -1) for k, m in enumerate(TRUE_M)]


def draw(n, lam, rng):
    match = rng.random(n) < lam
    gamma = np.empty((n, len(TRUE_M)), dtype=np.int8)
    for k, (m, u) in enumerate(zip(TRUE_M, TRUE_U, strict=True)):
        gamma[:, k] = np.where(match, rng.choice(len(m), n, p=m), rng.choice(len(u), n, p=u))
    gamma[rng.random(gamma.shape) < 0.05] = -1  # some missing values
    return gamma, match


def test_em_recovers_m_and_lambda_with_u_from_random_pairs():
    rng = np.random.default_rng(7)
    gamma, match = draw(40000, 0.2, rng)
    random_gamma, _ = draw(40000, 0.0, rng)
    u = estimate_u(random_gamma, COMPS, min_probability=1e-6)
    for got, want in zip(u, TRUE_U, strict=True):
        assert np.allclose(got, want, atol=0.01)
    params = expectation_maximisation(
        gamma, COMPS, u, initial_lambda=0.05, max_iterations=200, tolerance=1e-7, pseudo_count=0.0, min_probability=1e-9
    )
    assert params.lam == pytest.approx(0.2, abs=0.01)
    for got, want in zip(params.m, TRUE_M, strict=True):
        assert np.allclose(got, want, atol=0.02)
    prob = match_probability(np.log(params.lam / (1 - params.lam)) + log_bayes_factors(gamma, COMPS, params))
    assert ((prob > 0.5) == match).mean() > 0.97


def test_null_levels_add_no_weight():
    params = Parameters(names=["c0", "c1", "c2"], m=TRUE_M, u=TRUE_U, lam=0.5)
    gamma = np.full((1, 3), -1, dtype=np.int8)
    assert log_bayes_factors(gamma, COMPS, params)[0] == 0.0
    weights = params.weights()
    assert weights[0][0] == pytest.approx(np.log2(85.0))
    assert params.describe()[1]["comparison"] == "c1"


def test_random_pairs_are_distinct_and_ordered():
    pairs = random_pairs(5, 1000, np.random.default_rng(1))
    assert (pairs[:, 0] < pairs[:, 1]).all() and pairs.max() == 4
    assert len(random_pairs(1, 10, np.random.default_rng(1))) == 0


def test_compare_pairs_and_term_frequency_adjustment():
    records = ["wang", "wang", "wang", "qin", "qin"]
    comp = Comparison("name", ("exact", "different"), lambda a, b: 0 if a == b else 1, tf_key=lambda r: r)
    pairs = np.array([[0, 1], [3, 4], [0, 3]])
    gamma = compare_pairs(records, pairs, [comp])
    assert gamma[:, 0].tolist() == [0, 0, 1]
    params = Parameters(names=["name"], m=[np.array([0.9, 0.1])], u=[np.array([0.4, 0.6])], lam=0.5)
    params.tf = term_frequencies(records, [comp])
    assert params.tf["name"] == {"wang": 0.6, "qin": 0.4}
    adj = tf_adjustments(records, pairs, gamma, [comp], params)
    # A common value (wang, 60%) weighs less than the average exact agreement; a rarer one does not.
    assert adj[0] == pytest.approx(np.log(0.4 / 0.6)) and adj[1] == pytest.approx(0.0) and adj[2] == 0.0
