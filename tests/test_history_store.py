"""The history store against real SQLite files: the schema as documented, batched commits,
value encoding, alarm events, the write audit, retention, the journal."""

from __future__ import annotations

import datetime
import math
import threading

import pytest
from history_support import T0, Clock, Recorder, ask, opened, rows, wait_until

from qml_s7.history import (
    EVENTS,
    OUTCOMES,
    SCHEMA_VERSION,
    AlarmRecord,
    Journal,
    Store,
    StoreError,
    WriteRecord,
    journal,
    to_column,
)

DAY = 86_400_000


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def path(tmp_path):
    return tmp_path / "history.sqlite"


@pytest.fixture
def store(recorder, path):
    store = recorder.store(path)
    store.start()
    yield store
    store.close()


# -- the file ----------------------------------------------------------------------------------


def test_the_file_has_the_documented_schema_in_wal_mode(store, recorder, path):
    store.add_sample("Level", T0, 1.0, 0x80)
    recorder.wait_total(1)
    columns = {
        table: [(c[1], c[2], c[3]) for c in rows(path, f"PRAGMA table_info({table})")]
        for table in ("samples", "alarm_events", "writes", "meta")
    }
    assert columns == {
        "samples": [("tag", "TEXT", 1), ("ts", "INTEGER", 1), ("value", "", 0),
                    ("quality", "INTEGER", 1)],
        "alarm_events": [("alarm", "TEXT", 1), ("ts", "INTEGER", 1), ("event", "TEXT", 1),
                         ("value", "", 0), ("user", "TEXT", 1), ("text", "TEXT", 1),
                         ("priority", "INTEGER", 1), ("grp", "TEXT", 1)],
        "writes": [("id", "INTEGER", 0), ("ts", "INTEGER", 1), ("tag", "TEXT", 1),
                   ("old", "", 0), ("new", "", 0), ("outcome", "TEXT", 0), ("user", "TEXT", 1),
                   ("client", "TEXT", 1), ("detail", "TEXT", 1)],
        "meta": [("key", "TEXT", 0), ("value", "", 0)],
    }  # fmt: skip
    indexes = rows(path, "SELECT name, tbl_name FROM sqlite_master WHERE type = 'index' "
                   "AND name NOT LIKE 'sqlite_autoindex%' ORDER BY name")  # fmt: skip
    assert indexes == [("alarm_events_ts", "alarm_events"), ("samples_tag_ts", "samples"),
                       ("writes_ts", "writes")]  # fmt: skip
    assert [c[2] for c in rows(path, "PRAGMA index_info(samples_tag_ts)")] == [
        "tag", "ts", "value", "quality"
    ]  # fmt: skip
    assert rows(path, "SELECT value FROM meta WHERE key = 'schema_version'") == [(SCHEMA_VERSION,)]
    assert rows(path, "PRAGMA journal_mode") == [("wal",)]


def test_rows_wait_for_the_batch_and_go_in_one_transaction(recorder, path):
    store = recorder.store(path, batch_interval_ms=200)
    store.add_sample("Level", T0, 0.0, 0x80)  # before start: waits for the thread
    store.start()
    try:
        for i in range(1, 5000):
            store.add_sample(f"T{i % 10}", T0 + i, float(i), 0x80)
        recorder.wait_total(5000)
        assert sum(c.samples for c in recorder.commits) == 5000
        assert len(recorder.commits) <= 2  # batched, not a transaction per row
        last = recorder.commits[-1]
        assert last.size_bytes > 0 and last.pending_rows >= 0 and last.duration_ms >= 0
    finally:
        store.close()
    assert rows(path, "SELECT count(*), min(ts), max(ts) FROM samples") == [(5000, T0, T0 + 4999)]


def test_a_large_backlog_goes_in_several_transactions(recorder, path, monkeypatch):
    monkeypatch.setattr("qml_s7.history.writer.MAX_TRANSACTION_SAMPLES", 1000)
    store = recorder.store(path)
    for i in range(3500):  # waiting before the store starts, as after a fault
        store.add_sample("Level", T0 + i, i, 0x80)
    store.add_alarm_event("High", T0, "came", 1, "")
    store.start()
    try:
        recorder.wait_total(3501)
    finally:
        store.close()
    assert [(c.samples, c.alarm_events) for c in recorder.commits] == [
        (1000, 1), (1000, 0), (1000, 0), (500, 0)
    ]  # fmt: skip
    assert rows(path, "SELECT count(*), max(value) FROM samples") == [(3500, 3499)]


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        (True, 1), (False, 0), (42, 42), (-7, -7), (2.5, 2.5), (math.nan, None),
        (math.inf, math.inf), ("hand", "hand"), (None, None), (2**64 - 1, "18446744073709551615"),
        (b"\x01\xab", "01ab"), (bytearray(b"\xff"), "ff"), ([1, 2.5, True], "[1,2.5,true]"),
        ((1.0, math.nan), "[1.0,null]"),
        (datetime.datetime(2026, 12, 5, 7, 0, 1), "2026-12-05T07:00:01"),
        (datetime.date(2026, 12, 5), "2026-12-05"), (datetime.time(7, 30), "07:30:00"),
        (datetime.timedelta(seconds=90), "0:01:30"),
    ],
)  # fmt: skip
def test_values_are_stored_as_numbers_or_text(value, stored, store, recorder, path):
    assert to_column(value) == stored
    store.add_sample("X", T0, value, 0x80)
    recorder.wait_total(1)
    assert rows(path, "SELECT value FROM samples") == [(stored,)]


