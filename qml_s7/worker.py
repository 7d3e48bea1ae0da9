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
import math
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

import snap7
from PySide6.QtCore import QThread, Signal
from snap7.connection import ISOTCPConnection
from snap7.error import S7ConnectionError, S7ProtocolError, S7TimeoutError
from snap7.s7protocol import S7Function
from snap7.type import WordLen

from .address import Address
from .codec import ByteOrder, CodecError, decoder
from .errors import ClientError, Failure, classify, item_error
from .readplan import ItemError, ReadPlan, ReadSpec

log = logging.getLogger(__name__)


class _Connection(ISOTCPConnection):
    """python-snap7's ISO-on-TCP link, with a timeout that bounds a whole answer.

    Upstream applies ``timeout`` to each ``recv()``: a peer that trickles one byte now and then
    keeps a request waiting for ever (found by tests/test_faults.py, "trickle"). Here every
    request gets a deadline when it is sent, ``timeout`` after; every ``recv()`` of its answer
    waits only until then. While connecting, one deadline covers the whole attempt (TCP, ISO,
    PDU negotiation, identification) until :meth:`attempt_done`. :meth:`abort` (any thread)
    ends a blocking exchange, also one whose socket does not exist yet.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._deadline = math.inf
        self._attempt_deadline = math.inf
        self._aborted = False

    def connect(self, timeout: float = 5.0) -> None:
        self._attempt_deadline = self._deadline = time.monotonic() + timeout
        super().connect(timeout)

    def attempt_done(self, request_timeout: float) -> None:
        """The link is up: from now on each request has ``request_timeout`` for its answer."""
        self._attempt_deadline = math.inf
        self.timeout = request_timeout

    def abort(self) -> None:
        self._aborted = True
        sock = self.socket
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def send_data(self, data: bytes) -> None:
        self._deadline = min(time.monotonic() + self.timeout, self._attempt_deadline)
        if self.socket is not None:
            self.socket.settimeout(self.timeout)
        super().send_data(data)

    def _recv_exact(self, size: int) -> bytes:
        data = bytearray()
        while len(data) < size:
            left = self._deadline - time.monotonic()
            if self._aborted or self.socket is None:
                self.connected = False
                raise S7ConnectionError("Receive aborted, the link is closing")
            if left <= 0:
                self.connected = False
                raise S7TimeoutError("Receive timeout")
            try:
                self.socket.settimeout(left)
                chunk = self.socket.recv(size - len(data))
            except TimeoutError:  # socket.timeout
                self.connected = False
                raise S7TimeoutError("Receive timeout") from None
            except OSError as e:
                self.connected = False
                raise S7ConnectionError(f"Receive error: {e}") from None
            if not chunk:
                self.connected = False
                raise S7ConnectionError("Connection closed by peer")
            data += chunk
        return bytes(data)


# SZL 0x0424: the CPU's current mode. A cheap, standard request that proves the link alive.
SZL_CPU_STATE = 0x0424
# Read plans kept per connection, keyed by their ranges (one per distinct poll group).
_PLAN_CACHE_SIZE = 32


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
class _Prepared:
    """A cached read plan and, per address, the decoder for the job's byte order."""

    plan: ReadPlan
    decoders: tuple[Callable[[bytes], Any], ...]


class _Decoding:
    """The values of one read, decoded as the plan hands over final results.

    Bytes equal to a key's last good read (in ``last``) become UNCHANGED without decoding;
    a refused item or undecodable bytes become a Failure and are forgotten.
    """

    __slots__ = ("decoders", "job", "last", "values")

    def __init__(
        self, job: ReadJob, decoders: tuple[Callable[[bytes], Any], ...], last: dict[int, bytes]
    ) -> None:
        self.job = job
        self.decoders = decoders
        self.last = last
        self.values: list[Any] = [_PENDING] * len(job.keys)

    def ready(self, results: list, indices: Sequence[int]) -> None:
        """Decode ``results`` at ``indices`` (a ReadPlan's ``ready`` callback)."""
        keys, decoders, values, last = self.job.keys, self.decoders, self.values, self.last
        for i in indices:
            key, data = keys[i], results[i]
            if last.get(key) == data:  # never equal for an ItemError
                values[i] = UNCHANGED
                continue
            if isinstance(data, ItemError):
                last.pop(key, None)
                address = self.job.addresses[i]
                values[i] = Failure(
                    item_error(data.code), f"Reading {address} failed: {data.message}"
                )
                continue
            try:
                value = decoders[i](data)
            except CodecError as exc:
                last.pop(key, None)
                values[i] = Failure(ClientError.InvalidDataSizeRecvd, str(exc))
                continue
            last[key] = data
            values[i] = value

    def finish(self, raw: list[bytes | ItemError]) -> list[Any]:
        """Decode what the plan did not hand over early; the values in key order."""
        rest = [i for i, value in enumerate(self.values) if value is _PENDING]
        if rest:
            self.ready(raw, rest)
        return self.values


