"""The history store: one SQLite file, written by a thread of its own in batched transactions.

Producers (the GUI thread's variables and alarms) append to lists under a lock and return:
they never wait for the disk. Every ``batch_interval_ms`` the store's thread takes the lists
and writes them in one transaction (``executemany`` per table); the file is in WAL mode, so
readers (a trend query, the sqlite3 shell) never block it. A fault (folder, full disk, lock,
corruption) never raises and never ends the thread: it is reported to ``on_error``, the rows
wait (at most ``max_pending``; beyond that the oldest go), and the store tries again every
``retry_interval_ms`` until it can write; then ``on_error(NoError, "")``.
"""

from __future__ import annotations

import atexit
import contextlib
import itertools
import logging
import os
import sqlite3
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from .batch import BEGIN, END, LOG, Backlog, plan_writes
from .database import (
    StoreError,
    classify,
    connect,
    full_by_limit,
    move_aside,
    next_write_id,
    size_bytes,
)
from .query import AlarmRecord, Point, WriteRecord, alarm_events, downsample
from .query import writes as recent_writes
from .retention import DAY_MS, RetentionPass
from .schema import FINISH_WRITE, INSERT_ALARM_EVENT, INSERT_SAMPLE, INSERT_WRITE

__all__ = ["CommitInfo", "Store", "StoreError"]

log = logging.getLogger("qml_s7.history")

RETENTION_EVERY_MS = 3_600_000
# samples per transaction: a backlog (after a fault) goes in several, queries answered between
MAX_TRANSACTION_SAMPLES = 100_000
# write attempts' keys, unique across stores: a key of one store means nothing to another
_keys = itertools.count(1)
MIN_BATCH_MS = 10


def epoch_ms() -> int:
    return int(time.time() * 1000)


@dataclass(frozen=True, slots=True)
class CommitInfo:
    """What one transaction wrote (given to ``on_commit``, on the store's thread)."""

    rows: int  # rows written now (samples + alarm events + write rows and outcomes)
    total_rows: int  # rows written since the store started
    pending_rows: int  # rows still waiting
    size_bytes: int  # the database's size
    samples: int = 0
    alarm_events: int = 0
    writes: int = 0  # write attempts inserted or given their outcome
    duration_ms: float = 0.0  # the transaction, BEGIN to COMMIT


ErrorCallback = Callable[[StoreError, str], None]
CommitCallback = Callable[[CommitInfo], None]


