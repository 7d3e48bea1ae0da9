"""What producers hand to the store's thread: rows and queries, in lists under one lock.

Appending is all a producer does (O(1), no I/O); the thread swaps the lists for empty ones
when it commits, and waits on the lock's condition for its next deadline, a query or close.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

Query = tuple[Callable[..., list], tuple, Callable[[list], None]]


class Inbox:
    """Rows and queries waiting for the store's thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._samples: list[tuple[Any, ...]] = []
        self._alarms: list[tuple[Any, ...]] = []
        self._writes: list[tuple[Any, ...]] = []
        self._queries: list[Query] = []
        self._stopping = False
        self.closed = False  # rows after close() are ignored

    def __len__(self) -> int:
        """Rows waiting (read without the lock: a moment's figure)."""
        return len(self._samples) + len(self._alarms) + len(self._writes)

    def add_sample(self, row: tuple[Any, ...]) -> None:
        if not self.closed:
            with self._lock:
                self._samples.append(row)

    def add_alarm_event(self, row: tuple[Any, ...]) -> None:
        if not self.closed:
            with self._lock:
                self._alarms.append(row)

    def add_write(self, operation: tuple[Any, ...]) -> None:
        if not self.closed:
            with self._lock:
                self._writes.append(operation)

    def ask(self, query: Query) -> None:
        """A query for the thread: it wakes at once."""
        with self._wake:
            self._queries.append(query)
            self._wake.notify()

    def stop(self) -> None:
        """Refuse further rows; the thread wakes, writes what waits and ends."""
        self.closed = True
        with self._wake:
            self._stopping = True
            self._wake.notify()

    def wait(self, timeout: float) -> tuple[bool, list[Query]]:
        """Sleep up to ``timeout`` s unless a query or stop came; (stopping, the queries)."""
        with self._wake:
            if not self._stopping and not self._queries and timeout > 0:
                self._wake.wait(timeout)
            queries, self._queries = self._queries, []
            return self._stopping, queries

    def take(self) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], list[tuple[Any, ...]]]:
        """Every waiting sample, alarm event and write operation; the lists start empty."""
        with self._lock:
            taken = self._samples, self._alarms, self._writes
            self._samples, self._alarms, self._writes = [], [], []
        return taken
