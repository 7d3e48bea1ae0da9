"""Traffic figures of one link, counted on its I/O thread and reported once a second.

The ISO connection counts every frame it sends and receives (a reply completes the oldest
request in flight: its round trip), the executor counts poll cycles and failed requests, and
:meth:`LinkStats.report` turns the counters into the figures of ``S7Client.diagnostics``. No
Qt here; a clock can be given for tests.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from typing import Any

# The round trip's mean covers this many seconds.
WINDOW_S = 60.0


class LinkStats:
    """Counters of one link's traffic (only its I/O thread writes them)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self.requests = 0
        self.bytes = 0  # sent and received
        self.failures = 0
        self.round_trip: float | None = None  # seconds, the last one
        self.cycle: float | None = None  # seconds, the last poll cycle
        self._in_flight: deque[float] = deque()  # send times of requests not answered yet
        self._round_trips: deque[tuple[float, float]] = deque()  # (when, seconds)
        self._reported = (clock(), 0, 0)  # (when, requests, bytes) at the last report

    def sent(self, size: int) -> None:
        """A request frame of ``size`` bytes went out."""
        self.requests += 1
        self.bytes += size
        self._in_flight.append(self._clock())

    def received(self, size: int) -> None:
        """A reply frame of ``size`` bytes came in: it answers the oldest request in flight."""
        self.bytes += size
        if self._in_flight:
            now = self._clock()
            self.round_trip = now - self._in_flight.popleft()
            self._round_trips.append((now, self.round_trip))

    def closed(self) -> None:
        """The link closed: what was in flight will not be answered."""
        self._in_flight.clear()

    def failed(self) -> None:
        """A request (or a whole read) failed."""
        self.failures += 1

    def cycled(self, seconds: float) -> None:
        """A poll cycle took ``seconds`` from its first request to its last value decoded."""
        self.cycle = seconds

    def report(self) -> dict[str, Any]:
        """The figures since the last report (rates per second) and over the last minute."""
        now = self._clock()
        then, requests, sent = self._reported
        elapsed = max(now - then, 1e-9)
        self._reported = (now, self.requests, self.bytes)
        while self._round_trips and self._round_trips[0][0] < now - WINDOW_S:
            self._round_trips.popleft()
        trips = [rtt for _, rtt in self._round_trips]
        return {
            "roundTrip": _ms(self.round_trip),
            "roundTripMean": _ms(sum(trips) / len(trips) if trips else None),
            "requestsPerSecond": (self.requests - requests) / elapsed,
            "bytesPerSecond": (self.bytes - sent) / elapsed,
            "cycleTime": _ms(self.cycle),
            "failedRequests": self.failures,
        }


def _ms(seconds: float | None) -> float:
    """Milliseconds, or -1 when there is nothing to say yet."""
    return -1.0 if seconds is None else seconds * 1000
