"""Logging policies: which reads of a variable become rows (SampleFilter), alone and into a
real history file."""

from __future__ import annotations

import math

import pytest
from history_support import T0, Recorder, rows

from qml_s7.history import LogPolicy, Mode, SampleFilter

GOOD, BAD, UNCERTAIN = 0x80, 0x18, 0x44


class Sink:
    def __init__(self) -> None:
        self.rows: list[tuple[str, int, object, int]] = []

    def __call__(self, tag: str, ts: int, value: object, quality: int) -> None:
        self.rows.append((tag, ts, value, quality))


def logged(policy: LogPolicy, offers: list[tuple[int, object, int]]) -> list[tuple[int, object]]:
    """(ts, value) of the offers that became rows."""
    sink = Sink()
    log = SampleFilter("Level", policy, sink)
    results = [log.offer(ts, value, quality) for ts, value, quality in offers]
    assert [r[1:3] for r in sink.rows] == [
        (ts, value) for (ts, value, _), went in zip(offers, results, strict=True) if went
    ]
    return [(ts, value) for _, ts, value, _ in sink.rows]


def on_change(deadband: float = 0.0, max_gap_ms: int = 0) -> LogPolicy:
    return LogPolicy(Mode.OnChange, deadband=deadband, max_gap_ms=max_gap_ms)


def test_off_never_logs_not_even_the_first_value_or_a_quality_change():
    offers = [(0, 1.0, GOOD), (1000, 5.0, BAD), (99_000, 7.0, GOOD)]
    assert logged(LogPolicy(), offers) == []
    assert logged(LogPolicy(Mode.Off, max_gap_ms=10), offers) == []


def test_the_first_offer_is_a_row_with_the_tag_value_and_quality():
    sink = Sink()
    log = SampleFilter("DB1.DBD0:REAL", on_change(10), sink)
    assert log.offer(T0, 3.5, UNCERTAIN) is True
    assert sink.rows == [("DB1.DBD0:REAL", T0, 3.5, UNCERTAIN)]


@pytest.mark.parametrize(
    ("value", "row"),
    [(10.5, False), (9.5, False), (10.500001, True), (9.499999, True), (10.0, False),
     (11, True), (10, False)],
)  # fmt: skip
def test_the_deadband_is_strictly_greater_at_both_edges(value, row):
    offers = [(0, 10.0, GOOD), (1000, value, GOOD)]
    expected = [(0, 10.0)] + ([(1000, value)] if row else [])
    assert logged(on_change(0.5), offers) == expected


def test_the_deadband_counts_from_the_last_row_so_a_slow_drift_is_logged():
    offers = [(t * 1000, 10.0 + 0.2 * t, GOOD) for t in range(8)]  # 10.0, 10.2, ... 11.4
    assert [round(v, 1) for _, v in logged(on_change(0.5), offers)] == [10.0, 10.6, 11.2]


def test_deadband_zero_logs_every_change_and_no_repeat():
    offers = [(0, 1, GOOD), (1, 1, GOOD), (2, 2, GOOD), (3, 2, GOOD), (4, 1, GOOD)]
    assert logged(on_change(), offers) == [(0, 1), (2, 2), (4, 1)]


def test_booleans_strings_and_arrays_log_when_they_differ_whatever_the_deadband():
    flips = [(0, False, GOOD), (1, False, GOOD), (2, True, GOOD), (3, True, GOOD), (4, False, GOOD)]
    assert logged(on_change(5), flips) == [(0, False), (2, True), (4, False)]
    texts = [(0, "auto", GOOD), (1, "auto", GOOD), (2, "hand", GOOD)]
    assert logged(on_change(5), texts) == [(0, "auto"), (2, "hand")]
    arrays = [(0, [1, 2], GOOD), (1, [1, 2], GOOD), (2, [1, 3], GOOD)]
    assert logged(on_change(5), arrays) == [(0, [1, 2]), (2, [1, 3])]


def test_nan_is_a_change_once_and_large_integers_are_compared_exactly():
    nan = math.nan
    result = logged(on_change(), [(0, 1.0, GOOD), (1, nan, GOOD), (2, nan, GOOD), (3, 1.0, GOOD)])
    assert [t for t, _ in result] == [0, 1, 3]
    big = 2**62
    assert logged(on_change(), [(0, big, GOOD), (1, big + 1, GOOD)]) == [(0, big), (1, big + 1)]


