"""The link state machine: when to connect, retry and check a link, and where it stands.

No Qt, no sockets and no sleeping: time comes from an injectable clock, the I/O thread asks
:meth:`LinkMachine.due` what to do now and :meth:`LinkMachine.wait` how long it may sleep, and
reports back what happened (:meth:`opening`, :meth:`opened`, :meth:`failed`, :meth:`closed`,
:meth:`checked`). Tests drive it with a fake clock in microseconds.

Rules:
- A connection request opens at once. A failed attempt or a lost link is retried after
  ``reconnect_min_ms``, then after twice the previous wait, up to ``reconnect_max_ms``; a
  successful connection resets the wait. Nothing is retried without ``auto_reconnect`` or
  after a disconnect request.
- A connected link is due a check every ``keepalive_ms``: a cheap request that proves an idle
  link alive and reports the CPU's state, so it runs while polling too.
- A disconnect request during an attempt wins: the attempt's link is closed when it comes up.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum, IntEnum


class LinkState(IntEnum):
    """Where the link is. The I/O side, not the caller, declares Connected."""

    Unconnected = 0
    Connecting = 1
    Connected = 2


class Action(Enum):
    """What the I/O thread should do now."""

    OPEN = "open"  # make a connection attempt
    CHECK = "check"  # send a keep-alive request


@dataclass(frozen=True, slots=True)
class LinkParams:
    """Everything needed to open a link; the client face validates it before submitting."""

    host: str
    port: int = 102
    rack: int = 0
    slot: int = 0
    local_tsap: int = 0x0100
    remote_tsap: int = 0  # 0: derived from connection_type, rack and slot
    connection_type: int = 1  # PG
    connect_timeout_ms: int = 5000
    request_timeout_ms: int = 3000
    auto_reconnect: bool = True
    reconnect_min_ms: int = 250
    reconnect_max_ms: int = 5000
    keepalive_ms: int = 1000

    @property
    def derived_remote_tsap(self) -> int:
        """The remote TSAP used: explicit, or (type << 8) | (rack << 5) | slot as Snap7 does."""
        if self.remote_tsap:
            return self.remote_tsap
        return (self.connection_type << 8) | (self.rack << 5) | self.slot

    @property
    def where(self) -> str:
        """host:port and rack/slot, for error texts."""
        return f"{self.host}:{self.port} (rack {self.rack}, slot {self.slot})"


class LinkMachine:
    """The state of one link and the timing of its attempts and checks (see the module doc)."""

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        on_state: Callable[[LinkState], None] | None = None,
    ) -> None:
        self._clock = clock
        self._on_state = on_state
        self.state = LinkState.Unconnected
        self.params: LinkParams | None = None
        self.wanted = False  # a connection was asked for and not called off
        self._retry_at: float | None = None
        self._delay = 0.0  # seconds of the last wait before a retry
        self._last_check = 0.0

    # -- requests ---------------------------------------------------------------------------
    def connect(self, params: LinkParams) -> None:
        """Connect with ``params`` now (and keep reconnecting if they say so)."""
        self.params = params
        self.wanted = True
        self._delay = 0.0
        self._retry_at = self._clock() if self.state == LinkState.Unconnected else None

    def disconnect(self) -> None:
        """Stop wanting a link: no more attempts; a link that comes up is to be closed."""
        self.wanted = False
        self._retry_at = None

    def update(self, params: LinkParams) -> None:
        """Use ``params`` from the next attempt on."""
        self.params = params

    # -- what to do ---------------------------------------------------------------------------
    def due(self) -> Action | None:
        """What is due now, if anything."""
        wait = self.wait()
        if wait is None or wait > 0:
            return None
        return Action.OPEN if self.state == LinkState.Unconnected else Action.CHECK

    def wait(self) -> float | None:
        """Seconds until something is due (0: now); None: nothing will be, until a request."""
        now = self._clock()
        if self.state == LinkState.Unconnected:
            if self.wanted and self._retry_at is not None:
                return max(0.0, self._retry_at - now)
        elif self.state == LinkState.Connected and self.params is not None:
            return max(0.0, self._last_check + self.params.keepalive_ms / 1000 - now)
        return None

    # -- what happened ------------------------------------------------------------------------
    def opening(self) -> None:
        """An attempt starts."""
        self._retry_at = None
        self._set(LinkState.Connecting)

    def opened(self) -> bool:
        """The attempt succeeded. False: a disconnect was asked for meanwhile; close the link."""
        if not self.wanted:
            self._set(LinkState.Unconnected)
            return False
        self._delay = 0.0
        self.checked()  # the attempt's identification proved the link
        self._set(LinkState.Connected)
        return True

    def failed(self) -> None:
        """An attempt failed or the link broke: a retry is scheduled if one is wanted."""
        self._set(LinkState.Unconnected)
        params = self.params
        if self.wanted and params is not None and params.auto_reconnect:
            low, high = params.reconnect_min_ms / 1000, params.reconnect_max_ms / 1000
            self._delay = min(high, max(low, self._delay * 2))
            self._retry_at = self._clock() + self._delay
        else:
            self._retry_at = None

    def closed(self) -> None:
        """The link was closed on purpose (disconnect, shutdown): no retry."""
        self._retry_at = None
        self._set(LinkState.Unconnected)

    def checked(self) -> None:
        """A check was answered: the next one is due ``keepalive_ms`` from now."""
        self._last_check = self._clock()

    def _set(self, state: LinkState) -> None:
        if state != self.state:
            self.state = state
            if self._on_state is not None:
                self._on_state(state)
