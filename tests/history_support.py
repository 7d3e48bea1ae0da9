"""Helpers of the history tests: a store's callbacks recorded with waits on a condition
(the store's thread calls them; nothing here sleeps to synchronise), queries as calls, and
reading the file through a connection of the test's own."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from qml_s7.history import CommitInfo, Store, StoreError

TIMEOUT = 10.0
T0 = 1_800_000_000_000  # a fixed moment (2027-01-15), ms since the epoch


class Recorder:
    """Collects a store's on_error and on_commit calls; ``wait`` blocks until a predicate on
    them holds (or fails the test after a bounded time)."""

    def __init__(self) -> None:
        self.errors: list[tuple[StoreError, str]] = []
        self.commits: list[CommitInfo] = []
        self._changed = threading.Condition()

    def on_error(self, code: StoreError, text: str) -> None:
        with self._changed:
            self.errors.append((code, text))
            self._changed.notify_all()

    def on_commit(self, info: CommitInfo) -> None:
        with self._changed:
            self.commits.append(info)
            self._changed.notify_all()

    def wait(self, predicate: Callable[[], bool], what: str, timeout: float = TIMEOUT) -> None:
        with self._changed:
            assert self._changed.wait_for(predicate, timeout), f"timed out waiting for {what}"

    def wait_error(self, code: StoreError, since: int = 0, timeout: float = TIMEOUT) -> str:
        """The text of the first report of ``code`` from the ``since``-th report on."""
        self.wait(lambda: any(c == code for c, _ in self.errors[since:]), code.name, timeout)
        return next(t for c, t in self.errors[since:] if c == code)

    def wait_total(self, rows: int, timeout: float = TIMEOUT) -> None:
        """Until the store has committed ``rows`` rows since it started."""
        self.wait(
            lambda: bool(self.commits) and self.commits[-1].total_rows >= rows,
            f"{rows} rows committed",
            timeout,
        )

    def store(self, path: Path | str, **options: Any) -> Store:
        options.setdefault("batch_interval_ms", 20)
        options.setdefault("retry_interval_ms", 100)
        return Store(path, on_error=self.on_error, on_commit=self.on_commit, **options)


def ask(method: Callable[..., None], *args: Any, **options: Any) -> list:
    """Call a store's query method and wait for its callback's list."""
    done = threading.Event()
    answer: list[list] = []

    def callback(result: list) -> None:
        answer.append(result)
        done.set()

    if method.__name__ == "query":
        method(*args, callback)
    else:
        method(callback, *args, **options)
    assert done.wait(TIMEOUT), "the query was never answered"
    return answer[0]


@contextmanager
def opened(path: Path | str) -> Iterator[sqlite3.Connection]:
    """The file through a connection of the test's own (as the sqlite3 shell would)."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        yield conn
    finally:
        conn.close()


def rows(path: Path | str, sql: str, args: tuple = ()) -> list[tuple]:
    with opened(path) as conn:
        return conn.execute(sql, args).fetchall()


def wait_until(predicate: Callable[[], bool], what: str, timeout: float = TIMEOUT) -> None:
    """Poll a state that has no callback (rows deleted by the retention), bounded."""
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.01)


class Clock:
    """Milliseconds since the epoch that move only when the test says so (the retention's)."""

    def __init__(self, now: int) -> None:
        self.now = now
        self._lock = threading.Lock()

    def __call__(self) -> int:
        with self._lock:
            return self.now

    def advance(self, ms: int) -> None:
        with self._lock:
            self.now += ms