def test_a_change_of_quality_is_always_a_row_in_every_mode():
    offers = [(0, 5.0, GOOD), (100, 5.0, BAD), (200, 5.0, BAD), (300, 5.0, GOOD)]
    expected = [(0, 5.0), (100, 5.0), (300, 5.0)]
    assert logged(on_change(100), offers) == expected
    assert logged(LogPolicy(Mode.Cyclic, interval_ms=60_000), offers) == expected


def test_cyclic_logs_at_the_interval_counted_from_the_last_row_whatever_the_value():
    offers = [(t, float(t), GOOD) for t in range(0, 5000, 300)]  # a read every 300 ms
    result = logged(LogPolicy(Mode.Cyclic, interval_ms=1000), offers)
    assert [t for t, _ in result] == [0, 1200, 2400, 3600, 4800]


def test_the_longest_gap_writes_a_row_while_the_value_holds():
    offers = [(t, 7.0, GOOD) for t in range(0, 10_001, 500)]
    assert [t for t, _ in logged(on_change(max_gap_ms=3000), offers)] == [0, 3000, 6000, 9000]
    # a change in between restarts the gap
    offers = [(0, 7.0, GOOD), (2000, 8.0, GOOD), (4000, 8.0, GOOD), (5000, 8.0, GOOD)]
    assert [t for t, _ in logged(on_change(max_gap_ms=3000), offers)] == [0, 2000, 5000]
    # cyclic with a longest gap shorter than its interval
    offers = [(t, 1.0, GOOD) for t in range(0, 10_001, 1000)]
    cyclic = LogPolicy(Mode.Cyclic, interval_ms=5000, max_gap_ms=2000)
    assert [t for t, _ in logged(cyclic, offers)] == [0, 2000, 4000, 6000, 8000, 10_000]


def test_a_new_policy_applies_from_the_next_offer_and_reset_logs_again():
    sink = Sink()
    log = SampleFilter("Level", on_change(10), sink)
    assert log.offer(0, 1.0, GOOD)
    assert not log.offer(1, 2.0, GOOD)
    log.policy = on_change(0.5)
    assert log.offer(2, 2.0, GOOD)
    log.policy = LogPolicy(Mode.Off)
    assert not log.offer(3, 9.0, BAD)
    log.policy = on_change(10)
    log.reset()
    assert log.offer(4, 2.0, GOOD)
    assert [r[1] for r in sink.rows] == [0, 2, 4]


def test_filtered_rows_land_in_a_real_history_file(tmp_path):
    path = tmp_path / "history.sqlite"
    recorder = Recorder()
    store = recorder.store(path)
    store.start()
    deadband = SampleFilter("Level", on_change(0.5, max_gap_ms=10_000), store.add_sample)
    cyclic = SampleFilter("Temp", LogPolicy(Mode.Cyclic, interval_ms=1000), store.add_sample)
    for t in range(0, 12_001, 250):  # a read every 250 ms
        level = 10.0 + (0.6 if 2000 <= t < 4000 else 0.0)  # one step up and back
        quality = BAD if 6000 <= t < 6500 else GOOD  # a half-second outage
        deadband.offer(T0 + t, level, quality)
        cyclic.offer(T0 + t, 20.0 + t / 1000, GOOD)
    assert store.close()
    level = rows(path, "SELECT ts - ?, value, quality FROM samples WHERE tag = 'Level' ORDER BY ts",
                 (T0,))  # fmt: skip
    assert level == [
        (0, 10.0, GOOD), (2000, 10.6, GOOD), (4000, 10.0, GOOD),
        (6000, 10.0, BAD), (6500, 10.0, GOOD),  # the outage, both edges
    ]  # fmt: skip
    temp = rows(path, "SELECT ts - ? FROM samples WHERE tag = 'Temp' ORDER BY ts", (T0,))
    assert [t for (t,) in temp] == list(range(0, 12_001, 1000))


def test_the_longest_gap_lands_in_the_file(tmp_path):
    path = tmp_path / "history.sqlite"
    store = Recorder().store(path)
    store.start()
    log = SampleFilter("Level", on_change(1.0, max_gap_ms=60_000), store.add_sample)
    for t in range(0, 180_001, 1000):
        log.offer(T0 + t, 5.0, GOOD)
    assert store.close()
    stamps = rows(path, "SELECT ts - ? FROM samples ORDER BY ts", (T0,))
    assert [t for (t,) in stamps] == [0, 60_000, 120_000, 180_000]