class Store:
    """One history file and the thread that writes it. Every method may be called from any
    thread and returns at once; callbacks run on the store's thread."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        retention_days: float = 30,
        batch_interval_ms: int = 1000,
        max_size_mb: float = 0,
        on_error: ErrorCallback | None = None,
        on_commit: CommitCallback | None = None,
        retry_interval_ms: int = 5000,
        max_pending: int = 1_000_000,
        clock: Callable[[], int] = epoch_ms,
    ) -> None:
        self.path = os.fspath(path)
        self.retention_days = retention_days  # 0: keep everything
        self.batch_interval_ms = max(MIN_BATCH_MS, int(batch_interval_ms))
        self.max_size_mb = max_size_mb  # 0: no limit but the disk
        self.retry_interval_ms = max(MIN_BATCH_MS, int(retry_interval_ms))
        self._on_error = on_error
        self._on_commit = on_commit
        self._clock = clock  # ms since the epoch: the retention's cutoff and schedule
        # shared with producers, under the lock
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._samples: list[tuple[Any, ...]] = []
        self._alarms: list[tuple[Any, ...]] = []
        self._writes: list[tuple[Any, ...]] = []
        self._queries: list[tuple[Callable[..., list], tuple, Callable[[list], None]]] = []
        self._stopping = False
        self._thread: threading.Thread | None = None
        self._closed = False
        # the store's thread only
        self._conn: sqlite3.Connection | None = None
        self._backlog = Backlog(max(1, int(max_pending)))
        self._next_id = 1  # writes.id of the next attempt
        self._open_ids: dict[int, int] = {}  # key -> writes.id of attempts in flight
        self._error = StoreError.NoError
        self._reported: tuple[StoreError, str] = (StoreError.NoError, "")
        self._problem = ""  # the text of the current fault, without the dropped rows
        self._dropped = 0  # rows dropped during the current fault
        self._retry_at = 0.0
        self._retention: RetentionPass | None = None
        self._retention_at = 0
        self.rows_written = 0

    # -- producers (any thread) -------------------------------------------------------------

    def add_sample(self, tag: str, ts: int, value: object, quality: int) -> None:
        """Log one value of ``tag`` (``ts`` in ms since the epoch, the quality byte)."""
        if not self._closed:
            with self._lock:
                self._samples.append((tag, ts, value, quality))

    def add_alarm_event(
        self,
        alarm: str,
        ts: int,
        event: str,
        value: object,
        user: str,
        text: str = "",
        priority: int = 0,
        group: str = "",
    ) -> None:
        """Log an alarm's transition: came, went, acknowledged, shelved or unshelved."""
        if not self._closed:
            with self._lock:
                self._alarms.append((alarm, ts, event, value, user, text, priority, group))

    def begin_write(
        self, ts: int, tag: str, old: object, new: object, user: str, client: str
    ) -> int:
        """Log a write attempt now, its outcome NULL; ``end_write(key, ...)`` gives it one."""
        key = next(_keys)
        if not self._closed:
            with self._lock:
                self._writes.append((BEGIN, key, ts, tag, old, new, user, client))
        return key

    def end_write(self, key: int, outcome: str, detail: str = "") -> None:
        """The outcome of the attempt ``key``: confirmed, refused, unknown or not_sent."""
        if not self._closed:
            with self._lock:
                self._writes.append((END, key, outcome, detail))

    def log_write(
        self,
        ts: int,
        tag: str,
        old: object,
        new: object,
        outcome: str,
        user: str,
        client: str,
        detail: str = "",
    ) -> None:
        """Log a write attempt whose outcome is known at once (invalid, not_sent)."""
        if not self._closed:
            with self._lock:
                self._writes.append((LOG, ts, tag, old, new, outcome, user, client, detail))

    # -- queries (any thread; the callback runs on the store's thread) -----------------------

    def query(
        self,
        tag: str,
        from_ms: float,
        to_ms: float,
        max_points: int,
        callback: Callable[[list[Point]], None],
    ) -> None:
        """``callback(points)``: ``tag`` downsampled (downsample); [] on failure."""
        self._ask(downsample, (tag, int(from_ms), int(to_ms), int(max_points)), callback)

    def query_writes(
        self,
        callback: Callable[[list[WriteRecord]], None],
        tag: str = "",
        user: str = "",
        limit: int = 200,
    ) -> None:
        """``callback(records)``: the newest write attempts, newest first."""
        self._ask(recent_writes, (tag, user, limit), callback)

    def query_alarm_events(
        self,
        callback: Callable[[list[AlarmRecord]], None],
        alarm: str = "",
        user: str = "",
        limit: int = 200,
    ) -> None:
        """``callback(records)``: the newest alarm events, newest first."""
        self._ask(alarm_events, (alarm, user, limit), callback)

    def _ask(self, function: Callable[..., list], args: tuple, callback: Callable) -> None:
        with self._wake:
            self._queries.append((function, args, callback))
            self._wake.notify()

    # -- state -------------------------------------------------------------------------------

    @property
    def error(self) -> StoreError:
        """The current fault (NoError when the last attempt wrote)."""
        return self._error

    @property
    def pending_rows(self) -> int:
        """Rows waiting to be written (approximate while the thread works)."""
        return len(self._samples) + len(self._alarms) + len(self._writes) + len(self._backlog)

    # -- life --------------------------------------------------------------------------------

    def start(self) -> None:
        """Start the thread: it opens the file, drops expired rows, commits every interval."""
        if self._thread is not None or self._closed:
            return
        self._thread = threading.Thread(target=self._run, name="qml-s7 history", daemon=True)
        _open_stores.add(self)
        self._thread.start()

    def close(self, timeout: float = 5.0) -> bool:
        """Write what waits, close the file, end the thread; False if it did not end in time."""
        self._closed = True
        with self._wake:
            self._stopping = True
            self._wake.notify()
        thread = self._thread
        if thread is None or thread is threading.current_thread():
            return True
        thread.join(timeout)
        return not thread.is_alive()

    # -- the store's thread ------------------------------------------------------------------

    def _run(self) -> None:
        now = time.monotonic()
        commit_at = now + self.batch_interval_ms / 1000
        self._open()
        while True:
            now = time.monotonic()
            wake = commit_at
            if self._error != StoreError.NoError:
                wake = min(wake, self._retry_at)
            if self._retention is not None and self._conn is not None and not self._error:
                wake = now  # deleting in chunks: go on after each
            with self._wake:
                if not self._stopping and not self._queries and wake > now:
                    self._wake.wait(wake - now)
                stopping = self._stopping
                queries, self._queries = self._queries, []
            now = time.monotonic()
            if self._conn is None and (stopping or now >= self._retry_at):
                self._open()
            for function, args, callback in queries:
                self._answer(function, args, callback)
            if stopping or now >= commit_at:
                more = self._commit(force=stopping)
                while stopping and more:  # closing: everything, now
                    more = self._commit(force=True)
                commit_at = time.monotonic() + (0 if more else self.batch_interval_ms / 1000)
            if stopping:
                break
            self._retain()
        self._shut()

    def _open(self) -> None:
        try:
            self._conn = connect(self.path, self.max_size_mb, self._clock())
            self._next_id = next_write_id(self._conn)
        except Exception as error:
            self._conn = None
            self._failed(error, opening=True)
            return
        self._schedule_retention()
        if not self._backlog:  # else the next commit tells
            self._recovered()

    def _shut(self) -> None:
        waiting = len(self._backlog)
        if waiting:
            log.warning(
                "history: %d rows not written to %s (%s)", waiting, self.path, self._problem
            )
        if self._conn is not None:
            try:
                self._conn.execute("PRAGMA optimize")
                self._conn.close()
            except sqlite3.Error as error:
                log.warning("history: closing %s: %s", self.path, error)
            self._conn = None
        _open_stores.discard(self)

    def _answer(self, function: Callable[..., list], args: tuple, callback: Callable) -> None:
        result: list = []
        if self._conn is not None:
            try:
                result = function(self._conn, *args)
            except sqlite3.Error as error:
                log.warning("history: a query of %s failed: %s", self.path, error)
                if classify(error) == StoreError.Corrupt:
                    self._failed(error)
        try:
            callback(result)
        except Exception:
            log.exception("history: a query's callback failed")

    def _commit(self, force: bool = False) -> bool:
        """Take the new rows, write what waits if the store may; True: more waits to go now."""
        with self._lock:
            samples, self._samples = self._samples, []
            alarms, self._alarms = self._alarms, []
            writes, self._writes = self._writes, []
        dropped = self._backlog.add(samples, alarms, writes)
        if dropped:
            self._dropped += dropped
            self._report(self._error, self._problem)
        if not self._backlog:
            return False
        if self._error != StoreError.NoError and not force and time.monotonic() < self._retry_at:
            return False
        if self._conn is None:
            self._open()
            if self._conn is None and self._retry_at == 0.0:  # a corrupt file moved aside
                self._open()
            if self._conn is None:
                return False
        if self._error == StoreError.DiskFull:
            self._retain(whole_pass=True)  # room for the rows, if any of them expired
        return self._write(self._conn)

    def _write(self, conn: sqlite3.Connection) -> bool:
        backlog = self._backlog
        plan = plan_writes(backlog.writes, self._next_id, self._open_ids)
        samples = backlog.samples[:MAX_TRANSACTION_SAMPLES]
        started = time.perf_counter()
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany(INSERT_SAMPLE, samples)
            conn.executemany(INSERT_ALARM_EVENT, backlog.alarms)
            conn.executemany(INSERT_WRITE, plan.inserts)
            conn.executemany(FINISH_WRITE, plan.updates)
            conn.execute("COMMIT")
        except Exception as error:
            with contextlib.suppress(sqlite3.Error):
                conn.rollback()
            self._failed(error)
            return False
        duration = (time.perf_counter() - started) * 1000
        self._next_id = plan.next_id
        self._open_ids.update(plan.opened)
        for key in plan.finished:
            del self._open_ids[key]
        writes = len(plan.inserts) + len(plan.updates)
        rows = len(samples) + len(backlog.alarms) + writes
        info = CommitInfo(
            rows=rows,
            total_rows=self.rows_written + rows,
            pending_rows=0,
            size_bytes=0,
            samples=len(samples),
            alarm_events=len(backlog.alarms),
            writes=writes,
            duration_ms=duration,
        )
        self.rows_written += rows
        del backlog.samples[: len(samples)]
        backlog.alarms.clear()
        backlog.writes.clear()
        self._recovered()
        if self._on_commit is not None and rows:
            try:
                size = size_bytes(conn)
            except sqlite3.Error:
                size = 0
            info = replace(info, pending_rows=self.pending_rows, size_bytes=size)
            self._call(self._on_commit, info)
        return bool(backlog)

    # -- retention ---------------------------------------------------------------------------

    def _schedule_retention(self) -> None:
        if self.retention_days > 0 and self._retention is None:
            now = self._clock()
            self._retention = RetentionPass(int(now - self.retention_days * DAY_MS))
            self._retention_at = now + RETENTION_EVERY_MS

    def _retain(self, whole_pass: bool = False) -> None:
        """One chunk of the retention pass in progress (or all of it); start one when due."""
        if self._conn is None or self._error not in (StoreError.NoError, StoreError.DiskFull):
            return
        if self._retention is None and (whole_pass or self._clock() >= self._retention_at):
            self._schedule_retention()
        retention = self._retention
        if retention is None:
            return
        try:
            retention.step(self._conn)
            while whole_pass and not retention.done:
                retention.step(self._conn)
        except sqlite3.Error as error:
            log.info("history: dropping expired rows of %s paused: %s", self.path, error)
            retention.done = True
            if classify(error) == StoreError.Corrupt:
                self._failed(error)
        if retention.done:
            if retention.deleted:
                log.info("history: %d expired rows dropped from %s", retention.deleted, self.path)
            self._retention = None

    # -- faults ------------------------------------------------------------------------------

    def _failed(self, error: BaseException, opening: bool = False) -> None:
        code = classify(error, opening)
        self._retry_at = time.monotonic() + self.retry_interval_ms / 1000
        retry = f"retrying every {self.retry_interval_ms / 1000:g} s"
        reason = getattr(error, "strerror", None) or str(error) or type(error).__name__
        if code == StoreError.Corrupt:
            self._corrupt(reason)
            return
        if code == StoreError.OpenError:
            text = f"cannot open the history file {self.path}: {reason}; {retry}"
        elif code == StoreError.DiskFull:
            limit = full_by_limit(self.path, self.max_size_mb)
            where = (
                f"has reached its maximum size ({self.max_size_mb:g} MB)"
                if limit
                else "cannot grow: the disk is full"
            )
            text = f"the history file {self.path} {where}; {retry}"
        elif code == StoreError.Locked:
            text = f"the history file {self.path} is locked by another program ({reason}); {retry}"
        else:
            text = f"cannot write the history file {self.path}: {reason}; {retry}"
        if code in (StoreError.OpenError, StoreError.WriteError) and self._conn is not None:
            self._drop_connection()  # open it afresh at the retry
        self._problem = text
        self._report(code, text)

    def _corrupt(self, reason: str) -> None:
        self._drop_connection()
        try:
            moved = move_aside(self.path)
        except OSError as error:
            retry = f"retrying every {self.retry_interval_ms / 1000:g} s"
            text = (
                f"the history file {self.path} is corrupt ({reason}) and cannot be moved "
                f"aside ({error.strerror}); {retry}"
            )
            self._problem = text
            self._report(StoreError.Corrupt, text)
            return
        self._open_ids.clear()  # their rows are in the old file
        text = (
            f"the history file {self.path} was corrupt ({reason}): it was moved to {moved} "
            f"and a new file was started"
        )
        self._problem = text
        self._report(StoreError.Corrupt, text)
        self._retry_at = 0.0  # the new file: at once (the thread's loop opens it)

    def _drop_connection(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(sqlite3.Error):
                self._conn.close()
            self._conn = None

    def _recovered(self) -> None:
        self._dropped = 0
        self._problem = ""
        if self._error != StoreError.NoError:
            log.info("history: writing %s again", self.path)
            self._report(StoreError.NoError, "")

    def _report(self, code: StoreError, text: str) -> None:
        if code != StoreError.NoError and self._dropped:
            text = (
                f"{text}; {self._dropped:,} rows dropped (the oldest): more than "
                f"{self._backlog.limit:,} were waiting"
            )
        self._error = code
        if (code, text) == self._reported:
            return
        self._reported = (code, text)
        if code != StoreError.NoError:
            log.warning("history: %s", text)
        if self._on_error is not None:
            self._call(self._on_error, code, text)

    @staticmethod
    def _call(callback: Callable[..., None], *args: Any) -> None:
        try:
            callback(*args)
        except Exception:  # the store's thread lives on whatever a callback does
            log.exception("history: a callback failed")


# Stores still open at interpreter exit write what waits (atexit runs before daemon threads
# are stopped); a store closed normally has left this set.
_open_stores: weakref.WeakSet[Store] = weakref.WeakSet()


@atexit.register
def _close_all() -> None:
    for store in list(_open_stores):
        store.close()
