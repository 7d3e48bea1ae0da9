"""The store's faults with real files: a folder that cannot be made or written, a full file, a
locked file, a corrupt file, too many waiting rows, kill -9. Nothing raises; every fault is
reported with a clear text; rows wait and are written once the store can write again."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from history_support import T0, Clock, Recorder, opened, rows

from qml_s7.history import StoreError

ROOT = Path(__file__).resolve().parent.parent
DAY = 86_400_000


def test_a_folder_that_cannot_be_made_is_an_open_error_until_it_can(tmp_path):
    blocker = tmp_path / "data"
    blocker.write_text("a file where the folder should be")
    path = blocker / "history.sqlite"
    recorder = Recorder()
    store = recorder.store(path)
    store.start()
    try:
        store.add_sample("Level", T0, 1.0, 0x80)
        text = recorder.wait_error(StoreError.OpenError)
        assert str(blocker) in text and "cannot create the folder" in text
        assert "retrying every 0.1 s" in text
        assert store.pending_rows == 1
        store.add_sample("Level", T0 + 1, 2.0, 0x80)
        blocker.unlink()
        blocker.mkdir()  # someone fixes it
        recorder.wait_error(StoreError.NoError)
        recorder.wait_total(2)
    finally:
        store.close()
    assert rows(path, "SELECT ts - ?, value FROM samples ORDER BY ts", (T0,)) == [
        (0, 1.0),
        (1, 2.0),
    ]
    assert recorder.errors[-1] == (StoreError.NoError, "")


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root writes into any folder"
)
def test_a_read_only_folder_is_an_open_error_until_it_is_writable(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    path = folder / "history.sqlite"
    recorder = Recorder()
    store = recorder.store(path)
    store.start()
    try:
        store.add_sample("Level", T0, 1.0, 0x80)
        assert str(path) in recorder.wait_error(StoreError.OpenError)
        folder.chmod(0o700)
        recorder.wait_error(StoreError.NoError)
        recorder.wait_total(1)
    finally:
        folder.chmod(0o700)
        store.close()
    assert rows(path, "SELECT count(*) FROM samples") == [(1,)]


def test_a_full_file_is_disk_full_until_expired_rows_make_room(tmp_path):
    path = tmp_path / "history.sqlite"
    recorder = Recorder()
    store = recorder.store(path, max_size_mb=0.2, retention_days=1, clock=Clock(T0))
    store.start()
    try:
        store.add_alarm_event("First", T0, "came", 1, "")
        recorder.wait_total(1)  # the file is open and its first retention pass is done
        old = T0 - 2 * DAY  # expired, but dropped at the next retention pass only
        for i in range(400):  # about 100 kB (the value is in the table and in the index)
            store.add_sample(f"Old{i % 10}", old + i, "x" * 100, 0x80)
        recorder.wait_total(401)
        for i in range(400):  # as much again does not fit into 0.2 MB
            store.add_sample(f"New{i % 10}", T0 + i, "y" * 100, 0x80)
        text = recorder.wait_error(StoreError.DiskFull)
        assert str(path) in text and "maximum size (0.2 MB)" in text
        # the retry drops the expired rows first; then the waiting rows fit
        recorder.wait_error(StoreError.NoError)
        recorder.wait_total(801)
    finally:
        store.close()
    assert rows(path, "SELECT count(*) FROM samples WHERE tag LIKE 'New%'") == [(400,)]
    assert rows(path, "SELECT count(*) FROM samples WHERE tag LIKE 'Old%'") == [(0,)]
    assert os.path.getsize(path) <= 0.2 * 1024 * 1024


def test_a_locked_file_is_locked_until_the_other_program_commits(tmp_path):
    path = tmp_path / "history.sqlite"
    recorder = Recorder()
    store = recorder.store(path)
    store.start()
    try:
        store.add_sample("Level", T0, 1.0, 0x80)
        recorder.wait_total(1)
        with opened(path) as other:
            other.execute("BEGIN EXCLUSIVE")
            other.execute("INSERT INTO meta VALUES ('note', 'someone else writes')")
            store.add_sample("Level", T0 + 1, 2.0, 0x80)
            text = recorder.wait_error(StoreError.Locked)
            assert str(path) in text and "locked by another program" in text
            store.add_sample("Level", T0 + 2, 3.0, 0x80)
            other.execute("COMMIT")
        recorder.wait_error(StoreError.NoError)
        recorder.wait_total(3)
    finally:
        store.close()
    assert rows(path, "SELECT value FROM samples ORDER BY ts") == [(1.0,), (2.0,), (3.0,)]
    assert rows(path, "SELECT value FROM meta WHERE key = 'note'") == [("someone else writes",)]


def test_a_corrupt_file_is_moved_aside_and_a_new_one_started(tmp_path):
    path = tmp_path / "history.sqlite"
    garbage = b"this is no database, it was overwritten by something\n" * 200
    path.write_bytes(garbage)
    recorder = Recorder()
    store = recorder.store(path)
    store.add_sample("Level", T0, 1.0, 0x80)
    store.start()
    try:
        text = recorder.wait_error(StoreError.Corrupt)
        recorder.wait_total(1)
        assert recorder.errors[-1] == (StoreError.NoError, "")
    finally:
        store.close()
    (moved,) = tmp_path.glob("history.sqlite.corrupt-*")
    assert moved.read_bytes() == garbage
    assert str(path) in text and str(moved) in text and "new file" in text
    assert moved.name.startswith("history.sqlite.corrupt-2") and moved.name.endswith("Z")
    assert rows(path, "PRAGMA integrity_check") == [("ok",)]
    assert rows(path, "SELECT tag, value FROM samples") == [("Level", 1.0)]


def test_beyond_the_limit_the_oldest_waiting_rows_are_dropped_and_said(tmp_path):
    path = tmp_path / "history.sqlite"
    recorder = Recorder()
    store = recorder.store(path, max_pending=100)
    store.start()
    try:
        store.add_sample("Level", -1, 0, 0x80)
        recorder.wait_total(1)
        with opened(path) as other:
            other.execute("BEGIN EXCLUSIVE")
            store.add_alarm_event("High", T0, "came", 1, "")  # audit rows go last
            for i in range(150):
                store.add_sample("Level", T0 + i, i, 0x80)
            start = len(recorder.errors)
            recorder.wait(
                lambda: any("51 rows dropped" in t for _, t in recorder.errors[start:]),
                "the dropped rows to be reported",
            )
            code, text = next(e for e in recorder.errors[start:] if "dropped" in e[1])
            assert code == StoreError.Locked and "more than 100 were waiting" in text
            other.execute("ROLLBACK")
        recorder.wait_error(StoreError.NoError)
        recorder.wait_total(101)
    finally:
        store.close()
    assert rows(path, "SELECT min(value), max(value), count(*) FROM samples WHERE ts > 0") == [
        (51, 149, 99)
    ]
    assert rows(path, "SELECT count(*) FROM alarm_events") == [(1,)]


# -- kill -9 -----------------------------------------------------------------------------------

LOGGER = """
import sys, time
from qml_s7.history import Store