_PENDING = object()


class _Unchanged:
    """The bytes of this key are the same as at its last successful read."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "UNCHANGED"


UNCHANGED = _Unchanged()


@dataclass(frozen=True, slots=True)
class ReadResult:
    """The answer to a ReadJob: per key (same order) a value, UNCHANGED or a Failure."""

    job: int
    keys: tuple[int, ...]
    values: list[Any]
    stamp: int  # ms since the epoch


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


@dataclass(slots=True)
class _Queues:
    control: deque[_Control] = field(default_factory=deque)
    writes: deque[WriteJob] = field(default_factory=deque)
    reads: deque[ReadJob] = field(default_factory=deque)

    def __bool__(self) -> bool:
        return bool(self.control or self.writes or self.reads)


class Worker(QThread):
    """The thread of one S7Client. Signals reach the client's (GUI) thread queued."""

    stateChanged = Signal(int)  # LinkState
    failed = Signal(object)  # Failure
    identified = Signal(object)  # dict: moduleName, ..., pduLength, parallelJobs
    readDone = Signal(object)  # ReadResult
    writeDone = Signal(object)  # WriteResult

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("qml-s7 worker")
        self._lock = threading.Condition()
        self._queues = _Queues()
        self._stopping = False
        self._client: snap7.Client | None = None
        self._connection: _Connection | None = None
        self._params: LinkParams | None = None
        self._want_link = False
        self._state = LinkState.Unconnected
        self._retry_at: float | None = None
        self._retry_delay = 0.0
        self._last_traffic = 0.0
        self._plans: dict[tuple[int, ByteOrder, tuple[int, ...]], _Prepared] = {}
        self._jobs_in_flight = 1  # the parallel jobs (AmQ) the PLC granted
        # Per key, the bytes of its last good read: equal bytes are not decoded again nor sent
        # to the GUI thread as a new value. Valid for one (layout, byte order): a key may stand
        # for another address in another layout.
        self._last: dict[int, bytes] = {}
        self._last_context = (0, ByteOrder.BigEndian)

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

    def read(self, job: ReadJob) -> None:
        """Queue a read; it goes out after every write queued before it."""
        with self._lock:
            self._queues.reads.append(job)
            self._lock.notify()

    def write(self, job: WriteJob) -> None:
        """Queue a write: sent once, in order, before pending reads."""
        with self._lock:
            self._queues.writes.append(job)
            self._lock.notify()

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
        if connection is not None:
            connection.abort()

    # -- the thread ----------------------------------------------------------------------
    def run(self) -> None:
        try:
            while True:
                job = self._next_job()
                if isinstance(job, _Control):
                    if job.kind == "stop":
                        break
                    self._handle(job)
                elif isinstance(job, WriteJob):
                    self._write(job)
                elif isinstance(job, ReadJob):
                    self._read(job)
                else:
                    self._housekeeping()
        finally:
            self._close_link()
            self._fail_pending(Failure(ClientError.Destroying, "The client is being destroyed"))

    def _next_job(self) -> _Control | WriteJob | ReadJob | None:
        """Control first, then writes, then reads; None when reconnect or keep-alive is due."""
        with self._lock:
            queues = self._queues
            while not queues:
                timeout = self._idle_timeout()
                if timeout is not None and timeout <= 0:
                    return None
                self._lock.wait(timeout)
            for queue in (queues.control, queues.writes, queues.reads):
                if queue:
                    return queue.popleft()
        return None

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
            self._fail_pending(Failure(ClientError.DisconnectError, "Disconnected on request"))

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
        connection = _Connection(
            params.host,
            params.port,
            local_tsap=params.local_tsap,
            remote_tsap=params.derived_remote_tsap,
        )
        self._connection = connection
        if self._stopping:  # shutdown() ran before it could see this connection
            connection.abort()
        try:
            # python-snap7's connect() hard-codes a 5 s timeout; open the ISO link ourselves
            # with the user's timeout and negotiate the PDU on it.
            connection.connect(timeout=params.connect_timeout_ms / 1000)
            if self._stopping:
                raise S7ConnectionError("client is being destroyed")
            client.connection = connection
            jobs = _negotiate_pdu(client)
            client.connected = True
            identity = self._identify(client, params)
            identity["parallelJobs"] = jobs
        except Exception as exc:  # every failure becomes an error, never a dead thread
            connection.disconnect()
            self._connection = None
            what = f"Connecting to {params.where} failed"
            self._link_failed(exc, what, params, params.connect_timeout_ms)
            return
        connection.attempt_done(params.request_timeout_ms / 1000)
        self._client = client
        self._jobs_in_flight = jobs
        self._retry_delay = 0.0
        self._last_traffic = time.monotonic()
        self.identified.emit(identity)
        self._set_state(LinkState.Connected)

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

    def _link_lost(self, exc: BaseException, what: str) -> Failure:
        """The link broke: close it, report, fail what waits, and schedule a reconnect."""
        self._close_link()
        params = self._params
        timeout = params.request_timeout_ms if params is not None else 0
        failure = self._link_failed(exc, what, params, timeout)
        self._fail_pending(Failure(failure.code, f"Not sent, the link was lost: {failure.text}"))
        return failure

    def _link_failed(
        self, exc: BaseException, what: str, params: LinkParams | None, timeout_ms: int
    ) -> Failure:
        failure = Failure(_link_error(exc), f"{what}: {_describe(exc, timeout_ms)}")
        if self._stopping:
            self._set_state(LinkState.Unconnected)
            return failure
        self._set_state(LinkState.Unconnected)  # first, so errorOccurred sees the real state
        self.failed.emit(failure)
        if self._want_link and params is not None and params.auto_reconnect:
            low, high = params.reconnect_min_ms / 1000, params.reconnect_max_ms / 1000
            self._retry_delay = min(high, max(low, self._retry_delay * 2))
            self._retry_at = time.monotonic() + self._retry_delay
        return failure

    def _close_link(self) -> None:
        client, self._client = self._client, None
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.disconnect()
        if client is not None:
            client.connection = None
            client.connected = False
        self._plans.clear()
        self._last.clear()
        self._set_state(LinkState.Unconnected)

    def _fail_pending(self, failure: Failure) -> None:
        """Finish every queued read and write with ``failure``: nothing is left hanging."""
        with self._lock:
            writes, self._queues.writes = self._queues.writes, deque()
            reads, self._queues.reads = self._queues.reads, deque()
        for write in writes:
            self.writeDone.emit(WriteResult(write.ticket, write.key, failure))
        for read in reads:
            self._fail_read(read, failure)

    def _fail_read(self, job: ReadJob, failure: Failure) -> None:
        last = self._last
        for key in job.keys:
            last.pop(key, None)
        self.readDone.emit(ReadResult(job.job, job.keys, [failure] * len(job.keys), _now_ms()))

    # -- data exchange -------------------------------------------------------------------
    def _read(self, job: ReadJob) -> None:
        client, params = self._client, self._params
        if client is None or params is None:
            self._fail_read(job, _NOT_CONNECTED)
            return
        try:
            prepared = self._prepared(job, client)
            decoding = _Decoding(job, prepared.decoders, self._last)
            raw = prepared.plan.execute(client, self._jobs_in_flight, decoding.ready)
        except ValueError as exc:  # a range no request can address
            self._fail_read(job, Failure(ClientError.InvalidParams, f"Cannot read: {exc}"))
            return
        except Exception as exc:
            if _link_is_alive(exc):
                self._fail_read(job, Failure(classify(exc), f"Read refused by the PLC: {exc}"))
                return
            failure = self._link_lost(exc, f"Reading from {params.where} failed")
            self._fail_read(job, failure)
            return
        self._last_traffic = time.monotonic()
        values = decoding.finish(raw)
        self.readDone.emit(ReadResult(job.job, job.keys, values, _now_ms()))

    def _prepared(self, job: ReadJob, client: snap7.Client) -> _Prepared:
        """The cached plan and decoders of ``job`` (found by layout, byte order and keys)."""
        context = (job.layout, job.byte_order)
        if context != self._last_context:
            self._last.clear()
            self._last_context = context
        plan_key = (job.layout, job.byte_order, job.keys)
        prepared = self._plans.get(plan_key)
        if prepared is None:
            specs = [ReadSpec(int(a.area), a.db, a.start, a.size) for a in job.addresses]
            prepared = _Prepared(
                ReadPlan(specs, client.get_pdu_length()),
                tuple(decoder(a, job.byte_order) for a in job.addresses),
            )
            if len(self._plans) >= _PLAN_CACHE_SIZE:
                self._plans.pop(next(iter(self._plans)))
            self._plans[plan_key] = prepared
        return prepared

    def _write(self, job: WriteJob) -> None:
        # The next read of this key must deliver its value: a read the variable ignored while
        # this write was pending may have left bytes here that no longer match what it shows.
        self._last.pop(job.key, None)
        client, params = self._client, self._params
        if client is None or params is None:
            self.writeDone.emit(WriteResult(job.ticket, job.key, _NOT_CONNECTED))
            return
        address = job.address
        area = snap7.Area(int(address.area))
        try:
            if address.is_bit:
                # The S7 bit transport: the PLC changes this one bit, never its neighbours.
                start = address.start * 8 + address.bit
                client.write_area(area, address.db, start, bytearray(job.payload), WordLen.Bit)
            else:
                client.write_area(area, address.db, address.start, bytearray(job.payload))
        except Exception as exc:
            if _refused(exc):
                failure = Failure(classify(exc), f"Write to {address} refused by the PLC: {exc}")
            elif _link_is_alive(exc):
                # A garbled answer is no refusal: the PLC may have carried the write out.
                failure = Failure(
                    classify(exc),
                    f"Write to {address} failed, its outcome is unknown: "
                    f"the PLC's answer is malformed ({exc})",
                )
            else:
                sent = not str(exc).lower().startswith("send failed")
                lost = self._link_lost(exc, f"Writing to {params.where} failed")
                outcome = "its outcome is unknown" if sent else "it was not sent"
                failure = Failure(
                    lost.code, f"Write to {address} interrupted, {outcome}: {lost.text}"
                )
            self.writeDone.emit(WriteResult(job.ticket, job.key, failure))
            return
        self._last_traffic = time.monotonic()
        self.writeDone.emit(WriteResult(job.ticket, job.key, None))


