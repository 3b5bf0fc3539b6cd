"""The column-wise form of the person model (person_columns) must give exactly
the levels and blocks of the per-pair functions that the real-time path uses."""

from dataclasses import replace
from datetime import date

import numpy as np
import pytest
from mpi_population import population

from tiercare.core.mpi.blocking import candidate_pairs, candidate_pairs_from_codes
from tiercare.core.mpi.fellegi_sunter import compare_pairs, random_pairs
from tiercare.core.mpi.person_columns import _one_edit
from tiercare.core.mpi.person_model import person_model
from tiercare.core.mpi.record import PersonRecord
from tiercare.core.mpi.standardise import standardise_record

pytestmark = pytest.mark.slow
TODAY = date(2026, 11, 23)


def _records() -> list:
    records, _ = population(seed=5, persons=150)
    base = records[0]
    extra = [
        # Pinyin-only, Western order, minority, traditional, latin, two phones in
        # either order, a shared phone, a 5-character Han name: the slow paths.
        replace(base, record_id="x1", name="Zhang Wei", phones=("13800000001", "13800000002")),
        replace(base, record_id="x2", name="Wei Zhang", phones=("13800000002", "13800000001")),
        replace(base, record_id="x3", name="张伟", phones=("13800000001",)),
        replace(base, record_id="x4", name="米热古丽·艾山", phones=("13800000001",)),
        replace(base, record_id="x5", name="米热古丽艾山", phones=("13800000010",)),
        replace(base, record_id="x6", name="張偉", phones=()),
        replace(base, record_id="x7", name="John Smith", phones=("13800000001",)),
        replace(base, record_id="x8", name="John Smyth", phones=("13800000001",)),
        replace(base, record_id="x9", name="欧阳娜娜", birth_date="1980-03-04"),
        replace(base, record_id="x10", name="欧阳娜", birth_date="1980-04-03"),
        replace(base, record_id="x11", name="李娜之子", birth_date="2025-06-01", id_number=None),
        replace(base, record_id="x12", name="某某之女", birth_date="2025-06-01", id_number=None),
        replace(base, record_id="x13", name="司马相如如", id_number="43012419800304123"),
        PersonRecord(record_id="x14", name="王芳"),
    ]
    return [standardise_record(r, today=TODAY) for r in records + extra]


@pytest.fixture(scope="module")
def model_and_records():
    std = _records()
    return person_model(std, columns=True), std


def test_blocking_codes_give_the_same_pairs_and_report(model_and_records):
    model, std = model_and_records
    eligible = [r.linkable for r in std]
    want, want_report = candidate_pairs(std, model.blocking, max_block_size=8, eligible=eligible)
    got, got_report = candidate_pairs_from_codes(len(std), model.columns.block_codes(), max_block_size=8, eligible=eligible)
    assert len(want) > 100
    assert np.array_equal(want, got)
    assert want_report == got_report
    assert sum(want_report.skipped_blocks.values()) > 0


def test_column_levels_equal_per_pair_levels(model_and_records):
    model, std = model_and_records
    cands, _ = candidate_pairs(std, model.blocking, max_block_size=300)
    every = np.array([(i, j) for i in range(len(std) - 14, len(std)) for j in range(len(std)) if j != i])
    pairs = np.concatenate([cands, random_pairs(len(std), 3000, np.random.default_rng(1)), every])
    want = compare_pairs(std, pairs, model.comparisons)
    got = model.columns.compare(pairs)
    assert np.array_equal(want, got)
    # Every name level is reached, so every path of the name comparison ran.
    assert set(np.unique(got[:, 0]).tolist()) >= {-1, 0, 1, 2, 3, 5, 6, 7}


def test_one_edit_on_digit_rows():
    rows = np.array([[1, 9, 8, 5], [1, 9, 8, 5], [1, 9, 8, 5], [1, 9, 8, 5], [1, 9, 8, 5]], dtype=np.uint8)
    other = np.array([[1, 9, 8, 5], [1, 9, 8, 6], [1, 9, 5, 8], [1, 8, 9, 6], [255, 255, 255, 255]], dtype=np.uint8)
    assert _one_edit(rows, other).tolist() == [True, True, True, False, False]