def test_many_producer_threads_lose_nothing(store, recorder, path):
    def produce(n: int) -> None:
        for i in range(2000):
            store.add_sample(f"P{n}", T0 + i, i, 0x80)

    threads = [threading.Thread(target=produce, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    recorder.wait_total(8000)
    counts = rows(path, "SELECT tag, count(*), sum(value) FROM samples GROUP BY tag ORDER BY tag")
    assert counts == [(f"P{n}", 2000, sum(range(2000))) for n in range(4)]


def test_close_writes_what_waits_and_later_rows_are_ignored(recorder, path):
    store = recorder.store(path, batch_interval_ms=60_000)  # no batch would come in time
    store.start()
    store.add_sample("Level", T0, 1.0, 0x80)
    store.add_alarm_event("High", T0, "came", 95.0, "")
    assert store.close() is True
    assert store.close() is True
    store.add_sample("Level", T0 + 1, 2.0, 0x80)
    assert rows(path, "SELECT count(*) FROM samples") == [(1,)]
    assert rows(path, "SELECT count(*) FROM alarm_events") == [(1,)]


def test_a_reopened_file_gets_more_rows_and_write_ids_go_on(recorder, path):
    for run in range(2):
        store = recorder.store(path)
        store.start()
        store.add_sample("Level", T0 + run, run, 0x80)
        store.log_write(T0 + run, "SP", 0, run, "confirmed", "ann", "plc")
        assert store.close()
    assert rows(path, "SELECT count(*) FROM samples") == [(2,)]
    assert rows(path, "SELECT id, new FROM writes ORDER BY id") == [(1, 0), (2, 1)]


def test_a_foreign_database_is_not_written(recorder, path):
    with opened(path) as conn:
        conn.execute("CREATE TABLE recipes (name TEXT)")
    store = recorder.store(path)
    store.start()
    try:
        text = recorder.wait_error(StoreError.OpenError)
    finally:
        store.close()
    assert "no qml-s7 history file" in text and "recipes" in text and str(path) in text
    assert [r[0] for r in rows(path, "SELECT name FROM sqlite_master")] == ["recipes"]


def test_a_file_of_a_newer_schema_is_not_written(recorder, path):
    with opened(path) as conn:
        conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value)")
        conn.execute("INSERT INTO meta VALUES ('schema_version', ?)", (SCHEMA_VERSION + 1,))
    store = recorder.store(path)
    store.start()
    try:
        assert "schema version" in recorder.wait_error(StoreError.OpenError)
    finally:
        store.close()


def test_callbacks_that_raise_do_not_stop_the_store(path):
    commits = threading.Event()

    def bad_commit(info):
        commits.set()
        raise RuntimeError("a broken slot")

    store = Store(path, batch_interval_ms=20, on_commit=bad_commit)
    store.start()
    try:
        store.add_sample("A", T0, 1, 0x80)
        assert commits.wait(10)
        done = threading.Event()

        def bad_callback(points):
            done.set()
            raise ValueError("a broken receiver")

        store.query("A", T0, T0 + 1, 10, bad_callback)
        assert done.wait(10)
        assert ask(store.query, "A", T0, T0 + 1, 10) == [(T0, 1, 0x80)]
    finally:
        assert store.close()


# -- alarm events ------------------------------------------------------------------------------


def test_alarm_events_are_logged_with_user_text_priority_and_group(store, recorder, path):
    for offset, event in enumerate(EVENTS):
        user = "ann" if event in ("acknowledged", "shelved", "unshelved") else ""
        store.add_alarm_event("TankHigh", T0 + offset, event, 95.5, user, "Tank high: 95.5 %",
                              2, "Tank")  # fmt: skip
    store.add_alarm_event("PumpFault", T0 + 10, "came", True, "")
    recorder.wait_total(6)
    assert rows(path, "SELECT alarm, ts - ?, event, value, user, text, priority, grp "
                "FROM alarm_events WHERE alarm = 'TankHigh' ORDER BY ts", (T0,)) == [
        ("TankHigh", 0, "came", 95.5, "", "Tank high: 95.5 %", 2, "Tank"),
        ("TankHigh", 1, "went", 95.5, "", "Tank high: 95.5 %", 2, "Tank"),
        ("TankHigh", 2, "acknowledged", 95.5, "ann", "Tank high: 95.5 %", 2, "Tank"),
        ("TankHigh", 3, "shelved", 95.5, "ann", "Tank high: 95.5 %", 2, "Tank"),
        ("TankHigh", 4, "unshelved", 95.5, "ann", "Tank high: 95.5 %", 2, "Tank"),
    ]  # fmt: skip
    newest = ask(store.query_alarm_events, limit=2)
    assert newest[0] == AlarmRecord(T0 + 10, "PumpFault", "came", 1, "", "", 0, "")
    assert [r.event for r in newest] == ["came", "unshelved"]
    assert [r.event for r in ask(store.query_alarm_events, user="ann")] == [
        "unshelved", "shelved", "acknowledged"
    ]  # fmt: skip
    assert len(ask(store.query_alarm_events, alarm="TankHigh")) == 5


# -- the write audit ---------------------------------------------------------------------------


def test_every_write_attempt_is_one_row_with_its_outcome(store, recorder, path):
    confirmed = store.begin_write(T0, "Setpoint", 50.0, 60.0, "ann", "plc")
    store.end_write(confirmed, "confirmed")  # in the same batch as its beginning
    recorder.wait_total(1)
    in_flight = store.begin_write(T0 + 1, "Setpoint", 60.0, 70.0, "ann", "plc")
    refused = store.begin_write(T0 + 2, "DB99.DBW0:INT", 0, 1, "bob", "plc")
    recorder.wait_total(3)
    assert rows(path, "SELECT outcome FROM writes WHERE id = 2") == [(None,)]  # in flight
    store.end_write(in_flight, "unknown", "the link broke while the write was in flight")
    store.end_write(refused, "refused", "the PLC refused: the address does not exist")
    store.end_write(refused, "confirmed")  # a second answer changes nothing
    store.end_write(123_456, "confirmed")  # a key nobody began
    store.log_write(T0 + 3, "Pump", False, True, "not_sent", "ann", "plc", "not connected")
    store.log_write(T0 + 4, "DB1.DBB0:BYTE", 7, 300, "invalid", "ann", "plc", "300 > 255")
    never = store.begin_write(T0 + 5, "Valve", False, True, "ann", "plc")
    recorder.wait_total(8)
    assert never > refused
    assert rows(path, "SELECT id, ts - ?, tag, old, new, outcome, user, client, detail "
                "FROM writes ORDER BY id", (T0,)) == [
        (1, 0, "Setpoint", 50.0, 60.0, "confirmed", "ann", "plc", ""),
        (2, 1, "Setpoint", 60.0, 70.0, "unknown", "ann", "plc",
         "the link broke while the write was in flight"),
        (3, 2, "DB99.DBW0:INT", 0, 1, "refused", "bob", "plc",
         "the PLC refused: the address does not exist"),
        (4, 3, "Pump", 0, 1, "not_sent", "ann", "plc", "not connected"),
        (5, 4, "DB1.DBB0:BYTE", 7, 300, "invalid", "ann", "plc", "300 > 255"),
        (6, 5, "Valve", 0, 1, None, "ann", "plc", ""),  # no answer (yet): NULL
    ]  # fmt: skip
    assert {r[0] for r in rows(path, "SELECT outcome FROM writes")} <= {*OUTCOMES, None}
    newest = ask(store.query_writes, limit=3)
    assert [r.id for r in newest] == [6, 5, 4]
    assert newest[1] == WriteRecord(5, T0 + 4, "DB1.DBB0:BYTE", 7, 300, "invalid", "ann", "plc",
                                    "300 > 255")  # fmt: skip
    assert [r.id for r in ask(store.query_writes, tag="Setpoint")] == [2, 1]
    assert [r.id for r in ask(store.query_writes, user="bob")] == [3]
    assert ask(store.query_writes, tag="Setpoint", user="bob") == []


def test_an_outcome_after_a_restart_finds_no_row_of_the_old_store(recorder, path):
    first = recorder.store(path)
    first.start()
    key = first.begin_write(T0, "SP", 1, 2, "ann", "plc")
    assert first.close()
    second = recorder.store(path)
    second.start()
    other = second.begin_write(T0 + 1, "SP", 2, 3, "ann", "plc")
    second.end_write(key, "confirmed")  # the first store's key: not this store's row
    second.end_write(other, "refused")
    assert second.close()
    assert rows(path, "SELECT id, outcome FROM writes ORDER BY id") == [(1, None), (2, "refused")]


# -- retention ---------------------------------------------------------------------------------


def fill(path, now: int, ages_days: list[float]) -> None:
    """A file with one sample, alarm event and write per age (days before ``now``)."""
    store = Store(path, retention_days=0)
    store.start()
    for age in ages_days:
        ts = int(now - age * DAY)
        for n in range(3):
            store.add_sample(f"T{n}", ts, age, 0x80)
        store.add_alarm_event("A", ts, "came", age, "")
        store.log_write(ts, "SP", 0, age, "confirmed", "ann", "plc")
    assert store.close()


def ages(path, table: str) -> list[float]:
    column = "value" if table != "writes" else "new"
    return sorted({r[0] for r in rows(path, f"SELECT {column} FROM {table}")})


def test_retention_drops_older_rows_of_every_table_at_start(recorder, path):
    now = T0
    fill(path, now, [40, 31, 29, 1, 0])
    store = recorder.store(path, retention_days=30, clock=Clock(now))
    store.start()
    try:
        wait_until(lambda: ages(path, "writes") == [0, 1, 29], "expired writes to go")
        wait_until(lambda: ages(path, "samples") == [0, 1, 29], "expired samples to go")
        assert ages(path, "alarm_events") == [0, 1, 29]
    finally:
        store.close()


def test_retention_runs_again_every_hour_in_chunks(recorder, path):
    clock = Clock(T0)
    store = recorder.store(path, retention_days=1, clock=clock)
    store.start()
    try:
        rows_per_hour = 12_000  # more than a chunk: several statements
        for hour in range(3):
            for i in range(rows_per_hour):
                store.add_sample(f"T{i % 100}", T0 + hour * 3_600_000 + i, hour, 0x80)
        recorder.wait_total(3 * rows_per_hour)
        clock.advance(DAY + 30 * 60_000)  # a day and half an hour later: hour 0 expired
        wait_until(lambda: ages(path, "samples") == [1, 2], "hour 0 to go")
        clock.advance(3_600_000)
        wait_until(lambda: ages(path, "samples") == [2], "hour 1 to go")
        assert rows(path, "SELECT count(*) FROM samples") == [(rows_per_hour,)]
    finally:
        store.close()


def test_retention_zero_keeps_everything(recorder, path):
    fill(path, T0, [3650, 0])
    store = recorder.store(path, retention_days=0, clock=Clock(T0))
    store.start()
    store.add_sample("Level", T0, 1, 0x80)
    recorder.wait_total(1)
    store.close()
    assert ages(path, "samples") == [0, 1, 3650]


# -- the journal -------------------------------------------------------------------------------


def test_the_journal_does_nothing_without_a_store():
    log = Journal()
    assert log.store is None
    log.sample("Level", T0, 1.0, 0x80)
    log.alarm_event("High", T0, "came", 1.0)
    assert log.begin_write(T0, "SP", 1, 2) is None
    log.end_write(None, "confirmed")
    log.log_write(T0, "SP", 1, 2, "invalid")
    assert journal() is journal()


def test_the_journal_logs_into_the_attached_store_with_the_operator(recorder, path):
    log = Journal()
    store = recorder.store(path)
    store.start()
    other = Store(path.with_name("other.sqlite"))
    try:
        log.attach(store)
        log.detach(other)  # not the attached one: nothing happens
        assert log.store is store
        assert log.user() != ""  # the OS user
        os_user = log.user()
        log.operator = "ann"
        assert log.user() == "ann"
        log.sample("Level", T0, 1.5, 0x80)
        log.alarm_event("High", T0, "came", 95.0, "")  # nobody caused it
        log.alarm_event("High", T0 + 1, "acknowledged", 95.0)  # the operator did
        key = log.begin_write(T0, "SP", 1, 2, client="plc")
        log.end_write(key, "confirmed")
        log.operator = ""
        log.log_write(T0 + 1, "SP", 2, 300, "invalid", detail="300 > 255")
        recorder.wait_total(5)
        log.detach(store)
        assert log.store is None
        log.sample("Level", T0 + 5, 9.9, 0x80)  # detached: not logged
    finally:
        store.close()
    assert rows(path, "SELECT tag, value FROM samples") == [("Level", 1.5)]
    assert rows(path, "SELECT event, user FROM alarm_events ORDER BY ts") == [
        ("came", ""), ("acknowledged", "ann")
    ]  # fmt: skip
    assert rows(path, "SELECT outcome, user, client FROM writes ORDER BY id") == [
        ("confirmed", "ann", "plc"), ("invalid", os_user, "")
    ]  # fmt: skip
