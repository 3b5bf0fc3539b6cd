import pytest

from tiercare.core.errors import InvalidInput
from tiercare.core.synth.params import default_text, load_default, parse


def test_default_parameters_load_with_sources() -> None:
    p = load_default()
    assert p["care"]["county_retention_target"] == 0.88
    assert p["care"]["primary_share_target"] == 0.58
    assert abs(sum(p["population"]["age_group_share"]) - 1.0) < 0.005
    # Every section that holds rates names its source.
    for section in ("population", "names", "care", "management", "contracts", "referral", "infectious", "holidays", "registration"):
        assert "source" in p[section], section
    assert len(p.digest) == 64


def test_a_share_out_of_range_is_refused() -> None:
    text = default_text().replace("county_retention_target = 0.88", "county_retention_target = 88")
    with pytest.raises(InvalidInput, match="county_retention_target"):
        parse(text)


def test_mismatched_tables_are_refused() -> None:
    text = default_text().replace('surnames = ["王", ', 'surnames = ["王", "新", ')
    with pytest.raises(InvalidInput, match="surnames"):
        parse(text)


def test_broken_toml_is_one_clear_error() -> None:
    with pytest.raises(InvalidInput, match="not valid TOML"):
        parse("[care\n")
