from collections import Counter
from datetime import date
from functools import lru_cache

import pytest

from tiercare.core.synth.facilities import build_region
from tiercare.core.synth.ids import id_sex_is_male, is_valid_id_number
from tiercare.core.synth.names import MIDDLE_DOT, NameModel
from tiercare.core.synth.params import Params
from tiercare.core.synth.population import IdAllocator, generate_residents
from tiercare.core.synth.rng import Rng


@lru_cache(maxsize=1)
def _residents(params: Params, seed: int, n_villages: int = 6) -> list:  # type: ignore[type-arg]
    region = build_region(params, 40000, seed=seed)
    county = region.counties[1]
    names = NameModel.from_params(params["names"])
    out = []
    for t in county.townships[:2]:
        ids = IdAllocator(t.index_in_county, len(county.townships))
        for v in t.villages[:n_villages]:
            out += generate_residents(Rng(seed, int(v.code)), params, names, county, t, v, date(2024, 1, 1), ids)
    return out


@pytest.mark.slow
def test_pyramid_matches_the_2020_census_shape(params: Params) -> None:
    people = [p for p in _residents(params, 11) if p.resident]
    n = len(people)
    assert n > 8000
    share = lambda lo, hi: sum(lo <= p.age < hi for p in people) / n  # noqa: E731
    assert abs(share(0, 15) - 0.1795) < 0.02  # 2020 census: 0-14 17.95%
    assert abs(share(65, 200) - 0.1350) < 0.02  # 65+ 13.50%
    males = sum(p.male for p in people) / n
    assert 0.49 < males < 0.53  # sex ratio ~105


def test_id_numbers_valid_unique_and_consistent(params: Params) -> None:
    people = _residents(params, 11)
    ids = [p.id_number for p in people]
    assert len(set(ids)) == len(ids)
    for p in people:
        assert is_valid_id_number(p.id_number)
        assert id_sex_is_male(p.id_number) == p.male
        assert p.id_number[6:14] == p.birth.strftime("%Y%m%d")


def test_households_names_and_phones(params: Params) -> None:
    people = _residents(params, 11)
    households = Counter(p.household for p in people)
    mean_size = len(people) / len(households)
    assert 2.0 < mean_size < 3.0  # 2020 census: 2.62
    # Common names collide, as in life.
    assert Counter(p.name for p in people).most_common(1)[0][1] >= 3
    # Phones are shared within households.
    phones = Counter((p.household, p.phone) for p in people)
    assert any(n >= 2 for n in phones.values())
    minority = [p for p in people if p.minority]
    assert all(MIDDLE_DOT in p.name for p in minority)
    assert {p.insurance for p in people} >= {"employee", "resident"}
    assert any(not p.registered for p in people) and any(not p.resident for p in people)
