"""Every use qml-s7 makes of python-snap7's client internals, in one place.

python-snap7's public client re-sends requests after a reconnect, applies its timeout to each
``recv()`` and parses answers with exceptions of every kind. qml-s7 needs single sends, one
deadline per answer, pipelined reads and typed failures, so it works one level down: the ISO
connection, the protocol object's request builders and parser, and ``Client._send_receive``.
Those are not public API. :data:`CONTRACT` lists each name relied on;
``tests/test_snap7_contract.py`` checks the installed python-snap7 against it, so an upgrade
that renames one fails in CI, not in a plant.

Errors leave this module typed (``snap7.error`` classes, OSError, timeouts, and
:class:`~qml_s7.core.errors.AnswerError` / :class:`~qml_s7.core.errors.ItemRefused` for
answers that are malformed or refuse an item), so that
:func:`~qml_s7.core.errors.interpret` never reads a message text.
"""

from __future__ import annotations

import contextlib
import math
import socket
import struct
import time
from typing import Any

import snap7
from snap7.connection import ISOTCPConnection
from snap7.datatypes import S7Area, S7WordLen
from snap7.error import S7ConnectionError, S7TimeoutError
from snap7.s7protocol import S7Function
from snap7.type import S7CpuInfo

from ..core.errors import AnswerError, ClientError, ItemRefused, Operation
from .stats import LinkStats

# What python-snap7 must provide, as (object, attribute) pairs: checked by the contract test.
CONTRACT: tuple[tuple[str, str], ...] = (
    ("snap7.connection.ISOTCPConnection", "_tcp_connect"),
    ("snap7.connection.ISOTCPConnection", "_iso_connect"),
    ("snap7.connection.ISOTCPConnection", "_recv_exact"),
    ("snap7.connection.ISOTCPConnection", "send_data"),
    ("snap7.connection.ISOTCPConnection", "receive_data"),
    ("snap7.connection.ISOTCPConnection", "disconnect"),
    ("snap7.client.Client", "_send_receive"),
    ("snap7.client.Client", "get_cpu_info"),
    ("snap7.s7protocol.S7Protocol", "build_setup_communication_request"),
    ("snap7.s7protocol.S7Protocol", "build_multi_read_request"),
    ("snap7.s7protocol.S7Protocol", "_next_sequence"),
    ("snap7.s7protocol.S7Protocol", "build_write_request"),
    ("snap7.s7protocol.S7Protocol", "build_read_szl_request"),
    ("snap7.s7protocol.S7Protocol", "parse_response"),
    ("snap7.s7protocol.S7Protocol", "parse_read_szl_response"),
)
# Attributes of an instance (not of the class), checked on a fresh object.
INSTANCE_CONTRACT: tuple[tuple[str, str], ...] = (
    ("snap7.connection.ISOTCPConnection", "socket"),
    ("snap7.connection.ISOTCPConnection", "connected"),
    ("snap7.connection.ISOTCPConnection", "timeout"),
    ("snap7.client.Client", "connection"),
    ("snap7.client.Client", "connected"),
    ("snap7.client.Client", "protocol"),
    ("snap7.client.Client", "pdu_length"),
    ("snap7.client.Client", "local_tsap"),
    ("snap7.client.Client", "remote_tsap"),
)

# python-snap7's parsers raise these on malformed bytes; from its calls they mean a bad answer.
_PARSE_ERRORS = (struct.error, ValueError, IndexError, KeyError, TypeError)
SZL_CPU_STATE = 0x0424
# The CPU states SZL 0x0424 reports (Snap7's S7CpuStatusRun/Stop/Unknown).
CPU_UNKNOWN, CPU_STOP, CPU_RUN = 0x00, 0x04, 0x08
SZL_IDENTITY = 0x001C
_MIN_PDU = 64  # python-snap7's own lower limit; a read plan needs some 30 bytes more than that
_SUCCESS = 0xFF
# A write request's bytes besides its data (header, parameters, data header), as python-snap7
# counts them; and the most data one item can carry (its length is a 16-bit count of bits).
_WRITE_OVERHEAD = 35
_MAX_ITEM_BYTES = 8191


