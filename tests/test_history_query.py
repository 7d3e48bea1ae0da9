"""Reading a tag back for a trend: raw rows when few, min and max per bucket when many (a
one-sample spike survives), bad quality as gaps, the row before the range first."""

from __future__ import annotations

import math
import sqlite3

import pytest
from history_support import T0, Recorder, ask

from qml_s7.history import Point, downsample
from qml_s7.history.schema import INSERT_SAMPLE, create

GOOD, BAD = 0x80, 0x18
DAY_S = 86_400


@pytest.fixture
def conn(tmp_path):
    conn = sqlite3.connect(tmp_path / "history.sqlite", isolation_level=None)
    create(conn, T0)
    yield conn
    conn.close()


def insert(conn: sqlite3.Connection, samples: list[tuple[str, int, object, int]]) -> None:
    conn.execute("BEGIN")
    conn.executemany(INSERT_SAMPLE, samples)
    conn.execute("COMMIT")


def day_of(tag: str, value=lambda s: 1.0, quality=lambda s: GOOD) -> list[tuple]:
    """One sample a second for a day."""
    return [(tag, T0 + s * 1000, value(s), quality(s)) for s in range(DAY_S)]


def assert_series(points: list[Point], max_points: int) -> None:
    assert 0 < len(points) <= max_points
    stamps = [p.ts for p in points]
    assert stamps == sorted(stamps)


def test_few_rows_come_back_as_they_are_with_bad_quality_as_gaps(conn):
    insert(conn, [("Level", T0 + 100 * i, float(i), BAD if i == 3 else GOOD) for i in range(6)])
    insert(conn, [("Other", T0 + 150, 99.0, GOOD)])
    points = downsample(conn, "Level", T0, T0 + 1000, 100)
    assert points == [
        (T0, 0.0, GOOD), (T0 + 100, 1.0, GOOD), (T0 + 200, 2.0, GOOD), (T0 + 300, None, BAD),
        (T0 + 400, 4.0, GOOD), (T0 + 500, 5.0, GOOD),
    ]  # fmt: skip
    assert isinstance(points[0], Point) and points[3].value is None


def test_the_last_row_before_the_range_starts_the_series(conn):
    insert(conn, [("Level", T0 - 3_600_000, 7.0, GOOD), ("Level", T0 - 60_000, 8.0, GOOD),
                  ("Level", T0 + 5000, 9.0, GOOD)])  # fmt: skip
    assert downsample(conn, "Level", T0, T0 + 10_000, 100) == [
        (T0 - 60_000, 8.0, GOOD), (T0 + 5000, 9.0, GOOD)
    ]  # fmt: skip
    # nothing in the range: the value that holds, alone
    assert downsample(conn, "Level", T0 + 6000, T0 + 7000, 100) == [(T0 + 5000, 9.0, GOOD)]
    assert downsample(conn, "Level", T0 - 7_200_000, T0 - 7_100_000, 100) == []
    assert downsample(conn, "Nothing", T0, T0 + 1000, 100) == []
    assert downsample(conn, "Level", T0 + 1000, T0, 100) == []  # an empty range


def test_a_day_downsampled_keeps_a_one_sample_spike_up_and_down(conn):
    spike_up, spike_down = 40_000, 70_001  # seconds into the day

    def value(s: int) -> float:
        return {spike_up: 100.0, spike_down: -50.0}.get(s, 10.0 + (s % 60) / 100)

    insert(conn, day_of("Level", value))
    insert(conn, day_of("Other", lambda s: 1000.0))  # interleaved rows of another tag
    points = downsample(conn, "Level", T0, T0 + DAY_S * 1000 - 1, 1000)
    assert_series(points, 1000)
    assert len(points) > 900  # the budget is used: min and max of ~500 buckets
    assert (T0 + spike_up * 1000, 100.0, GOOD) in points
    assert (T0 + spike_down * 1000, -50.0, GOOD) in points
    assert max(p.value for p in points) == 100.0 and min(p.value for p in points) == -50.0
    ordinary = [p.value for p in points if p.value not in (100.0, -50.0)]
    assert min(ordinary) == 10.0 and max(ordinary) == pytest.approx(10.59)
    assert all(p.value != 1000.0 for p in points)


def test_an_outage_inside_a_bucket_is_a_gap_and_the_budget_holds(conn):
    outage = range(30_000, 30_010)  # ten seconds of bad quality
    insert(conn, day_of("Level", lambda s: float(s % 7), lambda s: BAD if s in outage else GOOD))
    points = downsample(conn, "Level", T0, T0 + DAY_S * 1000 - 1, 1000)
    assert_series(points, 1000)
    gaps = [p for p in points if p.value is None]
    assert gaps == [(T0 + 30_000_000, None, BAD)]  # at the first bad row
    assert all(p.quality == GOOD for p in points if p.value is not None)


def test_a_flat_line_gives_one_point_per_bucket_and_text_values_survive(conn):
    insert(conn, day_of("Mode", lambda s: "auto" if s < 50_000 else "hand"))
    points = downsample(conn, "Mode", T0, T0 + DAY_S * 1000 - 1, 100)
    assert_series(points, 100)
    assert {p.value for p in points} == {"auto", "hand"}
    insert(conn, day_of("Flat"))
    flat = downsample(conn, "Flat", T0, T0 + DAY_S * 1000 - 1, 100)
    assert len(flat) == 100 // 2 and {p.value for p in flat} == {1.0}


def test_a_tiny_budget_still_gives_a_few_points(conn):
    insert(conn, [("Level", T0 + i, float(i), GOOD) for i in range(100)])
    points = downsample(conn, "Level", T0, T0 + 99, 1)
    assert_series(points, 4)
    assert (T0, 0.0, GOOD) in points and (T0 + 99, 99.0, GOOD) in points


def test_the_store_answers_a_query_on_its_thread(tmp_path):
    recorder = Recorder()
    store = recorder.store(tmp_path / "history.sqlite")
    store.start()
    try:
        for s in range(5000):
            store.add_sample("Level", T0 + s * 1000, 500.0 if s == 1234 else 1.0, GOOD)
        recorder.wait_total(5000)
        points = ask(store.query, "Level", T0, T0 + 5_000_000, 200)
        assert_series(points, 200)
        assert (T0 + 1_234_000, 500.0, GOOD) in points
        assert ask(store.query, "Level", math.nan, T0, 200) == []  # no exception
        assert ask(store.query, "Level", T0, T0 + 2000, 200) == [
            (T0, 1.0, GOOD), (T0 + 1000, 1.0, GOOD), (T0 + 2000, 1.0, GOOD)
        ]  # fmt: skip
    finally:
        store.close()


def test_a_store_that_cannot_open_answers_with_nothing(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("a file where the folder should be")
    recorder = Recorder()
    store = recorder.store(blocker / "history.sqlite")
    store.start()
    try:
        assert ask(store.query, "Level", T0, T0 + 1000, 100) == []
        assert ask(store.query_writes) == []
        assert ask(store.query_alarm_events) == []
    finally:
        store.close()
