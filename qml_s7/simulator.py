"""A simulated Siemens S7 PLC on top of python-snap7's ``snap7.server.Server``.

python-snap7 does the ISO-on-TCP framing (TPKT/COTP) and the S7 header parsing; this module
subclasses its server and replaces the handlers where it departs from the original Snap7
server and from real CPUs:

* bit transport (``WordLen.Bit``, start = byte * 8 + bit) reads and writes exactly that bit;
* it listens on 127.0.0.1 unless told otherwise, and ``port=0`` reports the real port;
* ``stop()`` also drops the established connections (a power cycle);
* a Read Var with more than ``max_items`` items, or whose request or reply exceeds the
  negotiated PDU, is refused with header error 0x8500 (what S7-1500 CPUs answer) instead of
  being served; Setup Communication answers ``min(requested, pdu_length)``;
* SZL 0x001C answers the configured identity, SZL 0x0424 the CPU state, SZL 0x0131 the PDU;
* every item of a Read Var / Write Var gets its own return code (0x0A object does not exist,
  0x05 address out of range, 0x07 data size mismatch): the other items still succeed, and a
  write past the end changes nothing instead of landing partially.

No Qt here. Run ``qml-s7-sim`` (or ``python -m qml_s7.simulator``) for a standalone PLC.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
import socket
import struct
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from snap7.datatypes import S7Area, S7WordLen
from snap7.error import S7ConnectionError
from snap7.s7protocol import S7Function, S7PDUType
from snap7.server import (
    EVC_DATA_READ,
    EVC_DATA_WRITE,
    EVC_LISTENER_CANNOT_START,
    EVC_SERVER_STARTED,
    EVC_SERVER_STOPPED,
    CPUState,
    Server,
    ServerState,
)
from snap7.type import SrvArea

__all__ = ["Simulator", "Stats", "WriteRecord", "main"]

logger = logging.getLogger(__name__)

DEFAULT_DBS: dict[int, int] = {1: 1024, 2: 1024, 3: 1024}
DEFAULT_CLI_PORT = 1102

# Item return codes of the S7 data section.
RC_SUCCESS = 0xFF
RC_INVALID_ADDRESS = 0x05  # address out of range
RC_TYPE_NOT_SUPPORTED = 0x06
RC_TYPE_INCONSISTENT = 0x07  # data size does not match the address specification
RC_OBJECT_DOES_NOT_EXIST = 0x0A
# Header errors (error class << 8 | error code).
ERR_PDU_SIZE = 0x8500  # "wrong frames": too many items, request or reply over the PDU
ERR_FRAME = 0x8104  # malformed request ("service not implemented or frame error")

# Transport sizes used in the data section of a read reply.
_TS_BIT = 0x03
_TS_BYTE = 0x04  # length in bits
_TS_INT = 0x05  # length in bits
_TS_REAL = 0x07  # length in bytes
_TS_OCTET = 0x09  # length in bytes

_WIDTH = {
    S7WordLen.BIT: 1,
    S7WordLen.BYTE: 1,
    S7WordLen.CHAR: 1,
    S7WordLen.WORD: 2,
    S7WordLen.INT: 2,
    S7WordLen.DWORD: 4,
    S7WordLen.DINT: 4,
    S7WordLen.REAL: 4,
    S7WordLen.COUNTER: 2,
    S7WordLen.TIMER: 2,
}
_REPLY_TS = {
    S7WordLen.BIT: _TS_BIT,
    S7WordLen.INT: _TS_INT,
    S7WordLen.DINT: _TS_INT,
    S7WordLen.REAL: _TS_REAL,
    S7WordLen.CHAR: _TS_OCTET,
    S7WordLen.COUNTER: _TS_OCTET,
    S7WordLen.TIMER: _TS_OCTET,
}
_AREA_NAMES = {
    S7Area.DB: "DB",
    S7Area.PE: "I",
    S7Area.PA: "Q",
    S7Area.MK: "M",
    S7Area.CT: "C",
    S7Area.TM: "T",
}
_AREA_BY_NAME = {
    "DB": S7Area.DB,
    "I": S7Area.PE,
    "E": S7Area.PE,
    "PE": S7Area.PE,
    "Q": S7Area.PA,
    "A": S7Area.PA,
    "PA": S7Area.PA,
    "M": S7Area.MK,
    "MK": S7Area.MK,
}
_SRV_TO_S7 = {
    SrvArea.PE: S7Area.PE,
    SrvArea.PA: S7Area.PA,
    SrvArea.MK: S7Area.MK,
    SrvArea.DB: S7Area.DB,
    SrvArea.CT: S7Area.CT,
    SrvArea.TM: S7Area.TM,
}
# SZL 0x001C records: (index, field length) for the fields python-snap7's get_cpu_info reads.
_ID_FIELDS = (
    ("as_name", 0x0001, 24),
    ("module_name", 0x0002, 24),
    ("plant_id", 0x0003, 32),
    ("copyright", 0x0004, 26),
    ("serial_number", 0x0005, 24),
    ("module_type_name", 0x0007, 32),
)
_ID_RECORD_LEN = 34  # index (2) + 32 bytes of text


@dataclass(frozen=True)
class WriteRecord:
    """One item of a Write Var request as the simulator received it."""

    area: str  # "DB", "I", "Q", "M" ("C", "T", or a hex code for other areas)
    db: int  # DB number, 0 for the other areas
    start: int  # byte offset
    bit: int | None  # bit number for bit transport, else None
    data: bytes  # the item's data as sent (one byte 0x00/0x01 for a bit)
    transport: str  # "bit", "byte", "char", "word", "int", "dword", "dint", "real", ...
    ok: bool  # True when the write landed


class Stats:
    """Thread-safe counters of what clients asked for, for tests.

    ``read_requests`` counts Read Var PDUs (refused ones too), ``read_item_counts`` lists the
    item count of each in arrival order, ``writes`` logs every Write Var item in order and
    ``write_requests`` counts Write Var PDUs.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition(threading.RLock())
        self._read_item_counts: list[int] = []
        self._writes: list[WriteRecord] = []
        self._write_requests = 0

    @property
    def read_requests(self) -> int:
        """Number of Read Var requests received."""
        with self._cond:
            return len(self._read_item_counts)

    @property
    def read_item_counts(self) -> list[int]:
        """Item count of each Read Var request, in order."""
        with self._cond:
            return list(self._read_item_counts)

    @property
    def read_items(self) -> int:
        """Total number of items over all Read Var requests."""
        with self._cond:
            return sum(self._read_item_counts)

    @property
    def write_requests(self) -> int:
        """Number of Write Var requests received."""
        with self._cond:
            return self._write_requests

    @property
    def writes(self) -> list[WriteRecord]:
        """Every Write Var item received, in order."""
        with self._cond:
            return list(self._writes)

    def reset(self) -> None:
        """Forget everything counted so far."""
        with self._cond:
            self._read_item_counts.clear()
            self._writes.clear()
            self._write_requests = 0
            self._cond.notify_all()

    def wait_for(self, predicate: Callable[[Stats], bool], timeout: float) -> bool:
        """Wait (bounded) until ``predicate(stats)`` holds; return whether it does."""
        with self._cond:
            return self._cond.wait_for(lambda: predicate(self), timeout)

    def _record_read(self, item_count: int) -> None:
        with self._cond:
            self._read_item_counts.append(item_count)
            self._cond.notify_all()

    def _record_writes(self, records: Sequence[WriteRecord]) -> None:
        with self._cond:
            self._write_requests += 1
            self._writes.extend(records)
            self._cond.notify_all()


