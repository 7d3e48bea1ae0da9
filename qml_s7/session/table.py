"""The value table of one session: the latest value and read stamp per key, and who hears what.

A poll batch of thousands of values reaches the GUI thread as a :class:`ReadResult` that holds
only the changed values and the failures. :meth:`ValueTable.take` stores them with two dict
updates and returns what is owed to the variables that listen: applying a batch costs work
for the heard reads only. A variable that does not hear every read shows the ``data`` and
``timestamp`` kept here (the functions :meth:`ValueTable.hear` returns); one whose
``dataChanged`` is heard has it emitted for each change, with no Python of its own between.

How much of the poll a key hears (:class:`~qml_s7.session.member.Hearing`) is the variable's
choice: every read, its changes only, or nothing but its failures.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from ..core.jobs import UNCHANGED, ReadResult
from .member import Hearing

Sink = Callable[[Any, int], None]
"""A variable's ``read_finished(value, stamp)``."""

Call = tuple[int, Sink, Any]
"""A call owed to a variable: its key, its sink and the value (a value, UNCHANGED or a Failure)."""

Notice = tuple[int, Callable[[], None]]
"""A change owed to a variable that hears its changes: its key and its ``dataChanged.emit``."""

Sources = tuple[Callable[[], Any], Callable[[], int]]
"""Where a variable that does not hear every read finds its value and its read stamp."""


class ValueTable:
    """The latest values and stamps of a session's keys; the sinks that hear which reads."""

    __slots__ = (
        "_changes",
        "_every",
        "_sinks",
        "_sources",
        "attached",
        "hearing_changes",
        "stamps",
        "values",
    )

    def __init__(self) -> None:
        self.values: dict[int, Any] = {}  # the last value each key read (not its failures)
        self.stamps: dict[int, int] = {}  # when each key was last read successfully
        self._sinks: dict[int, Sink] = {}  # every key's read_finished: failures reach them all
        self.attached = self._sinks.keys()  # the keys taken in (a live view)
        self._every: dict[int, Sink] = {}  # keys that hear every read, UNCHANGED ones too
        self._changes: dict[int, Callable[[], None]] = {}  # keys that hear their changes only
        self.hearing_changes = self._changes.keys()  # a live view
        # made once per key: a variable settles and wakes often (each link loss) and should
        # leave no garbage behind for the collector
        self._sources: dict[int, Sources] = {}

    def add(self, key: int, sink: Sink) -> None:
        """Take ``key`` in; it hears every read through ``sink`` until it says otherwise."""
        self._sinks[key] = self._every[key] = sink
        self._sources[key] = (partial(self.values.get, key), partial(self.stamps.get, key, 0))

    def remove(self, key: int) -> None:
        """Forget ``key`` and what it read."""
        tables = (self._sinks, self._every, self._changes, self._sources)
        for table in (*tables, self.values, self.stamps):
            table.pop(key, None)

    def hear(
        self,
        key: int,
        hearing: Hearing,
        value: Any = None,
        stamp: int = 0,
        notify: Callable[[], None] | None = None,
    ) -> Sources | None:
        """``key`` hears ``hearing`` from now on: ``notify`` tells it of a change (CHANGES);
        ``value`` and ``stamp`` are what it shows now. Returns where its value and stamp are
        found from then on (None while it hears every read)."""
        if key not in self._sinks:
            return None
        self._every.pop(key, None)
        self._changes.pop(key, None)
        if hearing is Hearing.EVERY:
            self._every[key] = self._sinks[key]
            return None
        self.values[key] = value
        self.stamps[key] = stamp
        if hearing is Hearing.CHANGES:
            assert notify is not None, "a key that hears its changes needs notify"
            self._changes[key] = notify
        return self._sources[key]

    def take(self, result: ReadResult) -> tuple[list[Call], list[Notice]]:
        """Store ``result``'s values and stamps; the calls and change notices owed."""
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
        notices: list[Notice] = []
        heard = self._changes
        if heard and changes:
            keys_heard = heard.keys() & changes.keys()
            if failures:
                keys_heard -= failures.keys()
            notices = [(key, heard[key]) for key in keys_heard]
        calls: list[Call] = []
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
        return calls, notices