def _negotiate_pdu(client: snap7.Client) -> int:
    """Setup Communication, stricter than python-snap7's ``_setup_communication``.

    Upstream takes any answer: an ACK of another function (or without a PDU length) left the
    requested 480 in place and the link counted as up (tests/test_faults.py, hostile "setup"
    cases). Here the answer must be a Setup Communication with a usable PDU length; one
    larger than requested is cut to the request, as the protocol demands. Returns the parallel
    jobs (AmQ) the PLC granted: how many requests may be in flight at once.
    """
    requested = client.pdu_length
    response = client._send_receive(
        client.protocol.build_setup_communication_request(_MAX_JOBS, _MAX_JOBS, requested)
    )
    params = response.get("parameters") or {}
    if params.get("function_code") != S7Function.SETUP_COMMUNICATION:
        raise S7ProtocolError("PDU negotiation failed: the answer is not a Setup Communication")
    negotiated = params.get("pdu_length", 0)
    if negotiated < _MIN_PDU:
        raise S7ProtocolError(f"PDU negotiation failed: the PLC offered {negotiated} bytes")
    client.pdu_length = min(negotiated, requested)
    granted = min(params.get("max_amq_caller", 1), params.get("max_amq_callee", 1))
    return max(1, min(granted, _MAX_JOBS))


