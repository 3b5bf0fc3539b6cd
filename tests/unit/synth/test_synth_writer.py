"""The files: one NDJSON per resource type, truth CSVs, manifest; byte-identical per seed."""

import gzip
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner

from tiercare.core.errors import InvalidInput
from tiercare.core.synth.params import default_text
from tiercare.synth.cli import synth
from tiercare.synth.writer import generate, read_manifest

N = 1500


def _files(d: Path) -> dict[str, bytes]:
    return {str(p.relative_to(d)): p.read_bytes() for p in sorted(d.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("plain")
    generate(d, N, 1, 42, params_text=default_text())
    return d


@pytest.mark.slow
def test_same_seed_same_bytes_whatever_the_workers(plain: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    generate(again, N, 1, 42, params_text=default_text(), jobs=2)
    a, b = _files(plain), _files(again)
    assert a.keys() == b.keys()
    for name in a:
        assert a[name] == b[name], name
    other = tmp_path / "other"
    generate(other, N, 1, 43, params_text=default_text())
    assert _files(other)["Patient.ndjson"] != a["Patient.ndjson"]


def test_layout_manifest_and_truth(plain: Path) -> None:
    m = read_manifest(plain)
    assert m["seed"] == 42 and m["residents"] == N and m["synthetic"] is True and m["fhirVersion"] == "4.0.1"
    for rtype, count in m["counts"].items():
        lines = (plain / f"{rtype}.ndjson").read_bytes().splitlines()
        assert len(lines) == count
        assert all(orjson.loads(x)["resourceType"] == rtype for x in lines[:50])
    assert {"Patient", "Encounter", "Observation", "Condition", "Organization", "Practitioner", "PractitionerRole",
            "ServiceRequest", "Task", "ExplanationOfBenefit", "Coverage", "CarePlan", "Group", "Location"} <= set(m["counts"])
    truth = plain / "truth"
    persons = (truth / "persons.csv").read_text("utf-8").splitlines()
    patients = (truth / "patients.csv").read_text("utf-8").splitlines()
    assert persons[0].startswith("person_id,household_id,village")
    assert patients[0] == "patient_id,person_id,facility,tier,errors"
    assert len(patients) - 1 == m["counts"]["Patient"]
    assert len(persons) - 1 == m["stats"]["persons"]
    assert (truth / "outbreaks.csv").read_text("utf-8").startswith("outbreak_id,disease,kind,county,area,first_day,last_day,extra_cases")
    assert not (plain / ".parts").exists()


@pytest.mark.slow
def test_gzip_output_decompresses_to_the_plain_bytes(plain: Path, tmp_path: Path) -> None:
    gz = tmp_path / "gz"
    generate(gz, N, 1, 42, params_text=default_text(), compress=True)
    for name in ("Patient", "Encounter", "Organization"):
        assert gzip.decompress((gz / f"{name}.ndjson.gz").read_bytes()) == (plain / f"{name}.ndjson").read_bytes()


def test_refuses_to_overwrite_and_bad_arguments(plain: Path, tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="already holds"):
        generate(plain, N, 1, 42, params_text=default_text())
    with pytest.raises(InvalidInput, match="--years"):
        generate(tmp_path / "x", N, 0, 42, params_text=default_text())


def test_cli_report_prints_targets(plain: Path) -> None:
    result = CliRunner().invoke(synth, ["--report", str(plain)])
    assert result.exit_code == 0, result.output
    assert "县域就诊率" in result.output and "88.0%" in result.output
    result = CliRunner().invoke(synth, ["--residents", "200"])
    assert result.exit_code != 0


@pytest.mark.slow
def test_cli_generates_several_years(tmp_path: Path) -> None:
    out = tmp_path / "two"
    result = CliRunner().invoke(synth, ["--residents", "300", "--years", "2", "--seed", "5", "--out", str(out)])
    assert result.exit_code == 0, result.output
    m = read_manifest(out)
    assert m["days"] == 731 and m["years"] == 2  # 2024 is a leap year
    enc = [orjson.loads(x) for x in (out / "Encounter.ndjson").read_bytes().splitlines()]
    years = {e["period"]["start"][:4] for e in enc}
    assert years == {"2024", "2025"}
