"""What a logged variable writes: off, on change with a deadband, or cyclic; a longest gap.

A ``SampleFilter`` sits between one variable's reads and the store: it is offered every value
with its quality and time stamp and decides, by the rules below, whether it becomes a row.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum


class Mode(IntEnum):
    """S7Logging.mode."""

    Off = 0
    OnChange = 1
    Cyclic = 2


@dataclass(frozen=True)
class LogPolicy:
    """How one variable is logged. ``max_gap_ms`` 0: no longest gap."""

    mode: Mode = Mode.Off
    deadband: float = 0.0  # OnChange: a number must move by more than this (absolute)
    interval_ms: int = 1000  # Cyclic: a row at most this often
    max_gap_ms: int = 0  # either mode: a row at least this often while the value holds


Sink = Callable[[str, int, object, int], None]


def _number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class SampleFilter:
    """Decides which offered values of the variable ``tag`` become rows, and hands them on.

    Rules, in order: Mode.Off never logs; the first offer is a row; a quality different from
    the last row's is a row (an outage is never hidden); OnChange: a number (not a bool)
    when it differs from the last row's by more than ``deadband`` (strictly; 0: any change),
    anything else when it is not equal; Cyclic: when ``interval_ms`` have passed since the
    last row; either mode: when ``max_gap_ms`` > 0 have passed since the last row.
    """

    def __init__(self, tag: str, policy: LogPolicy, sink: Sink) -> None:
        self.tag = tag
        self.policy = policy  # may be replaced at any time; the next offer follows it
        self._sink = sink
        self._last: tuple[int, object, int] | None = None  # the last row: ts, value, quality

    def reset(self) -> None:
        """Forget the last row: the next offer is a row again."""
        self._last = None

    def offer(self, ts_ms: int, value: object, quality: int) -> bool:
        """Hand ``value`` to the sink if the policy makes it a row; True when it did."""
        if not self._due(ts_ms, value, quality):
            return False
        self._last = (ts_ms, value, quality)
        self._sink(self.tag, ts_ms, value, quality)
        return True

    def _due(self, ts: int, value: object, quality: int) -> bool:
        policy = self.policy
        if policy.mode == Mode.Off:
            return False
        if self._last is None:
            return True
        last_ts, last_value, last_quality = self._last
        if quality != last_quality:
            return True
        if policy.max_gap_ms > 0 and ts - last_ts >= policy.max_gap_ms:
            return True
        if policy.mode == Mode.Cyclic:
            return ts - last_ts >= policy.interval_ms
        return _changed(value, last_value, policy.deadband)


def _changed(value: object, last: object, deadband: float) -> bool:
    if _number(value) and _number(last):
        if isinstance(value, int) and isinstance(last, int):  # exact, also beyond 2**53
            return abs(value - last) > deadband
        a, b = float(value), float(last)  # type: ignore[arg-type]
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) != math.isnan(b)
        if math.isinf(a) or math.isinf(b):
            return a != b
        return abs(a - b) > deadband
    try:
        return bool(value != last)
    except Exception:  # an odd type whose comparison fails: call it a change
        return True
