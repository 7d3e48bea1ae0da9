"""The value table of one session: the latest value and read stamp per key, and who hears what.

A poll batch of thousands of values reaches the GUI thread as a :class:`ReadResult` that holds
only the changed values and the failures. :meth:`ValueTable.take` stores them with two dict
updates and returns the calls owed to the variables that listen: applying a batch costs work
for the heard reads only. A variable that nobody listens to reads its ``data`` and
``timestamp`` from here when asked (:meth:`ValueTable.latest`).

How much of the poll a key hears (:class:`~qml_s7.session.member.Hearing`) is the variable's
choice: every read, its changes only, or nothing but its failures.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..core.jobs import UNCHANGED, ReadResult
from .member import Hearing

Sink = Callable[[Any, int], None]
"""A variable's ``read_finished(value, stamp)``."""

Call = tuple[int, Sink, Any]
"""A call owed to a variable: its key, its sink and the value (a value, UNCHANGED or a Failure)."""


class ValueTable:
    """The latest values and stamps of a session's keys; the sinks that hear which reads."""

    __slots__ = ("_changes", "_every", "_on_change", "_sinks", "attached", "stamps", "values")

    def __init__(self) -> None:
        self.values: dict[int, Any] = {}  # the last value each key read (not its failures)
        self.stamps: dict[int, int] = {}  # when each key was last read successfully
        self._sinks: dict[int, Sink] = {}  # every key's read_finished: failures reach them all
        self._on_change: dict[int, Sink] = {}  # every key's sink for a change alone
        self.attached = self._sinks.keys()  # the keys taken in (a live view)
        self._every: dict[int, Sink] = {}  # keys that hear every read, UNCHANGED ones too
        self._changes: dict[int, Sink] = {}  # keys that hear their changes only

    def add(self, key: int, sink: Sink, on_change: Sink) -> None:
        """Take ``key`` in; it hears every read through ``sink`` until it says otherwise.
        ``on_change`` takes its changes while it hears only those (a shorter path)."""
        self._sinks[key] = self._every[key] = sink
        self._on_change[key] = on_change

    def remove(self, key: int) -> None:
        """Forget ``key`` and what it read."""
        tables = (self._sinks, self._on_change, self._every, self._changes)
        for table in (*tables, self.values, self.stamps):
            table.pop(key, None)

    def hear(self, key: int, hearing: Hearing, value: Any = UNCHANGED, stamp: int = 0) -> None:
        """``key`` hears ``hearing`` from now on. A key that stops hearing every read hands
        over ``value`` and ``stamp``, what it shows now: the table answers for it from here on.
        """
        sink = self._sinks.get(key)
        if sink is None:
            return
        self._every.pop(key, None)
        self._changes.pop(key, None)
        if hearing is Hearing.EVERY:
            self._every[key] = sink
            return
        if value is not UNCHANGED:
            self.values[key] = value
            self.stamps[key] = stamp
        if hearing is Hearing.CHANGES:
            self._changes[key] = self._on_change[key]

    def latest(self, key: int) -> tuple[Any, int]:
        """The last value ``key`` read and when (None, 0 before its first read)."""
        return self.values.get(key), self.stamps.get(key, 0)

    def take(self, result: ReadResult) -> list[Call]:
        """Store ``result``'s values and stamps; the calls owed to the sinks that hear them."""
        changes, failures, keys, stamp = result.changes, result.failures, result.keys, result.stamp
        values, stamps = self.values, self.stamps
        values.update(changes)
        if failures:  # a failed read does not move a stamp
            kept = {key: stamps[key] for key in failures if key in stamps}
            stamps.update(dict.fromkeys(keys, stamp))
            for key in failures:
                stamps.pop(key, None)
            stamps.update(kept)
        else:
            stamps.update(dict.fromkeys(keys, stamp))
        calls: list[Call] = []
        heard = self._changes
        if heard and changes:
            calls.extend((key, heard[key], changes[key]) for key in heard.keys() & changes.keys())
        every = self._every
        if every:
            for key in every.keys() & keys:
                value = changes.get(key, UNCHANGED)
                calls.append((key, every[key], failures.get(key, value) if failures else value))
        if failures:
            sinks = self._sinks
            calls.extend(
                (key, sinks[key], failure)
                for key, failure in failures.items()
                if key in sinks and key not in every
            )
        return calls
