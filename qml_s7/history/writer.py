"""The store's thread: it opens the file, commits the batches, drops expired rows, answers
queries, and handles every fault (reported, never raised; the rows wait and are retried).

Only this thread touches the connection; producers reach it through the ``Inbox``.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from .batch import Backlog, plan_writes
from .database import (
    StoreError,
    classify,
    connect,
    full_by_limit,
    move_aside,
    next_write_id,
    size_bytes,
)
from .inbox import Inbox, Query
from .retention import DAY_MS, RetentionPass
from .schema import FINISH_WRITE, INSERT_ALARM_EVENT, INSERT_SAMPLE, INSERT_WRITE

log = logging.getLogger("qml_s7.history")

RETENTION_EVERY_MS = 3_600_000
# samples per transaction: a backlog (after a fault) goes in several, queries answered between
MAX_TRANSACTION_SAMPLES = 100_000


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


@dataclass(frozen=True)
class Settings:
    """The store's settings (see ``Store``)."""

    path: str
    retention_days: float
    batch_interval_ms: int
    max_size_mb: float
    retry_interval_ms: int
    max_pending: int
    clock: Callable[[], int]  # ms since the epoch: the retention's cutoff and schedule


class Writer:
    """The state of the store's thread; ``run`` is the thread."""

    def __init__(
        self,
        settings: Settings,
        inbox: Inbox,
        on_error: ErrorCallback | None,
        on_commit: CommitCallback | None,
    ) -> None:
        self.path = settings.path
        self.retention_days = settings.retention_days
        self.batch_interval_ms = settings.batch_interval_ms
        self.max_size_mb = settings.max_size_mb
        self.retry_interval_ms = settings.retry_interval_ms
        self._clock = settings.clock
        self._inbox = inbox
        self._on_error = on_error
        self._on_commit = on_commit
        self._conn: sqlite3.Connection | None = None
        self._backlog = Backlog(max(1, settings.max_pending))
        self._next_id = 1  # writes.id of the next attempt
        self._open_ids: dict[int, int] = {}  # key -> writes.id of attempts in flight
        self.error = StoreError.NoError
        self._reported: tuple[StoreError, str] = (StoreError.NoError, "")
        self._problem = ""  # the text of the current fault, without the dropped rows
        self._dropped = 0  # rows dropped during the current fault
        self._retry_at = 0.0
        self._retention: RetentionPass | None = None
        self._retention_at = 0
        self.rows_written = 0

    @property
    def waiting(self) -> int:
        """Rows not yet written: in the inbox and in the backlog (a moment's figure)."""
        return len(self._inbox) + len(self._backlog)

    def run(self) -> None:
        """The thread's loop: open, then commit, retry, answer and expire until stopped."""
        now = time.monotonic()
        commit_at = now + self.batch_interval_ms / 1000
        self._open()
        while True:
            now = time.monotonic()
            wake = commit_at
            if self.error != StoreError.NoError:
                wake = min(wake, self._retry_at)
            if self._retention is not None and self._conn is not None and not self.error:
                wake = now  # deleting in chunks: go on after each
            stopping, queries = self._inbox.wait(wake - now)
            try:
                commit_at = self._turn(stopping, queries, commit_at)
            except Exception:  # a bug of ours: said, and the thread goes on
                log.exception("history: internal error in the store's thread")
                commit_at = time.monotonic() + self.batch_interval_ms / 1000
            if stopping:
                break
        self._shut()

    def _turn(self, stopping: bool, queries: list[Query], commit_at: float) -> float:
        """One turn of the loop; returns when to commit next."""
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
        if not stopping:
            self._retain()
        return commit_at

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
        waiting = self.waiting
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

    def _answer(self, function: Callable[..., list], args: tuple, callback: Callable) -> None:
        result: list = []
        if self._conn is not None:
            try:
                result = function(self._conn, *args)
            except sqlite3.Error as error:
                log.warning("history: a query of %s failed: %s", self.path, error)
                if classify(error) == StoreError.Corrupt:
                    self._failed(error)
            except Exception:  # arguments it cannot take (a NaN for a time): nothing
                log.exception("history: a query of %s%r failed", function.__name__, args)
        try:
            callback(result)
        except Exception:
            log.exception("history: a query's callback failed")

    def _commit(self, force: bool = False) -> bool:
        """Take the new rows, write what waits if the store may; True: more waits to go now."""
        dropped = self._backlog.add(*self._inbox.take())
        if dropped:
            self._dropped += dropped
            self._report(self.error, self._problem)
        if not self._backlog:
            return False
        if self.error != StoreError.NoError and not force and time.monotonic() < self._retry_at:
            return False
        if self._conn is None:
            self._open()
            if self._conn is None and self._retry_at == 0.0:  # a corrupt file moved aside
                self._open()
            if self._conn is None:
                return False
        if self.error == StoreError.DiskFull:
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
            info = replace(info, pending_rows=self.waiting, size_bytes=size)
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
        if self._conn is None or self.error not in (StoreError.NoError, StoreError.DiskFull):
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
        if self.error != StoreError.NoError:
            log.info("history: writing %s again", self.path)
            self._report(StoreError.NoError, "")

    def _report(self, code: StoreError, text: str) -> None:
        if code != StoreError.NoError and self._dropped:
            text = (
                f"{text}; {self._dropped:,} rows dropped (the oldest): more than "
                f"{self._backlog.limit:,} were waiting"
            )
        self.error = code
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