def committed(info):
    print(info.total_rows, flush=True)

store = Store(sys.argv[1], batch_interval_ms=50, on_commit=committed)
store.start()
i = 0
while True:  # logs until it is killed
    for tag in range(50):
        store.add_sample(f"T{tag}", 1_800_000_000_000 + i, float(i), 0x80)
    store.log_write(1_800_000_000_000 + i, "SP", i, i + 1, "confirmed", "ann", "plc")
    i += 1
    time.sleep(0.001)
"""


def test_kill_9_while_logging_leaves_a_clean_file_with_every_committed_row(tmp_path):
    path = tmp_path / "history.sqlite"
    script = tmp_path / "logger.py"
    script.write_text(textwrap.dedent(LOGGER))
    child = subprocess.Popen(
        [sys.executable, str(script), str(path)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"},
    )
    try:
        committed = 0
        for _ in range(10):  # ten commits reported: the next ones are under way
            line = child.stdout.readline()
            assert line, "the logger ended before it committed"
            committed = int(line)
        child.send_signal(signal.SIGKILL)
        assert child.wait(timeout=30) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        child.stdout.close()
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        samples = conn.execute("SELECT count(*) FROM samples").fetchone()[0]
        writes = conn.execute("SELECT count(*) FROM writes").fetchone()[0]
        assert samples + writes >= committed > 0
        # every row up to the last commit, none missing in between
        for tag in ("T0", "T49"):
            count, span = conn.execute(
                "SELECT count(*), max(ts) - min(ts) + 1 FROM samples WHERE tag = ?", (tag,)
            ).fetchone()
            assert count == span
    finally:
        conn.close()
