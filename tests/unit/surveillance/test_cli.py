import csv
import io

import pytest

from tiercare.cli import main


def _write(tmp_path, rows):
    p = tmp_path / "series.csv"
    header = ["area", "disease"] + [f"2024-01-{d:02d}" for d in range(1, 16)]
    with p.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return p


def test_detect_writes_the_judged_cells_and_counts_alarms(tmp_path, capsys):
    p = _write(tmp_path, [["330102", "A00", *([0] * 14), 1], ["330103", "B03", *([2, 3] * 7), ""]])
    assert main(["surveillance", "detect", str(p), "-m", "fixed_threshold", "--last", "2"]) == 0
    res = capsys.readouterr()
    out = list(csv.DictReader(io.StringIO(res.out)))
    assert [(r["area"], r["date"], r["alarm"]) for r in out] == [
        ("330102", "2024-01-14", "0"),
        ("330102", "2024-01-15", "1"),
        ("330103", "2024-01-14", "1"),
    ]  # the gap on 2024-01-15 has no decision and is left out
    assert "2 alarm(s)" in res.err


def test_detect_rejects_a_misspelled_parameter_with_one_line(tmp_path, capsys):
    p = _write(tmp_path, [["a", "d", *([1] * 15)]])
    assert main(["surveillance", "detect", str(p), "-m", "ears_c1", "-p", "minSigma=0.5"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error:") and "minSigma" in err and err.count("\n") == 1


def test_methods_lists_every_detector(capsys):
    assert main(["surveillance", "methods"]) == 0
    out = capsys.readouterr().out
    assert "farrington_flexible" in out and "moving_percentile" in out


def test_evaluate_prints_pod_and_fpr_per_scenario_and_overall(capsys):
    args = ["surveillance", "evaluate", "--reps", "3", "--scenarios", "37,38", "--workers", "2"]
    assert main(args) == 0
    out = [line for line in capsys.readouterr().out.splitlines() if line.strip()]
    assert out[0].split()[:4] == ["scenario", "method", "alpha", "POD"]
    assert sum(line.split()[0] == "37" for line in out[1:]) == 4  # four methods
    assert sum(line.split()[0] == "38" for line in out[1:]) == 4
    assert sum(line.strip().startswith("overall") for line in out) == 4
    curve = out[out.index("POD against FPR as alpha varies (means over the scenarios)") + 2 :]
    assert [line.split()[0] for line in curve] == [
        "farrington_1996",
        "flexible_r_default",
        "noufaily_2013",
        "tiercare_weekly",
    ]
    assert main(["surveillance", "evaluate", "--reps", "1", "--scenarios", "43"]) == 1


@pytest.mark.slow
def test_evaluate_daily_prints_each_method_by_series_type(capsys):
    assert main(["surveillance", "evaluate-daily", "--reps", "1", "--seed", "3"]) == 0
    out = [line.split() for line in capsys.readouterr().out.splitlines() if line.strip()]
    assert out[0][:4] == ["method", "series", "POD", "POD1"]
    assert [r[0] for r in out[1:] if r[1] == "overall"] == [
        "ears_c1",
        "ears_c2",
        "ears_c3",
        "moving_percentile",
        "farrington_flexible_daily",
        "holiday_glm",
    ]
    assert main(["surveillance", "evaluate-daily", "--reps", "0"]) == 1
