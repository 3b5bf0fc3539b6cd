import numpy as np

from tiercare.core.mpi.blocking import BlockingKey, blocking_recall, candidate_pairs, true_pairs
from tiercare.core.mpi.cluster import cluster_links

RECORDS = [("a", "1"), ("a", "2"), ("b", "1"), ("c", "3"), ("a", "3")]
KEYS = [BlockingKey("letter", lambda r: (r[0],)), BlockingKey("digit", lambda r: (r[1],))]


def test_pairs_are_the_union_of_keys_without_duplicates():
    pairs, report = candidate_pairs(RECORDS, KEYS, max_block_size=10)
    assert sorted(map(tuple, pairs.tolist())) == [(0, 1), (0, 2), (0, 4), (1, 4), (3, 4)]
    assert report.pairs_per_key == {"letter": 3, "digit": 2} and report.candidate_pairs == 5


def test_oversize_blocks_are_skipped_and_counted():
    pairs, report = candidate_pairs(RECORDS, KEYS, max_block_size=2)
    assert report.skipped_blocks["letter"] == 1
    assert sorted(map(tuple, pairs.tolist())) == [(0, 2), (3, 4)]


def test_ineligible_records_and_same_group_pairs_are_left_out():
    pairs, _ = candidate_pairs(RECORDS, KEYS, max_block_size=10, eligible=[True, True, True, True, False])
    assert sorted(map(tuple, pairs.tolist())) == [(0, 1), (0, 2)]
    pairs, _ = candidate_pairs(RECORDS, KEYS, max_block_size=10, group=["x", "x", "y", "y", "y"])
    assert sorted(map(tuple, pairs.tolist())) == [(0, 2), (0, 4), (1, 4)]


def test_true_pairs_and_blocking_recall():
    truth = true_pairs(["p1", "p1", "p2", "p2", None])
    assert truth.tolist() == [[0, 1], [2, 3]]
    candidates = np.array([[0, 1], [1, 2]])
    assert blocking_recall(candidates, truth, 5) == 0.5
    assert blocking_recall(candidates, np.empty((0, 2), np.int64), 5) == 1.0


def test_clustering_refuses_a_chain_through_a_conflict():
    # 0-1 and 1-2 are strong links, but 0 and 2 cannot be one person (e.g. two valid IDs).
    pairs = np.array([[0, 1], [1, 2], [3, 4], [2, 4]])
    prob = np.array([0.99, 0.98, 0.97, 0.5])
    got = cluster_links(5, pairs, prob, auto_link=0.95, review=0.3, conflict=lambda i, j: {i, j} == {0, 2})
    assert got.labels.tolist() == [0, 0, 2, 3, 3]
    assert got.refused == [(1, 2, 0.98)]
    assert got.review == [(2, 4, 0.5)]
    assert got.clusters() == {0: [0, 1], 2: [2], 3: [3, 4]}


def test_review_pairs_already_in_one_cluster_are_not_reviewed():
    pairs = np.array([[0, 1], [1, 2], [0, 2]])
    prob = np.array([0.99, 0.99, 0.6])
    got = cluster_links(3, pairs, prob, auto_link=0.95, review=0.3, conflict=lambda i, j: False)
    assert got.labels.tolist() == [0, 0, 0] and got.review == []
