"""The gateway's ledger of write requests: each id is written once, however often it comes.

A panel may send a request again with the same id (it reconnected and never saw the answer;
QoS 1 may also deliver a message twice). The ledger makes that harmless:

- the first request of an id is ``NEW``: the gateway writes, then calls ``finish`` with the
  answer, which returns every reply topic that waits for it;
- a repeat while the write is in flight is ``PENDING``: its reply topic waits for the same
  answer, nothing is written;
- a repeat after the answer is ``DONE``: the same answer again, nothing is written;
- a repeat whose tag or value differs from the first (when the caller passes a fingerprint)
  is a ``CONFLICT``: an id names one write.

Answers are kept for the last ``capacity`` ids (10,000) and at most ``max_age`` seconds (an
hour) after they were given; a write in flight is never forgotten. No Qt; the methods may be
called from any thread.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from enum import Enum

from .messages import WriteRequest, WriteResponse, encode_value

__all__ = ["Admission", "Ticket", "WriteLedger", "fingerprint"]

CAPACITY = 10_000
MAX_AGE = 3600.0  # seconds


class Admission(Enum):
    """What to do with a request (``WriteLedger.admit``)."""

    NEW = "new"  # write it; then finish(id, answer)
    PENDING = "pending"  # in flight: its reply topic gets the answer from finish()
    DONE = "done"  # answered before: send ticket.response again
    CONFLICT = "conflict"  # the id was used for another write: answer bad_request


@dataclass(frozen=True, slots=True)
class Ticket:
    admission: Admission
    response: WriteResponse | None = None  # with DONE: the first answer


@dataclass(slots=True)
class _InFlight:
    fingerprint: Hashable
    replies: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Answered:
    fingerprint: Hashable
    response: WriteResponse
    at: float


class WriteLedger:
    """Which request ids are in flight and how the finished ones were answered."""

    def __init__(
        self,
        capacity: int = CAPACITY,
        max_age: float = MAX_AGE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if capacity < 1 or max_age <= 0:
            raise ValueError("the ledger keeps at least one answer for some time")
        self._capacity = capacity
        self._max_age = max_age
        self._clock = clock
        self._lock = threading.Lock()
        self._in_flight: dict[str, _InFlight] = {}
        self._answered: OrderedDict[str, _Answered] = OrderedDict()  # oldest answer first

    def admit(self, request_id: str, reply: str, fingerprint: Hashable = None) -> Ticket:
        """Take the request ``request_id`` answered on ``reply``. ``fingerprint``: what the
        request asks (``(tag, value)``, say); None compares nothing."""
        with self._lock:
            self._prune()
            flying = self._in_flight.get(request_id)
            if flying is not None:
                if not _same(flying.fingerprint, fingerprint):
                    return Ticket(Admission.CONFLICT)
                if reply not in flying.replies:
                    flying.replies.append(reply)
                return Ticket(Admission.PENDING)
            answered = self._answered.get(request_id)
            if answered is not None:
                if not _same(answered.fingerprint, fingerprint):
                    return Ticket(Admission.CONFLICT)
                return Ticket(Admission.DONE, answered.response)
            self._in_flight[request_id] = _InFlight(fingerprint, [reply])
            return Ticket(Admission.NEW)

    def finish(self, request_id: str, response: WriteResponse) -> list[str]:
        """Record the answer of a write admitted ``NEW``; the reply topics to send it to (the
        first request's and those of repeats that came meanwhile, each once). An id not in
        flight gets [] (answered already: the first answer stands)."""
        with self._lock:
            flying = self._in_flight.pop(request_id, None)
            if flying is None:
                return []
            self._answered[request_id] = _Answered(flying.fingerprint, response, self._clock())
            self._prune()
            return list(flying.replies)

    def in_flight(self, request_id: str) -> bool:
        with self._lock:
            return request_id in self._in_flight

    def answer(self, request_id: str) -> WriteResponse | None:
        """The answer given to ``request_id`` while it is remembered."""
        with self._lock:
            self._prune()
            answered = self._answered.get(request_id)
            return answered.response if answered is not None else None

    def __len__(self) -> int:
        """Ids remembered: in flight and answered."""
        with self._lock:
            self._prune()
            return len(self._in_flight) + len(self._answered)

    def _prune(self) -> None:
        oldest = self._clock() - self._max_age
        answered = self._answered
        while answered and (
            len(answered) > self._capacity or next(iter(answered.values())).at < oldest
        ):
            answered.popitem(last=False)


def fingerprint(request: WriteRequest) -> Hashable:
    """What a request asks, comparable across repeats: its tag and its value as it travels
    (a NaN equals a NaN here; 1 and 1.0 differ, as they did in the request)."""
    return request.tag, repr(encode_value(request.value))


def _same(first: Hashable, again: Hashable) -> bool:
    # None on either side: the caller did not say what the request asks
    return first is None or again is None or first == again
