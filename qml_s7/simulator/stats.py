"""What clients asked a simulator for: counters and a log of every write, for tests."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class WriteRecord:
    """One item of a Write Var request as the simulator received it."""

    area: str  # "DB", "I", "Q", "M" ("C", "T", or a hex code for other areas)
    db: int  # DB number, 0 for the other areas
    start: int  # byte offset
    bit: int | None  # bit number for bit transport, else None
    data: bytes  # the item's data as sent (one byte 0x00/0x01 for a bit)
    transport: str  # "bit", "byte", "char", "word", "int", "dword", "dint", "real", ...
    ok: bool  # True when the write landed


class Stats:
    """Thread-safe counters of what clients asked for, for tests.

    ``read_requests`` counts Read Var PDUs (refused ones too), ``read_item_counts`` lists the
    item count of each in arrival order, ``writes`` logs every Write Var item in order and
    ``write_requests`` counts Write Var PDUs.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition(threading.RLock())
        self._read_item_counts: list[int] = []
        self._writes: list[WriteRecord] = []
        self._write_requests = 0

    @property
    def read_requests(self) -> int:
        """Number of Read Var requests received."""
        with self._cond:
            return len(self._read_item_counts)

    @property
    def read_item_counts(self) -> list[int]:
        """Item count of each Read Var request, in order."""
        with self._cond:
            return list(self._read_item_counts)

    @property
    def read_items(self) -> int:
        """Total number of items over all Read Var requests."""
        with self._cond:
            return sum(self._read_item_counts)

    @property
    def write_requests(self) -> int:
        """Number of Write Var requests received."""
        with self._cond:
            return self._write_requests

    @property
    def writes(self) -> list[WriteRecord]:
        """Every Write Var item received, in order."""
        with self._cond:
            return list(self._writes)

    def reset(self) -> None:
        """Forget everything counted so far."""
        with self._cond:
            self._read_item_counts.clear()
            self._writes.clear()
            self._write_requests = 0
            self._cond.notify_all()

    def wait_for(self, predicate: Callable[[Stats], bool], timeout: float) -> bool:
        """Wait (bounded) until ``predicate(stats)`` holds; return whether it does."""
        with self._cond:
            return self._cond.wait_for(lambda: predicate(self), timeout)

    def record_read(self, item_count: int) -> None:
        """Count a Read Var request of ``item_count`` items (the server calls this)."""
        with self._cond:
            self._read_item_counts.append(item_count)
            self._cond.notify_all()

    def record_writes(self, records: Sequence[WriteRecord]) -> None:
        """Log the items of one Write Var request (the server calls this)."""
        with self._cond:
            self._write_requests += 1
            self._writes.extend(records)
            self._cond.notify_all()
