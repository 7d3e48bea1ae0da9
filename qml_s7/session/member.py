"""A variable's place in a session, and what the session tells the variable back."""

from __future__ import annotations

from enum import Enum
from typing import Any, Protocol

from ..core.address import Address
from ..core.errors import Failure


class Hearing(Enum):
    """How much of the poll a variable hears (it tells its session with ``listen``).

    Failures reach every variable. Besides them, a variable that nobody listens to hears
    NOTHING and its session's table answers for its ``data`` and ``timestamp``; one whose
    ``dataChanged`` is heard hears its CHANGES; anything else (a value not yet good, an
    error, a write in flight, a heard ``timestamp``, history sampling) hears EVERY read.
    """

    NOTHING = 0
    CHANGES = 1
    EVERY = 2


class VariableSink(Protocol):
    """What a session reports to a variable (S7Variable implements it)."""

    def read_finished(self, value: Any, stamp: int) -> None:
        """A poll result: a value, UNCHANGED (the same bytes as last time) or a Failure."""
        ...

    def write_finished(self, ticket: int, failure: Failure | None, stamp: int) -> None:
        """The PLC confirmed (``failure`` None) or did not confirm the write ``ticket``."""
        ...

    def link_down(self) -> None:
        """The link went down: the variable's value is no longer current."""
        ...

    def link_up(self) -> None:
        """The link is up: a value will come with the next poll."""
        ...

    def cpu_state_changed(self) -> None:
        """The CPU went into STOP or back to RUN (``Session.cpu_stopped``)."""
        ...

    def remote_value(self, value: Any, quality: int, stamp: int) -> None:
        """A value read elsewhere (by a gateway), with the quality byte given it there."""
        ...


class Member:
    """One attached variable: its key in jobs and results, its address, its own intervals.

    Made by :meth:`Session.attach <qml_s7.session.session.Session.attach>`; the variable keeps
    it and hands it back to the session's methods. Only the session changes it.
    """

    __slots__ = ("address", "enabled", "intervals", "key", "sink", "tag")

    def __init__(self, key: int, sink: VariableSink) -> None:
        self.key = key
        self.sink = sink
        self.address: Address | None = None
        self.tag = ""  # the variable's name, else its address
        self.intervals: frozenset[int] = frozenset()  # asked for by the variable's Pollings
        self.enabled = True
