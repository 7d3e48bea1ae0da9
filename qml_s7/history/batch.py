"""What the store writes in one transaction, and the rows that wait for it.

Producers hand over raw tuples; the store's thread turns them into rows here (values through
``to_column``) and keeps them in a ``Backlog`` until a transaction takes them. A write attempt
arrives as two operations (its beginning, then its outcome) that may fall into one batch or
into two; ``plan_writes`` turns them into inserts and updates with the row ids the file will
hold, and the store applies the plan's ids only once its transaction committed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .schema import to_column

log = logging.getLogger("qml_s7.history")

# write operations, as the store queues them
BEGIN, END, LOG = "begin", "end", "log"


def sample_rows(raw: list[tuple[Any, Any, Any, Any]]) -> list[tuple[str, int, Any, int]]:
    """(tag, ts, value, quality) rows as SQLite takes them; a row that cannot be is dropped."""
    try:
        return [(str(t), int(ts), to_column(v), int(q)) for t, ts, v, q in raw]
    except (TypeError, ValueError, OverflowError):
        return [row for row in map(_sample_row, raw) if row is not None]


def _sample_row(row: tuple[Any, Any, Any, Any]) -> tuple[str, int, Any, int] | None:
    tag, ts, value, quality = row
    try:
        return str(tag), int(ts), to_column(value), int(quality)
    except (TypeError, ValueError, OverflowError) as error:
        log.warning("history: a sample of %r not logged (%s)", tag, error)
        return None


def alarm_rows(raw: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """(alarm, ts, event, value, user, text, priority, group) rows as SQLite takes them."""
    rows = []
    for alarm, ts, event, value, user, text, priority, group in raw:
        try:
            rows.append(
                (
                    str(alarm),
                    int(ts),
                    str(event),
                    to_column(value),
                    str(user or ""),
                    str(text or ""),
                    int(priority or 0),
                    str(group or ""),
                )
            )
        except (TypeError, ValueError, OverflowError) as error:
            log.warning("history: an event of the alarm %r not logged (%s)", alarm, error)
    return rows


@dataclass
class Backlog:
    """Rows waiting for a transaction, bounded: beyond ``limit`` the oldest samples go first,
    then the oldest audit rows (alarm events and writes)."""

    limit: int
    samples: list[tuple[Any, ...]] = field(default_factory=list)
    alarms: list[tuple[Any, ...]] = field(default_factory=list)
    writes: list[tuple[Any, ...]] = field(default_factory=list)  # operations, in order

    def __len__(self) -> int:
        return len(self.samples) + len(self.alarms) + len(self.writes)

    def add(self, samples: list, alarms: list, writes: list) -> int:
        """Take new rows; return how many old ones were dropped to stay within the limit."""
        self.samples.extend(sample_rows(samples))
        self.alarms.extend(alarm_rows(alarms))
        self.writes.extend(writes)
        excess = len(self) - self.limit
        if excess <= 0:
            return 0
        dropped = 0
        for rows in (self.samples, self.alarms, self.writes):
            cut = min(excess - dropped, len(rows))
            del rows[:cut]
            dropped += cut
        return dropped


@dataclass
class WritePlan:
    """The inserts and updates of ``writes`` for one transaction."""

    inserts: list[list[Any]]
    updates: list[tuple[Any, Any, int]]
    next_id: int
    opened: dict[int, int]  # key -> id of attempts begun and not finished in this batch
    finished: list[int]  # keys of attempts of earlier batches finished in this one


def plan_writes(
    ops: Iterable[tuple[Any, ...]], next_id: int, open_ids: dict[int, int]
) -> WritePlan:
    """Inserts and updates for ``ops``; ``open_ids`` (key -> id) are earlier batches' attempts
    still in flight. Neither argument is changed: the store applies the plan after COMMIT."""
    inserts: list[list[Any]] = []
    at: dict[int, int] = {}  # key -> index in inserts
    updates: list[tuple[Any, Any, int]] = []
    finished: list[int] = []
    for op in ops:
        kind = op[0]
        if kind == END:
            _, key, outcome, detail = op
            if key in at:  # begun in this batch: the row goes in with its outcome
                row = inserts[at.pop(key)]
                row[5], row[8] = str(outcome), str(detail or "")
            elif key in open_ids and key not in finished:
                updates.append((str(outcome), str(detail or ""), open_ids[key]))
                finished.append(key)
            continue  # an unknown key: its beginning was dropped or in a file moved aside
        try:
            if kind == BEGIN:
                _, key, ts, tag, old, new, user, client = op
                outcome, detail = None, ""
            else:
                _, ts, tag, old, new, outcome, user, client, detail = op
                key, outcome = None, str(outcome)
            row = [
                next_id,
                int(ts),
                str(tag),
                to_column(old),
                to_column(new),
                outcome,
                str(user or ""),
                str(client or ""),
                str(detail or ""),
            ]
        except (TypeError, ValueError, OverflowError) as error:
            log.warning(
                "history: a write of %r not logged (%s)", op[3 if kind == BEGIN else 2], error
            )
            continue
        if key is not None:
            at[key] = len(inserts)
        inserts.append(row)
        next_id += 1
    opened = {key: inserts[index][0] for key, index in at.items()}
    return WritePlan(inserts, updates, next_id, opened, finished)