class IsoConnection(ISOTCPConnection):
    """python-snap7's ISO-on-TCP link, with one deadline per answer and a record of progress.

    Upstream applies ``timeout`` to each ``recv()``: a peer that trickles one byte now and then
    keeps a request waiting for ever. Here every request gets a deadline when it is sent,
    ``timeout`` after; every ``recv()`` of its answer waits only until then. While connecting,
    one deadline covers the whole attempt (TCP, ISO, PDU negotiation, identification) until
    :meth:`attempt_done`. :meth:`abort` (any thread) ends a blocking exchange, also one whose
    socket does not exist yet. ``phase`` says which step of connecting failed, and ``sent``
    counts the frames that went out in full; ``stats`` counts traffic and round trips.
    """

    def __init__(self, *args: Any, stats: LinkStats | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._deadline = math.inf
        self._attempt_deadline = math.inf
        self._aborted = False
        self.phase = Operation.CONNECT
        self.sent = 0
        self.stats = stats or LinkStats()  # traffic figures, for S7Client.diagnostics

    def connect(self, timeout: float = 5.0) -> None:
        self._attempt_deadline = self._deadline = time.monotonic() + timeout
        super().connect(timeout)

    def _tcp_connect(self) -> None:
        self.phase = Operation.CONNECT
        super()._tcp_connect()

    def _iso_connect(self) -> None:
        self.phase = Operation.HANDSHAKE
        super()._iso_connect()

    def attempt_done(self, request_timeout: float) -> None:
        """The link is up: from now on each request has ``request_timeout`` for its answer."""
        self._attempt_deadline = math.inf
        self.timeout = request_timeout

    @property
    def aborted(self) -> bool:
        """True once :meth:`abort` was called."""
        return self._aborted

    def abort(self) -> None:
        """End any blocking exchange now (from any thread); the link is unusable after."""
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
        self.sent += 1
        self.stats.sent(len(data))

    def receive_data(self) -> bytes:
        data = super().receive_data()
        self.stats.received(len(data))
        return data

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


def new_client(connection: IsoConnection, local_tsap: int, remote_tsap: int) -> snap7.Client:
    """A python-snap7 client over ``connection`` (already open); its own reconnect stays off."""
    client = snap7.Client()
    client.local_tsap = local_tsap
    client.remote_tsap = remote_tsap
    client.connection = connection
    return client


def release(client: snap7.Client) -> None:
    """Detach ``client`` from its connection (which the caller closes)."""
    client.connection = None
    client.connected = False


def parse(client: snap7.Client, frame: bytes) -> dict[str, Any]:
    """An answer frame parsed; AnswerError when it is malformed."""
    try:
        return client.protocol.parse_response(frame)
    except _PARSE_ERRORS as e:
        raise AnswerError(f"Malformed answer: {e}") from e


def exchange(client: snap7.Client, request: bytes) -> dict[str, Any]:
    """Send ``request``, wait for its answer and parse it (never re-sent, never reconnected)."""
    try:
        return client._send_receive(request)
    except _PARSE_ERRORS as e:
        raise AnswerError(f"Malformed answer: {e}") from e


def send(client: snap7.Client, request: bytes) -> None:
    """Send ``request`` without waiting (pipelining); :func:`receive_frame` takes the answers."""
    _connection(client).send_data(request)


def receive_frame(client: snap7.Client) -> bytes:
    """The next answer frame on the link, unparsed (see :func:`parse`)."""
    return _connection(client).receive_data()


def _connection(client: snap7.Client) -> ISOTCPConnection:
    connection = client.connection
    if connection is None:
        raise S7ConnectionError("Not connected")
    return connection


def build_multi_read(client: snap7.Client, specs: list[tuple[int, int, int, int]]) -> bytes:
    """A Read Var request for ``specs`` (area, db, start, size)."""
    return client.protocol.build_multi_read_request(specs)


def renumber(client: snap7.Client, request: bytes) -> bytes:
    """``request`` (built by python-snap7) with the next PDU reference, as python-snap7 would
    build it now: the same bytes but the reference (the S7 header's bytes 4-5), drawn from the
    counter its builders use. A read plan sends the same requests every cycle; building one
    costs some 30 µs of CPU, this a fraction of one."""
    reference = client.protocol._next_sequence()
    return b"".join((request[:4], reference.to_bytes(2, "big"), request[6:]))


class ClientTransport:
    """A read plan's view of a python-snap7 client (see qml_s7/core/readplan.py, Transport)."""

    __slots__ = ("_client",)

    def __init__(self, client: snap7.Client) -> None:
        self._client = client

    def build(self, specs: list[tuple[int, int, int, int]]) -> bytes:
        return build_multi_read(self._client, specs)

    def renumber(self, request: bytes) -> bytes:
        return renumber(self._client, request)

    def exchange(self, request: bytes) -> dict[str, Any]:
        return exchange(self._client, request)

    def send(self, request: bytes) -> None:
        send(self._client, request)

    def receive(self) -> bytes:
        return receive_frame(self._client)

    def parse(self, frame: bytes) -> dict[str, Any]:
        return parse(self._client, frame)


def negotiate(client: snap7.Client, jobs: int) -> int:
    """Setup Communication, stricter than python-snap7's ``_setup_communication``.

    Upstream takes any answer: an ACK of another function (or without a PDU length) left the
    requested 480 in place and the link counted as up. Here the answer must be a Setup
    Communication with a usable PDU length; one larger than requested is cut to the request,
    as the protocol demands. Asks for ``jobs`` parallel jobs; returns the parallel jobs (AmQ)
    the PLC granted: how many requests may be in flight at once.
    """
    requested = client.pdu_length
    response = exchange(
        client, client.protocol.build_setup_communication_request(jobs, jobs, requested)
    )
    params = response.get("parameters") or {}
    if params.get("function_code") != S7Function.SETUP_COMMUNICATION:
        raise AnswerError(
            "PDU negotiation failed: the answer is not a Setup Communication",
            ClientError.NegotiatingPDU,
        )
    negotiated = params.get("pdu_length", 0)
    if negotiated < _MIN_PDU:
        raise AnswerError(
            f"PDU negotiation failed: the PLC offered {negotiated} bytes",
            ClientError.NegotiatingPDU,
        )
    client.pdu_length = min(negotiated, requested)
    client.connected = True
    granted = min(params.get("max_amq_caller", 1), params.get("max_amq_callee", 1))
    return max(1, min(granted, jobs))


def identify(client: snap7.Client) -> S7CpuInfo:
    """The CPU's identification (SZL 0x001C)."""
    try:
        return client.get_cpu_info()
    except RuntimeError as e:  # python-snap7's read_szl raises it for a refused SZL
        raise ItemRefused(f"SZL 0x{SZL_IDENTITY:04X} refused: {e}", None) from e
    except _PARSE_ERRORS as e:
        raise AnswerError(f"Malformed identification: {e}") from e


def check(client: snap7.Client) -> int:
    """A cheap standard request that proves the link alive: SZL 0x0424, the CPU's state.

    Returns the state byte (``CPU_RUN``, ``CPU_STOP``) or ``CPU_UNKNOWN`` when the answer does
    not say (a refusal still proves the link alive). python-snap7's ``get_cpu_state`` is not
    used: it sends a malformed frame (see docs/DESIGN.md).
    """
    response = exchange(client, client.protocol.build_read_szl_request(SZL_CPU_STATE, 0))
    params = response.get("parameters")
    data = response.get("data")
    if not isinstance(params, dict) or params.get("error_code") or not isinstance(data, dict):
        return CPU_UNKNOWN
    if data.get("return_code") != _SUCCESS:
        return CPU_UNKNOWN
    try:
        records = client.protocol.parse_read_szl_response(response)["data"]
    except _PARSE_ERRORS:
        return CPU_UNKNOWN
    # After the list header (record length, record count), byte 3 of the record is the mode.
    state = records[7] if len(records) >= 8 else CPU_UNKNOWN
    return state if state in (CPU_RUN, CPU_STOP) else CPU_UNKNOWN


def write(
    client: snap7.Client, area: int, db: int, start: int, payload: bytes, bit: int | None
) -> None:
    """Write ``payload`` once; with ``bit`` (0..7), one bit with the S7 bit transport.

    A payload larger than one PDU goes out in consecutive pieces, as python-snap7 does. Raises
    :class:`ItemRefused` when the PLC refuses the item, :class:`AnswerError` when the answer is
    not a write acknowledgement.
    """
    if bit is not None:  # the PLC changes this one bit, never its neighbours
        _write_once(client, area, db, start * 8 + bit, payload, S7WordLen.BIT)
        return
    chunk = max(1, min(client.pdu_length - _WRITE_OVERHEAD, _MAX_ITEM_BYTES))
    for offset in range(0, len(payload), chunk):
        piece = payload[offset : offset + chunk]
        _write_once(client, area, db, start + offset, piece, S7WordLen.BYTE)


def _write_once(
    client: snap7.Client, area: int, db: int, start: int, data: bytes, word_len: S7WordLen
) -> None:
    request = client.protocol.build_write_request(
        area=S7Area(area), db_number=db, start=start, word_len=word_len, data=bytes(data)
    )
    response = exchange(client, request)
    params = response.get("parameters") or {}
    if params.get("function_code") != S7Function.WRITE_AREA or params.get("item_count") != 1:
        raise AnswerError("the answer is not a write acknowledgement")
    answer = response.get("data")
    code = answer.get("return_code") if isinstance(answer, dict) else None
    if code is None:
        raise AnswerError("the write acknowledgement has no return code")
    if code != _SUCCESS:
        raise ItemRefused(f"Write operation failed (item return code 0x{code:02x})", code)


def pdu_length(client: snap7.Client) -> int:
    """The negotiated PDU length."""
    return client.pdu_length