def _area_name(area: int) -> str:
    try:
        return _AREA_NAMES[S7Area(area)]
    except (ValueError, KeyError):
        return f"0x{area:02X}"


def _transport_name(word_len: int) -> str:
    try:
        return S7WordLen(word_len).name.lower()
    except ValueError:
        return f"0x{word_len:02X}"


def _bcd(value: int) -> int:
    return ((value // 10) << 4) | (value % 10)


def _s7_timestamp(t: float) -> bytes:
    """The 8-byte BCD DATE_AND_TIME of an SZL record."""
    tm = time.localtime(t)
    ms = int((t % 1) * 1000)
    return bytes(
        [
            _bcd(tm.tm_year % 100),
            _bcd(tm.tm_mon),
            _bcd(tm.tm_mday),
            _bcd(tm.tm_hour),
            _bcd(tm.tm_min),
            _bcd(tm.tm_sec),
            _bcd(ms // 10),
            ((ms % 10) << 4) | ((tm.tm_wday + 1) % 7 + 1),  # 1 = Sunday
        ]
    )


class _S7Server(Server):
    """``snap7.server.Server`` with the fixes listed in the module docstring."""

    def __init__(
        self, *, pdu_length: int, max_items: int, parallel_jobs: int, identity: dict[str, bytes]
    ) -> None:
        super().__init__(log=False)
        self.host = "127.0.0.1"
        self.parallel_jobs = parallel_jobs
        self.pdu_length = pdu_length
        self.max_items = max_items
        self.identity = identity
        self.stats = Stats()
        self.started_at = time.time()
        self._conn_lock = threading.Lock()
        self._conn_sockets: set[socket.socket] = set()
        self._tls = threading.local()  # per-connection state (one handler thread per client)

    # -- lifecycle ----------------------------------------------------------------------------

    def start(self, tcp_port: int = 102) -> int:
        """Listen on ``self.host:tcp_port`` (0 = any free port; ``self.port`` gets the real one).

        Unlike upstream, no SO_REUSEPORT: a second simulator on the same port fails loudly
        instead of silently sharing the port.
        """
        if self.running:
            raise S7ConnectionError("Server is already running")
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            if os.name == "nt":
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_EXCLUSIVEADDRUSE, 1)
            else:  # rebind at once after stop() although dropped links sit in TIME_WAIT
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((self.host, tcp_port))
            sock.listen(16)
        except OSError as e:
            sock.close()
            self.state = ServerState.ERROR
            self._emit_event(EVC_LISTENER_CANNOT_START)
            raise S7ConnectionError(f"Cannot listen on {self.host}:{tcp_port}: {e}") from e
        self.server_socket = sock
        self.port = sock.getsockname()[1]
        self.running = True
        self.state = ServerState.RUNNING
        self.cpu_state = CPUState.RUN
        self.started_at = time.time()
        self.server_thread = threading.Thread(
            target=self._server_loop, name=f"qml-s7-sim:{self.port}", daemon=True
        )
        self.server_thread.start()
        self._emit_event(EVC_SERVER_STARTED)
        logger.info("S7 simulator listening on %s:%d", self.host, self.port)
        return 0

    def stop(self) -> int:
        """Stop listening and drop every established connection (upstream keeps them)."""
        with self._conn_lock:
            if not self.running:
                return 0
            self.running = False
            sockets = list(self._conn_sockets)
        self.state = ServerState.STOPPED
        self.cpu_state = CPUState.STOP
        # The accept loop polls `running` every 0.1 s; close the listener only after it left.
        if self.server_thread is not None and self.server_thread.is_alive():
            self.server_thread.join(timeout=5.0)
        if self.server_socket is not None:
            self.server_socket.close()
            self.server_socket = None
        # A handler registering after the snapshot sees running == False and drops itself.
        for sock in sockets:
            with contextlib.suppress(OSError):  # already gone
                sock.shutdown(socket.SHUT_RDWR)  # wakes the handler's recv(); the peer sees EOF
        with self.client_lock:
            threads = list(self.clients)
        for thread in threads:
            if thread.is_alive() and thread is not threading.current_thread():
                thread.join(timeout=5.0)
        for sock in sockets:
            sock.close()
        with self.client_lock:
            self.clients.clear()
            self.client_count = 0
        self._emit_event(EVC_SERVER_STOPPED)
        logger.info("S7 simulator on %s:%d stopped", self.host, self.port)
        return 0

    @property
    def connection_count(self) -> int:
        with self._conn_lock:
            return len(self._conn_sockets)

    def _handle_client(self, client_socket: socket.socket, address: tuple[str, int]) -> None:
        with self._conn_lock:
            self._conn_sockets.add(client_socket)
            if not self.running:  # accepted while stop() was running
                with contextlib.suppress(OSError):
                    client_socket.shutdown(socket.SHUT_RDWR)
        self._tls.pdu_length = self.pdu_length
        try:
            super()._handle_client(client_socket, address)
        finally:
            with self._conn_lock:
                self._conn_sockets.discard(client_socket)

    # -- request parsing ----------------------------------------------------------------------

    def _parse_request(self, pdu: bytes) -> dict[str, Any]:
        request = super()._parse_request(pdu)
        start = 10 + request["param_length"]
        request["raw_data"] = bytes(pdu[start : start + request["data_length"]])
        return request

    def _parse_address_specification(self, addr_spec: bytes) -> dict[str, Any]:
        # Upstream turns the bit address into start = address // 8 and drops the bit number.
        parsed = super()._parse_address_specification(addr_spec)
        if parsed:
            parsed["bit"] = addr_spec[11] & 0x07 if parsed["word_len"] == S7WordLen.BIT else None
            # variable specification 0x12, 10 more bytes, syntax S7ANY (0x10)
            parsed["valid_syntax"] = addr_spec[:3] == b"\x12\x0a\x10"
        return parsed

    def _parse_items(self, request: dict[str, Any]) -> list[dict[str, Any]] | None:
        """The address specifications of a Read/Write Var request, None if malformed."""
        raw = request.get("raw_parameters", b"")
        if len(raw) < 2 or raw[1] == 0 or len(raw) != 2 + 12 * raw[1]:
            return None
        return [
            self._parse_address_specification(raw[2 + 12 * i : 14 + 12 * i]) for i in range(raw[1])
        ]

    @staticmethod
    def _item_size(spec: dict[str, Any]) -> int | None:
        """Bytes an item addresses, None when its type/count is unusable."""
        word_len = spec.get("word_len")
        width = _WIDTH.get(word_len)
        count = spec.get("count", 0)
        if width is None or count < 1 or (word_len == S7WordLen.BIT and count != 1):
            return None
        return width * count

    def _locate(self, spec: dict[str, Any]) -> tuple[int, int, tuple[S7Area, int] | None]:
        """Return code, byte size and memory key of an item (size and key only on success)."""
        if not spec:  # upstream could not parse it, e.g. an unknown area code
            return RC_OBJECT_DOES_NOT_EXIST, 0, None
        if not spec["valid_syntax"]:
            return RC_INVALID_ADDRESS, 0, None
        size = self._item_size(spec)
        if size is None:
            return RC_TYPE_NOT_SUPPORTED, 0, None
        area = spec["area"]
        key = (area, spec["db_number"] if area == S7Area.DB else 0)  # real CPUs ignore DB no.
        memory = self.memory_areas.get(key)
        if memory is None:
            return RC_OBJECT_DOES_NOT_EXIST, 0, None
        if spec["start"] + size > len(memory):
            return RC_INVALID_ADDRESS, 0, None
        return RC_SUCCESS, size, key

    # -- setup communication ------------------------------------------------------------------

    def _handle_setup_communication(self, request: dict[str, Any]) -> bytes:
        requested = request["parameters"].get("pdu_length", self.pdu_length)
        negotiated = min(requested, self.pdu_length) if requested > 0 else self.pdu_length
        self._tls.pdu_length = negotiated
        header = struct.pack(
            ">BBHHHHBB", 0x32, S7PDUType.ACK_DATA, 0, request["sequence"], 8, 0, 0, 0
        )
        params = request["parameters"]
        # Like a CPU: grant at most our own parallel jobs (AmQ), never more than asked for.
        caller = max(1, min(params.get("max_amq_caller", 1), self.parallel_jobs))
        callee = max(1, min(params.get("max_amq_callee", 1), self.parallel_jobs))
        answer = (S7Function.SETUP_COMMUNICATION, 0, caller, callee, negotiated)
        return header + struct.pack(">BBHHH", *answer)

    def _negotiated_pdu(self) -> int:
        return getattr(self._tls, "pdu_length", self.pdu_length)

    # -- Read Var -----------------------------------------------------------------------------

    def _handle_read_area(self, request: dict[str, Any], client_address: tuple[str, int]) -> bytes:
        specs = self._parse_items(request)
        raw = request.get("raw_parameters", b"")
        self.stats._record_read(raw[1] if len(raw) >= 2 else 0)
        if not specs:  # malformed, or python-snap7's item-less get_cpu_state() probe
            return self._build_error_response(request, ERR_FRAME)
        pdu = self._negotiated_pdu()
        if len(specs) > self.max_items or 10 + request["param_length"] > pdu:
            return self._build_error_response(request, ERR_PDU_SIZE)
        reply_size = 14
        for i, spec in enumerate(specs):
            size = self._item_size(spec) or 0
            reply_size += 4 + size + (size % 2 if i < len(specs) - 1 else 0)
        if reply_size > pdu:
            return self._build_error_response(request, ERR_PDU_SIZE)

        data = bytearray()
        for i, spec in enumerate(specs):
            item = self._read_item(spec, client_address)
            data += item
            if i < len(specs) - 1 and len(item) % 2:
                data.append(0)  # fill byte
        header = struct.pack(
            ">BBHHHHBB", 0x32, S7PDUType.ACK_DATA, 0, request["sequence"], 2, len(data), 0, 0
        )
        return header + struct.pack(">BB", S7Function.READ_AREA, len(specs)) + bytes(data)

    def _read_item(self, spec: dict[str, Any], client_address: tuple[str, int]) -> bytes:
        code, size, key = self._locate(spec)
        if key is None:
            return struct.pack(">BBH", code, 0, 0)
        start = spec["start"]
        with self.area_locks[key]:
            value = bytes(self.memory_areas[key][start : start + size])
        word_len = spec["word_len"]
        if word_len == S7WordLen.BIT:
            value = bytes([(value[0] >> spec["bit"]) & 1])
        ts = _REPLY_TS.get(word_len, _TS_BYTE)
        length = 1 if ts == _TS_BIT else len(value) * 8 if ts in (_TS_BYTE, _TS_INT) else len(value)
        self._emit_event(
            EVC_DATA_READ,
            param1=self._event_area(key[0]),
            param2=key[1],
            param3=start,
            param4=size,
            sender=self._event_sender(client_address),
            notify_read_callback=True,
        )
        return struct.pack(">BBH", RC_SUCCESS, ts, length) + value

    # -- Write Var ----------------------------------------------------------------------------

    def _handle_write_area(self, request: dict[str, Any], client_address: tuple[str, int]) -> bytes:
        specs = self._parse_items(request)
        items = self._split_write_data(request.get("raw_data", b""), len(specs or ()))
        if not specs or items is None:
            self.stats._record_writes(())
            return self._build_error_response(request, ERR_FRAME)
        pdu = self._negotiated_pdu()
        request_size = 10 + request["param_length"] + request["data_length"]
        if len(specs) > self.max_items or request_size > pdu:
            self.stats._record_writes(())
            return self._build_error_response(request, ERR_PDU_SIZE)

        codes = bytearray()
        records = []
        for spec, value in zip(specs, items, strict=True):
            code = self._write_item(spec, value, client_address)
            codes.append(code)
            word_len = spec.get("word_len", 0)
            records.append(
                WriteRecord(
                    area=_area_name(spec.get("area", 0)),
                    db=spec.get("db_number", 0) if spec.get("area") == S7Area.DB else 0,
                    start=spec.get("start", 0),
                    bit=spec.get("bit"),
                    data=value,
                    transport=_transport_name(word_len),
                    ok=code == RC_SUCCESS,
                )
            )
        self.stats._record_writes(records)
        header = struct.pack(
            ">BBHHHHBB", 0x32, S7PDUType.ACK_DATA, 0, request["sequence"], 2, len(codes), 0, 0
        )
        return header + struct.pack(">BB", S7Function.WRITE_AREA, len(codes)) + bytes(codes)

    @staticmethod
    def _split_write_data(raw: bytes, count: int) -> list[bytes] | None:
        """The data of each item of a Write Var data section, None if malformed."""
        items = []
        offset = 0
        for i in range(count):
            if offset + 4 > len(raw):
                return None
            ts, length = raw[offset + 1], struct.unpack_from(">H", raw, offset + 2)[0]
            if ts == _TS_BIT:
                size = (length + 7) // 8
            elif ts in (_TS_BYTE, _TS_INT):
                size = length // 8
            else:
                size = length
            offset += 4
            if offset + size > len(raw):
                return None
            items.append(bytes(raw[offset : offset + size]))
            offset += size + (size % 2 if i < count - 1 else 0)
        return items

    def _write_item(
        self, spec: dict[str, Any], value: bytes, client_address: tuple[str, int]
    ) -> int:
        code, size, key = self._locate(spec)
        if key is None:
            return code
        if len(value) != size:
            return RC_TYPE_INCONSISTENT
        start = spec["start"]
        with self.area_locks[key]:
            memory = self.memory_areas[key]
            if spec["word_len"] == S7WordLen.BIT:
                mask = 1 << spec["bit"]
                memory[start] = memory[start] | mask if value[0] & 1 else memory[start] & ~mask
            else:
                memory[start : start + size] = value
        self._emit_event(
            EVC_DATA_WRITE,
            param1=self._event_area(key[0]),
            param2=key[1],
            param3=start,
            param4=size,
            sender=self._event_sender(client_address),
        )
        return RC_SUCCESS

    # -- SZL ----------------------------------------------------------------------------------

    def _get_szl_data(self, szl_id: int, szl_index: int) -> bytes | None:
        if szl_id == 0x001C:  # component identification: what get_cpu_info() parses
            data = bytearray(struct.pack(">HH", _ID_RECORD_LEN, len(_ID_FIELDS)))
            for field, index, _size in _ID_FIELDS:
                text = self.identity.get(field, b"")
                data += struct.pack(">H", index) + text.ljust(_ID_RECORD_LEN - 2, b"\x00")
            return bytes(data)
        if szl_id == 0x0424:  # current mode: record byte 3 is the state (8 RUN, 4 STOP)
            record = struct.pack(">HBB", 0x4302, 0xFF, int(self.cpu_state)) + bytes(8)
            return struct.pack(">HH", 20, 1) + record + _s7_timestamp(self.started_at)
        if szl_id == 0x0131:  # communication parameters: report our PDU, not a fixed 480
            return struct.pack(">HHHH", self.pdu_length, 32, 12, 12)
        return super()._get_szl_data(szl_id, szl_index)


def _resolve_area(area: str | int) -> S7Area:
    if isinstance(area, SrvArea):
        return _SRV_TO_S7[area]
    if isinstance(area, str):
        try:
            return _AREA_BY_NAME[area.strip().upper()]
        except KeyError:
            raise ValueError(f"unknown area {area!r}: use 'DB', 'I', 'Q' or 'M'") from None
    try:
        return S7Area(int(area))
    except ValueError:
        raise ValueError(f"unknown area {area!r}") from None


class Simulator:
    """A simulated S7 PLC with DBs, inputs (I), outputs (Q) and markers (M).

    Clients talk to it over S7 on ``host:port``; Python code reads and writes its memory
    directly with :meth:`read` / :meth:`write`, which never count in :attr:`stats`.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        dbs: dict[int, int] | None = None,
        area_size: int = 1024,
        module_name: str = "CPU 1516-3 PN/DP",
        module_type_name: str = "CPU 1516-3 PN/DP",
        serial_number: str = "S QS-SIM00001",
        as_name: str = "QML-S7-SIM",
        max_items: int = 20,
        pdu_length: int = 480,
        parallel_jobs: int = 3,
    ) -> None:
        """Configure the PLC; nothing listens before :meth:`start`.

        ``dbs`` maps DB number to size in bytes (default DB1, DB2, DB3 of 1024 bytes);
        ``area_size`` is the size of I, Q and M; ``port=0`` picks a free port at the first start;
        ``parallel_jobs`` is the AmQ granted in Setup Communication (requests a client may have
        in flight; the server still answers them one after the other).
        """
        if not 240 <= pdu_length <= 960:
            raise ValueError(
                f"pdu_length must be within 240..960 like a real CPU, not {pdu_length}"
            )
        if max_items < 1:
            raise ValueError(f"max_items must be at least 1, not {max_items}")
        if not 0 <= port <= 65535:
            raise ValueError(f"port must be within 0..65535, not {port}")
        identity = {
            "as_name": as_name,
            "module_name": module_name,
            "plant_id": "",
            "copyright": "Original Siemens Equipment",
            "serial_number": serial_number,
            "module_type_name": module_type_name,
        }
        encoded: dict[str, bytes] = {}
        for field, _index, size in _ID_FIELDS:
            raw = identity[field].encode("latin-1")
            if len(raw) > size:
                raise ValueError(f"{field} {identity[field]!r} is longer than {size} characters")
            encoded[field] = raw
        self.host = host
        self.port = port
        if not 1 <= parallel_jobs <= 64:
            raise ValueError(f"parallel_jobs must be within 1..64, not {parallel_jobs}")
        self._server = _S7Server(
            pdu_length=pdu_length,
            max_items=max_items,
            parallel_jobs=parallel_jobs,
            identity=encoded,
        )
        for number, size in (DEFAULT_DBS if dbs is None else dbs).items():
            if not 1 <= number <= 65535 or size < 1:
                raise ValueError(f"invalid DB{number} of {size} bytes")
            self._server.register_area(SrvArea.DB, number, bytearray(size))
        if area_size < 1:
            raise ValueError(f"area_size must be positive, not {area_size}")
        for srv_area in (SrvArea.PE, SrvArea.PA, SrvArea.MK):
            self._server.register_area(srv_area, 0, bytearray(area_size))

    @property
    def running(self) -> bool:
        """Whether the simulator is listening."""
        return bool(self._server.running)

    @property
    def stats(self) -> Stats:
        """Counters of the requests clients sent."""
        return self._server.stats

    @property
    def connection_count(self) -> int:
        """Number of established client connections."""
        return self._server.connection_count

    @property
    def pdu_length(self) -> int:
        """The largest PDU the simulator negotiates."""
        return self._server.pdu_length

    @property
    def max_items(self) -> int:
        """The most items a Read/Write Var request may carry."""
        return self._server.max_items

    @property
    def cpu_state(self) -> str:
        """``"RUN"`` or ``"STOP"`` as reported through SZL 0x0424."""
        return "RUN" if self._server.cpu_state == CPUState.RUN else "STOP"

    def start(self) -> None:
        """Start listening (on the same port as before after a stop); no-op when running."""
        if self.running:
            return
        self._server.host = self.host
        self._server.start(self.port)
        self.port = self._server.port

    def stop(self) -> None:
        """Stop listening and drop every established connection, like a power cycle."""
        self._server.stop()

    def restart(self) -> None:
        """Power-cycle: :meth:`stop`, then :meth:`start` on the same port."""
        self.stop()
        self.start()

    def _memory(self, area: str | int, db: int) -> tuple[bytearray, threading.Lock, str]:
        s7_area = _resolve_area(area)
        key = (s7_area, db if s7_area == S7Area.DB else 0)
        label = f"DB{db}" if s7_area == S7Area.DB else _area_name(s7_area)
        memory = self._server.memory_areas.get(key)
        if memory is None:
            raise ValueError(f"{label} does not exist in the simulator")
        return memory, self._server.area_locks[key], label

    def read(self, area: str | int, start: int, size: int, db: int = 0) -> bytes:
        """Read ``size`` bytes at byte ``start`` of ``area`` ("DB", "I", "Q", "M" or an enum)."""
        memory, lock, label = self._memory(area, db)
        if start < 0 or size < 0 or start + size > len(memory):
            raise IndexError(
                f"{label} bytes {start}..{start + size - 1} outside 0..{len(memory) - 1}"
            )
        with lock:
            return bytes(memory[start : start + size])

    def write(self, area: str | int, start: int, data: bytes, db: int = 0) -> None:
        """Write ``data`` at byte ``start`` of ``area``."""
        memory, lock, label = self._memory(area, db)
        if start < 0 or start + len(data) > len(memory):
            raise IndexError(
                f"{label} bytes {start}..{start + len(data) - 1} outside 0..{len(memory) - 1}"
            )
        with lock:
            memory[start : start + len(data)] = data

    def read_bit(self, area: str | int, byte: int, bit: int, db: int = 0) -> bool:
        """Read bit ``byte.bit`` of ``area``."""
        if not 0 <= bit <= 7:
            raise ValueError(f"bit must be within 0..7, not {bit}")
        return bool(self.read(area, byte, 1, db)[0] >> bit & 1)

    def write_bit(self, area: str | int, byte: int, bit: int, value: bool, db: int = 0) -> None:
        """Set or clear bit ``byte.bit`` of ``area``, leaving the other bits alone."""
        if not 0 <= bit <= 7:
            raise ValueError(f"bit must be within 0..7, not {bit}")
        memory, lock, label = self._memory(area, db)
        if not 0 <= byte < len(memory):
            raise IndexError(f"{label} byte {byte} outside 0..{len(memory) - 1}")
        with lock:
            if value:
                memory[byte] |= 1 << bit
            else:
                memory[byte] &= ~(1 << bit) & 0xFF

    def __enter__(self) -> Simulator:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def _db_spec(text: str) -> tuple[int, int]:
    try:
        number, size = (int(part) for part in text.split(":"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected N:SIZE such as 1:1024, not {text!r}") from None
    if not 1 <= number <= 65535 or size < 1:
        raise argparse.ArgumentTypeError(f"invalid DB{number} of {size} bytes")
    return number, size


def main(argv: list[str] | None = None) -> int:
    """The ``qml-s7-sim`` command: run a simulated PLC until Ctrl-C or SIGTERM."""
    parser = argparse.ArgumentParser(
        prog="qml-s7-sim", description="Simulated Siemens S7 PLC for qml-s7 (python-snap7)."
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument(
        "--port",
        type=int,
        default=DEFAULT_CLI_PORT,
        help=f"TCP port; 0 picks a free one (default {DEFAULT_CLI_PORT})",
    )
    parser.add_argument(
        "--db",
        type=_db_spec,
        action="append",
        metavar="N:SIZE",
        help="a data block and its size in bytes; repeatable (default 1:1024 2:1024 3:1024)",
    )
    parser.add_argument(
        "--area-size", type=int, default=1024, help="bytes of I, Q and M (default 1024)"
    )
    parser.add_argument(
        "--pdu-length", type=int, default=480, help="largest PDU, 240..960 (default 480)"
    )
    parser.add_argument(
        "--process",
        action="store_true",
        help="run the demo tank process (qml_s7.process) on DB1, QB0, IB0, MW0 and M2.0",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log every connection")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        sim = Simulator(
            args.host,
            args.port,
            dbs=dict(args.db) if args.db else None,
            area_size=args.area_size,
            pdu_length=args.pdu_length,
        )
        sim.start()
    except (ValueError, S7ConnectionError) as e:
        print(f"qml-s7-sim: {e}", file=sys.stderr)
        return 1
    process = None
    if args.process:
        from .process import TankProcess

        try:
            process = TankProcess(sim)
        except ValueError as e:
            sim.stop()
            print(f"qml-s7-sim: {e}", file=sys.stderr)
            return 1
        process.reset()

    stop = threading.Event()
    previous: dict[int, Any] = {}
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGINT, signal.SIGTERM):
            previous[signum] = signal.signal(signum, lambda *_: stop.set())
    try:
        print(f"qml-s7 simulator listening on {sim.host}:{sim.port}", flush=True)
        if process is not None:
            process.start()
            names = ", ".join(f"{name} {address}" for name, address in process.MAP.items())
            print(f"qml-s7 tank process running: {names}", flush=True)
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        if process is not None:
            process.stop()
        sim.stop()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    print("qml-s7 simulator stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
