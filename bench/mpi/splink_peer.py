"""Splink run for the side-by-side benchmark (run inside the Splink venv that
bench/mpi/splink_side.py makes under var/; never imported by TierCare).

    python splink_peer.py chinese INPUT.csv OUT_DIR   # synthetic region, standardised columns
    python splink_peer.py febrl INPUT.csv OUT_DIR     # FEBRL4 (two files linked)

Writes OUT_DIR/pairs.csv (unique_id_l, unique_id_r, match_probability for every
pair scored >= 0.001), OUT_DIR/clusters.csv (unique_id, cluster_id at p >= 0.95)
and prints one JSON line: wall and CPU seconds of the linkage, peak RSS, version.

Configuration for Chinese records, as well as we could (Splink's documented
practice: u by random sampling, λ from a deterministic rule, m by EM over several
blocking rules, term-frequency adjustment on names; comparisons as SQL levels):
the input already carries TierCare's Chinese-aware cleaning (simplified script,
pinyin keys, ID numbers checked, guardian numbers removed, phones, GB/T 2260
segments, the lunar reading of each date). DuckDB's string distances count UTF-8
bytes, so one Han character is up to 3 edits: the name level "one character"
allows 3.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

import splink
from splink import DuckDBAPI, Linker, block_on


def _null(col: str) -> dict:
    return {"sql_condition": f'"{col}_l" IS NULL OR "{col}_r" IS NULL', "label_for_charts": "null", "is_null_level": True}


def _level(sql: str, label: str, **extra: object) -> dict:
    return {"sql_condition": sql, "label_for_charts": label, **extra}


ELSE = {"sql_condition": "ELSE", "label_for_charts": "else"}


def chinese_settings() -> dict:
    name = {
        "output_column_name": "name",
        "comparison_levels": [
            _null("name"),
            _level("name_l = name_r", "exact", tf_adjustment_column="name", tf_adjustment_weight=1.0),
            _level("pinyin_l = pinyin_r", "same pinyin (homophone, pinyin-only)"),
            _level("pinyin_sorted_l = pinyin_sorted_r", "same syllables, other order"),
            _level("damerau_levenshtein(name_l, name_r) <= 3", "one character (<= 3 UTF-8 bytes)"),
            _level("damerau_levenshtein(pinyin_l, pinyin_r) <= 1", "pinyin one letter"),
            _level("surname_l = surname_r", "same surname"),
            ELSE,
        ],
    }
    birth = {
        "output_column_name": "birth_date",
        "comparison_levels": [
            _null("birth_date"),
            _level("birth_date_l = birth_date_r", "exact"),
            _level("birth_date_l = birth_lunar_r OR birth_lunar_l = birth_date_r", "lunar read as solar"),
            _level(
                "substr(birth_date_l, 1, 4) = substr(birth_date_r, 1, 4) AND substr(birth_date_l, 6, 2) = "
                "substr(birth_date_r, 9, 2) AND substr(birth_date_l, 9, 2) = substr(birth_date_r, 6, 2)",
                "day/month swapped",
            ),
            _level(
                "substr(birth_date_l, 1, 4) = substr(birth_date_r, 1, 4) AND (substr(birth_date_l, 6, 5) = '01-01' "
                "OR substr(birth_date_r, 6, 5) = '01-01')",
                "Jan-1 placeholder, same year",
            ),
            _level("damerau_levenshtein(birth_date_l, birth_date_r) <= 1", "one digit"),
            ELSE,
        ],
    }
    idn = {
        "output_column_name": "id_number",
        "comparison_levels": [
            _null("id_number"),
            _level("id_number_l = id_number_r", "exact"),
            _level(
                "damerau_levenshtein(id_number_l, id_number_r) <= 1 OR substr(id_number_l, 1, 17) = "
                "substr(id_number_r, 1, 17)",
                "one character",
            ),
            ELSE,
        ],
    }
    phone = {
        "output_column_name": "phone",
        "comparison_levels": [
            _null("phone"),
            _level("phone_l = phone_r OR phone_l = phone2_r OR phone2_l = phone_r", "shared"),
            _level("damerau_levenshtein(phone_l, phone_r) <= 1", "one digit"),
            ELSE,
        ],
    }
    address = {
        "output_column_name": "village",
        "comparison_levels": [
            _null("county"),
            _level("village_l = village_r", "same village"),
            _level("township_l = township_r", "same township"),
            _level("county_l = county_r", "same county"),
            ELSE,
        ],
    }
    gender = {
        "output_column_name": "gender",
        "comparison_levels": [_null("gender"), _level("gender_l = gender_r", "same"), ELSE],
    }
    household = {
        "output_column_name": "household",
        "comparison_levels": [_null("household"), _level("household_l = household_r", "same"), ELSE],
    }
    return {
        "link_type": "dedupe_only",
        "unique_id_column_name": "unique_id",
        # TierCare's blocking keys as they were when Splink was first run here
        # (county-wide name keys: no fewer pairs than TierCare's keys now).
        "blocking_rules_to_generate_predictions": [
            block_on("id_number"),
            block_on("id17"),
            block_on("surname", "birth_date"),
            block_on("pinyin_sorted", "birth_year"),
            block_on("pinyin_sorted", "county"),
            block_on("phone"),
            block_on("given_pinyin", "birth_year", "county"),
            block_on("household", "birth_date"),
        ],
        "comparisons": [name, birth, idn, phone, address, gender, household],
        "retain_intermediate_calculation_columns": False,
        "retain_matching_columns": False,
    }


def febrl_settings() -> dict:
    import splink.comparison_library as cl

    return {
        "link_type": "link_only",
        "unique_id_column_name": "unique_id",
        "blocking_rules_to_generate_predictions": [
            block_on("given_name"), block_on("surname"), block_on("date_of_birth"), block_on("soc_sec_id"),
            block_on("postcode", "suburb"),
        ],
        "comparisons": [
            cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.DamerauLevenshteinAtThresholds("date_of_birth", [1, 2]),
            cl.DamerauLevenshteinAtThresholds("soc_sec_id", [1, 2]),
            cl.DamerauLevenshteinAtThresholds("street_number", [1]),
            cl.DamerauLevenshteinAtThresholds("postcode", [1]),
            cl.JaroWinklerAtThresholds("suburb", [0.9]),
            cl.JaroWinklerAtThresholds("address_1", [0.9]),
            cl.ExactMatch("state"),
        ],
        "retain_intermediate_calculation_columns": False,
        "retain_matching_columns": False,
    }


def register_csv(db: DuckDBAPI, path: str, name: str) -> object:
    # Every column as text: type inference would make dates and ID numbers
    # integers, and the string distances need text.
    db._con.execute(f"CREATE TABLE {name} AS FROM read_csv('{path}', all_varchar=true)")
    db._con.execute(f"ALTER TABLE {name} ALTER unique_id TYPE VARCHAR")
    return db.register(name)


def main() -> None:
    kind, path, out = sys.argv[1], sys.argv[2], Path(sys.argv[3])
    out.mkdir(parents=True, exist_ok=True)
    t0, c0 = time.perf_counter(), time.process_time()
    db = DuckDBAPI()
    if kind == "chinese":
        settings = chinese_settings()
        df = register_csv(db, path, "chinese_input")
        linker = Linker(df, settings, log_level=None)
        linker.training.estimate_probability_two_random_records_match([block_on("id_number")], recall=0.8)
        linker.training.estimate_u_using_random_sampling(max_pairs=5e6, seed=1)
        for rule in (block_on("id_number"), block_on("surname", "birth_date"), block_on("phone")):
            linker.training.estimate_parameters_using_expectation_maximisation(rule)
    else:
        settings = febrl_settings()
        left, right = path.split(",")
        tables = [register_csv(db, left, "febrl_a"), register_csv(db, right, "febrl_b")]
        linker = Linker(tables, settings, log_level=None)
        linker.training.estimate_probability_two_random_records_match(
            [block_on("given_name", "surname", "date_of_birth")], recall=0.7
        )
        linker.training.estimate_u_using_random_sampling(max_pairs=1e7, seed=1)
        for rule in (block_on("date_of_birth"), block_on("surname")):
            linker.training.estimate_parameters_using_expectation_maximisation(rule)
    pred = linker.inference.predict(threshold_match_probability=0.001)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(pred, threshold_match_probability=0.95)
    pair_cols = "unique_id_l, unique_id_r, match_probability"
    if kind == "febrl":
        pair_cols = "source_dataset_l, unique_id_l, source_dataset_r, unique_id_r, match_probability"
    db._con.sql(f"COPY (SELECT {pair_cols} FROM {pred.physical_name}) TO '{out / 'pairs.csv'}' (HEADER)")  # noqa: S608 (Splink's own table names, our path)
    db._con.sql(f"COPY (SELECT unique_id, cluster_id FROM {clusters.physical_name}) TO '{out / 'clusters.csv'}' (HEADER)")  # noqa: S608 (Splink's own table names, our path)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"tool": f"Splink {splink.__version__}", "wall": wall, "cpu": cpu, "rss_mib": rss}))


if __name__ == "__main__":
    main()
