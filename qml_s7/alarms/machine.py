"""The state of one alarm per ISA-18.2, with on/off delays and shelving; no Qt, no sleeping.

The machine is told the condition (``observe``: true, false or None for unknown) and asked to
catch up with its clock (``advance``); ``next_due`` says when that is worth doing next, so a
QTimer (or a test's fake clock) drives the delays. Each call returns the events it caused.

States: ``Normal``; ``Unacknowledged`` (active, not acknowledged); ``Acknowledged`` (active,
acknowledged); ``ReturnedUnacknowledged`` (gone, not acknowledged yet); ``Shelved`` (suppressed
for a while; the condition is still followed, and the alarm is evaluated again afterwards).

An unknown condition (a source that is not good) changes no state and cancels a pending
delay: an active alarm stays active, a normal one does not come. The next known condition
is evaluated afresh, its delay counted from then.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from enum import Enum, IntEnum


class State(IntEnum):
    """S7Alarm.State."""

    Normal = 0
    Unacknowledged = 1
    Acknowledged = 2
    ReturnedUnacknowledged = 3
    Shelved = 4


class Event(Enum):
    """What a call to the machine set off (S7Alarm turns each into a signal)."""

    CAME = "came"
    WENT = "went"
    ACKNOWLEDGED = "acknowledged"
    SHELVED = "shelved"
    UNSHELVED = "unshelved"


_ACTIVE = frozenset({State.Unacknowledged, State.Acknowledged})
_UNACKNOWLEDGED = frozenset({State.Unacknowledged, State.ReturnedUnacknowledged})


def monotonic_ms() -> float:
    """Milliseconds of a clock that never jumps: what delays are counted on."""
    return time.monotonic() * 1000


def epoch_ms() -> int:
    """Milliseconds since the epoch: what the timestamps say."""
    return int(time.time() * 1000)


class AlarmMachine:
    """One alarm's state; ``clock`` counts the delays, ``stamp`` dates the transitions."""

    def __init__(
        self,
        clock: Callable[[], float] = monotonic_ms,
        stamp: Callable[[], int] = epoch_ms,
        on_delay: float = 0,
        off_delay: float = 0,
    ) -> None:
        self._clock = clock
        self._stamp = stamp
        self.on_delay = on_delay
        self.off_delay = off_delay
        self.state = State.Normal
        self.known = False  # the last condition observed was true or false, not None
        self.condition = False  # the last known condition (an alarm's deadband starts here)
        self.came_at = 0
        self.went_at = 0
        self.acknowledged_at = 0
        self._settled = False  # the condition after its delays: what the alarm follows
        self._since: float | None = None  # when the condition began to differ from _settled
        self._shelved_until: float | None = None
        self.shelved_until = 0  # the same as a timestamp, for display

    # -- what the alarm looks like ----------------------------------------------------------
    @property
    def active(self) -> bool:
        """Annunciated and active: Unacknowledged or Acknowledged."""
        return self.state in _ACTIVE

    @property
    def acknowledged(self) -> bool:
        """Nothing awaits an acknowledgement (also true while Normal or Shelved)."""
        return self.state not in _UNACKNOWLEDGED

    @property
    def shelved(self) -> bool:
        return self.state == State.Shelved

    def next_due(self) -> float | None:
        """The clock reading at which :meth:`advance` has something to do, or None."""
        due = []
        if self._since is not None:
            due.append(self._since + self._delay())
        if self._shelved_until is not None:
            due.append(self._shelved_until)
        return min(due) if due else None

    # -- inputs ----------------------------------------------------------------------------
    def observe(self, condition: bool | None) -> list[Event]:
        """The condition now: true, false, or None (unknown: the source is not good)."""
        if condition is None:
            self.known = False
            self._since = None
            return self.advance()
        if not self.known or condition != self.condition:
            self.known = True
            self.condition = condition
            self._since = None if condition == self._settled else self._clock()
        return self.advance()

    def advance(self) -> list[Event]:
        """Apply what became due: a delay that ran out, a shelving that ended."""
        now = self._clock()
        events: list[Event] = []
        if self._since is not None and now >= self._since + self._delay():
            late = now - (self._since + self._delay())
            self._since = None
            self._settled = self.condition
            if not self.shelved:
                events += self._follow(self._stamp() - int(late))
        if self._shelved_until is not None and now >= self._shelved_until:
            events += self.unshelve()
        return events

    def acknowledge(self) -> list[Event]:
        """The operator acknowledged: Unacknowledged -> Acknowledged, Returned -> Normal."""
        if self.state == State.Unacknowledged:
            self.state = State.Acknowledged
        elif self.state == State.ReturnedUnacknowledged:
            self.state = State.Normal
        else:
            return []
        self.acknowledged_at = self._stamp()
        return [Event.ACKNOWLEDGED]

    def shelve(self, ms: float) -> list[Event]:
        """Suppress the alarm for ``ms`` (again: from now); raises ValueError unless ms > 0."""
        if not ms > 0:
            raise ValueError(f"shelve needs a duration in ms above 0, not {ms!r}")
        self._shelved_until = self._clock() + ms
        self.shelved_until = self._stamp() + int(ms)
        if self.shelved:
            return []
        self.state = State.Shelved
        return [Event.SHELVED]

    def unshelve(self) -> list[Event]:
        """End the shelving now: the alarm comes if its condition holds, else it is Normal."""
        if not self.shelved:
            return []
        self._shelved_until = None
        self.shelved_until = 0
        self.state = State.Normal
        return [Event.UNSHELVED, *self._follow(self._stamp())]

    # -- transitions -----------------------------------------------------------------------
    def _delay(self) -> float:
        return max(self.on_delay if self.condition else self.off_delay, 0)

    def _follow(self, at: int) -> list[Event]:
        """Move the state after the settled condition (not while shelved)."""
        if self._settled and self.state in (State.Normal, State.ReturnedUnacknowledged):
            self.state = State.Unacknowledged
            self.came_at, self.went_at, self.acknowledged_at = at, 0, 0
            return [Event.CAME]
        if not self._settled and self.state in _ACTIVE:
            self.state = (
                State.Normal if self.state == State.Acknowledged else State.ReturnedUnacknowledged
            )
            self.went_at = at
            return [Event.WENT]
        return []
