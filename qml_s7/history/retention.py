"""Dropping rows older than the retention, a chunk per statement, so that the store's batch
commits go on in between (a chunk of 10,000 rows takes some tens of milliseconds).

``samples`` has no index on time alone (it would cost every insert): rows are appended in
time order, so the oldest are the lowest rowids. A pass walks the table in rowid order, a
chunk at a time, and stops at the first chunk without any row older than the cutoff; a row
logged late with an old time stamp goes with its neighbours. ``alarm_events`` and ``writes``
are indexed on ``ts``.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

CHUNK = 10_000
DAY_MS = 86_400_000


@dataclass
class RetentionPass:
    """One pass over the tables, a chunk per ``step``; ``done`` when nothing is left."""

    cutoff_ms: int
    table: int = 0  # index into the tables below
    after_rowid: int = 0  # samples: the chunks below this rowid are done
    deleted: int = 0
    done: bool = False

    def step(self, conn: sqlite3.Connection, chunk: int = CHUNK) -> int:
        """Delete one chunk (its own transaction); return the rows deleted."""
        if self.done:
            return 0
        if self.table == 0:
            count = self._samples_chunk(conn, chunk)
        else:
            name = ("alarm_events", "writes")[self.table - 1]
            count = conn.execute(
                f"DELETE FROM {name} WHERE rowid IN "
                f"(SELECT rowid FROM {name} WHERE ts < ? LIMIT ?)",
                (self.cutoff_ms, chunk),
            ).rowcount
            if count < chunk:
                self.table += 1
        self.deleted += count
        self.done = self.table > 2
        return count

    def _samples_chunk(self, conn: sqlite3.Connection, chunk: int) -> int:
        last, oldest, rows = conn.execute(
            "SELECT max(r), min(ts), count(*) FROM "
            "(SELECT rowid AS r, ts FROM samples WHERE rowid > ? ORDER BY rowid LIMIT ?)",
            (self.after_rowid, chunk),
        ).fetchone()
        if rows == 0 or oldest >= self.cutoff_ms:  # the end, or a chunk all within retention
            self.table += 1
            return 0
        count = conn.execute(
            "DELETE FROM samples WHERE rowid > ? AND rowid <= ? AND ts < ?",
            (self.after_rowid, last, self.cutoff_ms),
        ).rowcount
        self.after_rowid = last
        if rows < chunk:
            self.table += 1
        return count
