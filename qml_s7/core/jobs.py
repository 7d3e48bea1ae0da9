"""What crosses between a client's GUI thread and its I/O thread: jobs one way, results back.

Plain frozen data, no Qt: a job is built on the GUI thread, carried out on the I/O thread, and
its result goes back in a queued signal.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .address import Address
from .codec import ByteOrder
from .errors import Failure


class _Unchanged:
    """The bytes of this key are the same as at its last successful read."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "UNCHANGED"


UNCHANGED = _Unchanged()
"""A read result that stands for "the value is what it was": its bytes did not change."""


@dataclass(frozen=True, slots=True)
class ReadJob:
    """Read ``addresses`` once; ``keys`` name them in the answer (one per address).

    ``layout`` changes whenever a key may stand for another address: with ``keys`` it names
    the cached read plan, so finding the plan never hashes thousands of addresses.
    """

    job: int
    keys: tuple[int, ...]
    addresses: tuple[Address, ...]
    byte_order: ByteOrder = ByteOrder.BigEndian
    layout: int = 0


@dataclass(frozen=True, slots=True)
class ReadResult:
    """The answer to a ReadJob, or one part of it: the I/O thread hands over each reply's
    values as soon as they are decoded, and the job's last part is ``final``.

    ``keys`` are every key this part read, successfully or not (their read stamp moves);
    ``changes`` holds the decoded values of the keys whose bytes changed since their last good
    read, ``failures`` the keys that were not read and why. A key in neither was read and is
    unchanged: what crosses the thread boundary, and what the GUI thread works through, grows
    with the changes, not with the number of keys.
    """

    job: int
    keys: tuple[int, ...]
    changes: dict[int, Any]
    failures: dict[int, Failure]
    stamp: int  # ms since the epoch
    final: bool = True


@dataclass(frozen=True, slots=True)
class WriteJob:
    """Write ``payload`` (already encoded) to ``address``; single bits use the bit transport."""

    ticket: int
    key: int
    address: Address
    payload: bytes


@dataclass(frozen=True, slots=True)
class WriteResult:
    """The answer to a WriteJob: None when the PLC confirmed it, else what went wrong."""

    ticket: int
    key: int
    failure: Failure | None
