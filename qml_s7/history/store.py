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
import itertools
import os
import threading
import time
import weakref
from collections.abc import Callable

from .batch import BEGIN, END, LOG
from .database import StoreError
from .inbox import Inbox
from .query import AlarmRecord, Point, WriteRecord, alarm_events, downsample
from .query import writes as recent_writes
from .writer import CommitCallback, CommitInfo, ErrorCallback, Settings, Writer

__all__ = ["CommitInfo", "Store", "StoreError"]

MIN_INTERVAL_MS = 10
# write attempts' keys, unique across stores: a key of one store means nothing to another
_keys = itertools.count(1)


def epoch_ms() -> int:
    return int(time.time() * 1000)


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
        self.batch_interval_ms = max(MIN_INTERVAL_MS, int(batch_interval_ms))
        self.max_size_mb = max_size_mb  # 0: no limit but the disk
        self.retry_interval_ms = max(MIN_INTERVAL_MS, int(retry_interval_ms))
        settings = Settings(
            self.path,
            retention_days,
            self.batch_interval_ms,
            max_size_mb,
            self.retry_interval_ms,
            int(max_pending),
            clock,
        )
        self._inbox = Inbox()
        self._writer = Writer(settings, self._inbox, on_error, on_commit)
        self._thread: threading.Thread | None = None

    # -- producers (any thread) -------------------------------------------------------------

    def add_sample(self, tag: str, ts: int, value: object, quality: int) -> None:
        """Log one value of ``tag`` (``ts`` in ms since the epoch, the quality byte)."""
        self._inbox.add_sample((tag, ts, value, quality))

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
        self._inbox.add_alarm_event((alarm, ts, event, value, user, text, priority, group))

    def begin_write(
        self, ts: int, tag: str, old: object, new: object, user: str, client: str
    ) -> int:
        """Log a write attempt now, its outcome NULL; ``end_write(key, ...)`` gives it one."""
        key = next(_keys)
        self._inbox.add_write((BEGIN, key, ts, tag, old, new, user, client))
        return key

    def end_write(self, key: int, outcome: str, detail: str = "") -> None:
        """The outcome of the attempt ``key``: confirmed, refused, unknown or not_sent."""
        self._inbox.add_write((END, key, outcome, detail))

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
        self._inbox.add_write((LOG, ts, tag, old, new, outcome, user, client, detail))

    # -- queries (any thread; the callback runs on the store's thread) -----------------------

    def query(
        self,
        tag: str,
        from_ms: float,
        to_ms: float,
        max_points: int,
        callback: Callable[[list[Point]], None],
    ) -> None:
        """``callback(points)``: ``tag`` downsampled (query.downsample); [] on failure."""
        self._inbox.ask((downsample, (tag, from_ms, to_ms, max_points), callback))

    def query_writes(
        self,
        callback: Callable[[list[WriteRecord]], None],
        tag: str = "",
        user: str = "",
        limit: int = 200,
    ) -> None:
        """``callback(records)``: the newest write attempts, newest first."""
        self._inbox.ask((recent_writes, (tag, user, limit), callback))

    def query_alarm_events(
        self,
        callback: Callable[[list[AlarmRecord]], None],
        alarm: str = "",
        user: str = "",
        limit: int = 200,
    ) -> None:
        """``callback(records)``: the newest alarm events, newest first."""
        self._inbox.ask((alarm_events, (alarm, user, limit), callback))

    # -- state -------------------------------------------------------------------------------

    @property
    def error(self) -> StoreError:
        """The current fault (NoError when the last attempt wrote)."""
        return self._writer.error

    @property
    def pending_rows(self) -> int:
        """Rows waiting to be written (a moment's figure)."""
        return self._writer.waiting

    @property
    def rows_written(self) -> int:
        """Rows written since the store started."""
        return self._writer.rows_written

    # -- life --------------------------------------------------------------------------------

    def start(self) -> None:
        """Start the thread: it opens the file, drops expired rows, commits every interval."""
        if self._thread is not None or self._inbox.closed:
            return
        self._thread = threading.Thread(target=self._run, name="qml-s7 history", daemon=True)
        _open_stores.add(self)
        self._thread.start()

    def close(self, timeout: float = 5.0) -> bool:
        """Write what waits, close the file, end the thread; False if it did not end in time."""
        self._inbox.stop()
        thread = self._thread
        if thread is None or thread is threading.current_thread():
            return True
        thread.join(timeout)
        return not thread.is_alive()

    def _run(self) -> None:
        try:
            self._writer.run()
        finally:
            _open_stores.discard(self)


# Stores still open at interpreter exit write what waits (atexit runs before daemon threads
# are stopped); a store closed normally has left this set.
_open_stores: weakref.WeakSet[Store] = weakref.WeakSet()


@atexit.register
def _close_all() -> None:
    for store in list(_open_stores):
        store.close()
