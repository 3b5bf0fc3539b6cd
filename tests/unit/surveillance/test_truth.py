import datetime as dt

from tiercare.core.surveillance.truth import Outbreak, SignalRef, compare

D = dt.date.fromisoformat
OB = [
    Outbreak("o1", "hfmd", "339002002001", "339002", D("2024-07-19"), D("2024-07-22"), 34),
    Outbreak("o2", "influenza", "339021101", "339021", D("2024-01-06"), D("2024-01-09"), 12),
]


def test_compare_counts_detection_delay_and_false_signals():
    signals = [
        SignalRef("hfmd", "339002", D("2024-07-17")),  # 2 days before: onset leads
        SignalRef("hfmd", "339002", D("2024-07-20")),
        SignalRef("hfmd", "339003", D("2024-07-20")),  # other county: false
        SignalRef("influenza", "339021", D("2024-01-20")),  # after the outbreak: false
        SignalRef("hfmd", "339002", D("2024-07-01")),
    ]  # long before: false
    results, false = compare(signals, OB, lead_days=7)
    hfmd, flu = results
    assert (hfmd.signals, hfmd.first_signal, hfmd.delay_days, hfmd.detected) == (2, D("2024-07-17"), -2, True)
    assert (flu.detected, flu.delay_days) == (False, None)
    assert [(s.area, s.day) for s in false] == [
        ("339003", D("2024-07-20")),
        ("339021", D("2024-01-20")),
        ("339002", D("2024-07-01")),
    ]


def test_township_signal_matches_its_own_township_only():
    results, false = compare(
        [
            SignalRef("influenza", "339021101", D("2024-01-07")),
            SignalRef("influenza", "339021102", D("2024-01-07")),
        ],
        OB,
    )
    assert results[1].signals == 1 and len(false) == 1