_MAX_JOBS = 8  # parallel jobs we ask for; the PLC's answer is what we use
_MIN_PDU = 64  # python-snap7's own lower limit; a read plan needs some 30 bytes more than that

_NOT_CONNECTED = Failure(ClientError.ConnectError, "Not connected to the PLC")


def _now_ms() -> int:
    return int(time.time() * 1000)


def _link_is_alive(exc: BaseException) -> bool:
    """A well-formed refusal (an S7 error answer) leaves the link usable; anything else not."""
    return isinstance(exc, S7ProtocolError) and not isinstance(exc, S7TimeoutError)


def _refused(exc: BaseException) -> bool:
    """A well-formed negative answer: an S7 header error (python-snap7 keeps its code in
    ``error_code``) or an item return code ("Write operation failed: ..."), not a garbled one."""
    return isinstance(exc, S7ProtocolError) and (
        bool(exc.error_code) or str(exc).startswith("Write operation failed")
    )


def _link_error(exc: BaseException) -> ClientError:
    """Connection-level failures: a refused or unreachable peer is a ConnectError."""
    if isinstance(exc, S7ConnectionError) and "tcp connection failed" in str(exc).lower():
        return ClientError.ConnectError
    return classify(exc)


def _describe(exc: BaseException, timeout_ms: int) -> str:
    if isinstance(exc, S7TimeoutError | TimeoutError):
        return f"no answer within {timeout_ms} ms ({exc})"
    return str(exc) or type(exc).__name__


def _text(value: bytes | str) -> str:
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    return value.split("\x00", 1)[0].strip()
