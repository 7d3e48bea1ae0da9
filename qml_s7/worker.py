"""The I/O worker of one S7Client: a thread that owns the python-snap7 client.

Everything that touches the network happens here. The GUI thread only submits jobs
(:meth:`Worker.submit`) and hears back through queued signals. The worker alone decides when
the link is up, reconnects after a loss with a bounded back-off, keeps an idle link checked,
and never re-sends a request: python-snap7's own reconnect and heartbeat stay off (they re-send
writes and put a malformed frame on the wire, see SPEC).
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

import snap7
from PySide6.QtCore import QThread, Signal
from snap7.connection import ISOTCPConnection
from snap7.error import S7ConnectionError, S7ProtocolError, S7TimeoutError

from .errors import ClientError, Failure, classify

log = logging.getLogger(__name__)

# SZL 0x0424: the CPU's current mode. A cheap, standard request that proves the link alive.
SZL_CPU_STATE = 0x0424


class LinkState(IntEnum):
    """Where the link is. The worker, not the caller, declares Connected."""

    Unconnected = 0
    Connecting = 1
    Connected = 2


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


@dataclass(slots=True)
class _Control:
    kind: str  # "connect", "disconnect", "stop"
    params: LinkParams | None = None


@dataclass(slots=True)
class _Queues:
    control: deque[_Control] = field(default_factory=deque)
    jobs: deque[Any] = field(default_factory=deque)


class Worker(QThread):
    """The thread of one S7Client. Signals reach the client's (GUI) thread queued."""

    stateChanged = Signal(int)  # LinkState
    failed = Signal(object)  # Failure
    identified = Signal(object)  # dict: moduleName, moduleTypeName, serialNumber, pduLength

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("qml-s7 worker")
        self._lock = threading.Condition()
        self._queues = _Queues()
        self._stopping = False
        self._client: snap7.Client | None = None
        self._connection: ISOTCPConnection | None = None
        self._params: LinkParams | None = None
        self._want_link = False
        self._state = LinkState.Unconnected
        self._retry_at: float | None = None
        self._retry_delay = 0.0
        self._last_traffic = 0.0

    # -- GUI-thread API ------------------------------------------------------------------
    def connect_link(self, params: LinkParams) -> None:
        """Open the link with ``params`` (reconnecting after losses if they say so)."""
        self._post(_Control("connect", params))

    def disconnect_link(self) -> None:
        """Close the link and stop reconnecting."""
        self._post(_Control("disconnect"))

    def update_params(self, params: LinkParams) -> None:
        """Use ``params`` from the next connection attempt on."""
        self._post(_Control("params", params))

    def shutdown(self, wait_ms: int = 10000) -> bool:
        """Stop the thread, interrupting any blocking I/O; True once it has finished."""
        with self._lock:
            self._stopping = True
            self._queues.control.append(_Control("stop"))
            self._lock.notify()
        self._interrupt_io()
        return self.wait(wait_ms) if self.isRunning() else True

    def _post(self, control: _Control) -> None:
        with self._lock:
            self._queues.control.append(control)
            self._lock.notify()

    def _interrupt_io(self) -> None:
        """Break a blocking recv/connect of the worker from another thread."""
        connection = self._connection
        sock = connection.socket if connection is not None else None
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    # -- the thread ----------------------------------------------------------------------
    def run(self) -> None:
        try:
            while True:
                control = self._next_control()
                if control is not None:
                    if control.kind == "stop":
                        break
                    self._handle(control)
                    continue
                self._housekeeping()
        finally:
            self._close_link()

    def _next_control(self) -> _Control | None:
        """The next control job, or None when it is time for reconnect or keep-alive work."""
        with self._lock:
            while not self._queues.control:
                timeout = self._idle_timeout()
                if timeout is not None and timeout <= 0:
                    return None
                self._lock.wait(timeout)
            return self._queues.control.popleft()

    def _idle_timeout(self) -> float | None:
        now = time.monotonic()
        if self._state == LinkState.Unconnected and self._retry_at is not None:
            return self._retry_at - now
        if self._state == LinkState.Connected and self._params is not None:
            return self._last_traffic + self._params.keepalive_ms / 1000 - now
        return None

    def _handle(self, control: _Control) -> None:
        if control.kind == "params":
            self._params = control.params
        elif control.kind == "connect":
            self._params = control.params
            self._want_link = True
            self._retry_at = None
            self._retry_delay = 0.0
            if self._state != LinkState.Connected:
                self._open_link()
        elif control.kind == "disconnect":
            self._want_link = False
            self._retry_at = None
            self._close_link()

    def _housekeeping(self) -> None:
        if self._state == LinkState.Connected:
            self._keepalive()
        elif self._want_link and self._retry_at is not None:
            self._retry_at = None
            self._open_link()

    # -- link ----------------------------------------------------------------------------
    def _set_state(self, state: LinkState) -> None:
        if state != self._state:
            self._state = state
            self.stateChanged.emit(int(state))

    def _open_link(self) -> None:
        params = self._params
        if params is None or self._stopping:
            return
        self._set_state(LinkState.Connecting)
        client = snap7.Client()  # its auto_reconnect and heartbeat stay off
        client.local_tsap = params.local_tsap
        client.remote_tsap = params.derived_remote_tsap
        connection = ISOTCPConnection(
            params.host,
            params.port,
            local_tsap=params.local_tsap,
            remote_tsap=params.derived_remote_tsap,
        )
        self._connection = connection
        try:
            # python-snap7's connect() hard-codes a 5 s timeout; open the ISO link ourselves
            # with the user's timeout and let the client negotiate the PDU on it.
            connection.connect(timeout=params.connect_timeout_ms / 1000)
            if self._stopping:
                raise S7ConnectionError("client is being destroyed")
            client.connection = connection
            client._setup_communication()
            client.connected = True
            identity = self._identify(client, params)
        except Exception as exc:  # every failure becomes an error, never a dead thread
            connection.disconnect()
            self._connection = None
            self._link_failed(exc, f"Connecting to {params.where} failed", params)
            return
        self._set_request_timeout(connection, params.request_timeout_ms)
        self._client = client
        self._retry_delay = 0.0
        self._last_traffic = time.monotonic()
        self.identified.emit(identity)
        self._set_state(LinkState.Connected)

    @staticmethod
    def _set_request_timeout(connection: ISOTCPConnection, timeout_ms: int) -> None:
        connection.timeout = timeout_ms / 1000
        if connection.socket is not None:
            connection.socket.settimeout(timeout_ms / 1000)

    def _identify(self, client: snap7.Client, params: LinkParams) -> dict[str, Any]:
        """The CPU's identity; a CPU that refuses SZL 0x001C leaves the names empty."""
        identity = {"pduLength": client.get_pdu_length()}
        try:
            info = client.get_cpu_info()
        except S7ProtocolError as exc:
            self.failed.emit(
                Failure(
                    ClientError.FunctionRefused,
                    f"CPU at {params.where} refused its identification (SZL 0x001C): {exc}",
                )
            )
            return identity
        identity.update(
            moduleName=_text(info.ModuleName),
            moduleTypeName=_text(info.ModuleTypeName),
            serialNumber=_text(info.SerialNumber),
        )
        return identity

    def _keepalive(self) -> None:
        client, params = self._client, self._params
        if client is None or params is None:
            return
        try:
            client.read_szl(SZL_CPU_STATE, 0)
        except S7ProtocolError:
            pass  # a well-formed refusal still proves the link alive
        except Exception as exc:
            self._link_lost(exc, f"Link check with {params.where} failed")
            return
        self._last_traffic = time.monotonic()

    def _link_lost(self, exc: BaseException, what: str) -> None:
        """The link broke: close it, report, and schedule a reconnect if wanted."""
        self._close_link()
        self._link_failed(exc, what, self._params)

    def _link_failed(self, exc: BaseException, what: str, params: LinkParams | None) -> None:
        if self._stopping:
            self._set_state(LinkState.Unconnected)
            return
        code = _link_error(exc)
        self.failed.emit(Failure(code, f"{what}: {_describe(exc, params)}"))
        self._set_state(LinkState.Unconnected)
        if self._want_link and params is not None and params.auto_reconnect:
            low, high = params.reconnect_min_ms / 1000, params.reconnect_max_ms / 1000
            self._retry_delay = min(high, max(low, self._retry_delay * 2))
            self._retry_at = time.monotonic() + self._retry_delay

    def _close_link(self) -> None:
        client, self._client = self._client, None
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.disconnect()
        if client is not None:
            client.connection = None
            client.connected = False
        self._set_state(LinkState.Unconnected)


def _link_error(exc: BaseException) -> ClientError:
    """Connection-level failures: a refused or unreachable peer is a ConnectError."""
    if isinstance(exc, S7ConnectionError) and "tcp connection failed" in str(exc).lower():
        return ClientError.ConnectError
    return classify(exc)


def _describe(exc: BaseException, params: LinkParams | None) -> str:
    if isinstance(exc, S7TimeoutError | TimeoutError) and params is not None:
        return f"no answer within {params.connect_timeout_ms} ms ({exc})"
    return str(exc) or type(exc).__name__


def _text(value: bytes | str) -> str:
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    return value.split("\x00", 1)[0].strip()
