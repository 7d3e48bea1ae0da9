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

It is the one module that relies on python-snap7's server internals (the methods it
overrides and the helpers it calls): :data:`CONTRACT` and :data:`SIGNATURES` list them, and
tests/test_snap7_contract.py checks the installed python-snap7 against them. No Qt here.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import struct
import threading
import time
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

from .stats import Stats, WriteRecord

logger = logging.getLogger(__name__)

# python-snap7 Server internals this module overrides or calls, as (class, name): checked by
# tests/test_snap7_contract.py against the installed python-snap7.
_SERVER = "snap7.server.Server"
CONTRACT: tuple[tuple[str, str], ...] = tuple(
    (_SERVER, name)
    for name in (
        "_handle_client",
        "_parse_request",
        "_parse_address_specification",
        "_handle_setup_communication",
        "_handle_read_area",
        "_handle_write_area",
        "_get_szl_data",
        "_build_error_response",
        "_emit_event",
        "_event_area",
        "_event_sender",
        "_server_loop",
        "register_area",
    )
)
# The parameters (after self) of the upstream methods this server overrides.
SIGNATURES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (_SERVER, "_handle_client", ("client_socket", "address")),
    (_SERVER, "_parse_request", ("pdu",)),
    (_SERVER, "_parse_address_specification", ("addr_spec",)),
    (_SERVER, "_handle_setup_communication", ("request",)),
    (_SERVER, "_handle_read_area", ("request", "client_address")),
    (_SERVER, "_handle_write_area", ("request", "client_address")),
    (_SERVER, "_get_szl_data", ("szl_id", "szl_index")),
)


# Item return codes of the S7 data section.
RC_SUCCESS = 0xFF
RC_INVALID_ADDRESS = 0x05  # address out of range
RC_ACCESS_DENIED = 0x03  # access to the object not allowed (a write-protected DB)
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
AREA_BY_NAME = {
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
SRV_TO_S7 = {
    SrvArea.PE: S7Area.PE,
    SrvArea.PA: S7Area.PA,
    SrvArea.MK: S7Area.MK,
    SrvArea.DB: S7Area.DB,
    SrvArea.CT: S7Area.CT,
    SrvArea.TM: S7Area.TM,
}
# SZL 0x001C records: (index, field length) for the fields python-snap7's get_cpu_info reads.
ID_FIELDS = (
    ("as_name", 0x0001, 24),
    ("module_name", 0x0002, 24),
    ("plant_id", 0x0003, 32),
    ("copyright", 0x0004, 26),
    ("serial_number", 0x0005, 24),
    ("module_type_name", 0x0007, 32),
)
_ID_RECORD_LEN = 34  # index (2) + 32 bytes of text


def area_name(area: int) -> str:
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


class S7Server(Server):
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
        self.protected_dbs: set[int] = set()  # DBs whose writes are refused (access denied)
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
        self.stats.record_read(raw[1] if len(raw) >= 2 else 0)
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
            self.stats.record_writes(())
            return self._build_error_response(request, ERR_FRAME)
        pdu = self._negotiated_pdu()
        request_size = 10 + request["param_length"] + request["data_length"]
        if len(specs) > self.max_items or request_size > pdu:
            self.stats.record_writes(())
            return self._build_error_response(request, ERR_PDU_SIZE)

        codes = bytearray()
        records = []
        for spec, value in zip(specs, items, strict=True):
            code = self._write_item(spec, value, client_address)
            codes.append(code)
            word_len = spec.get("word_len", 0)
            records.append(
                WriteRecord(
                    area=area_name(spec.get("area", 0)),
                    db=spec.get("db_number", 0) if spec.get("area") == S7Area.DB else 0,
                    start=spec.get("start", 0),
                    bit=spec.get("bit"),
                    data=value,
                    transport=_transport_name(word_len),
                    ok=code == RC_SUCCESS,
                )
            )
        self.stats.record_writes(records)
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
        if key[0] == S7Area.DB and key[1] in self.protected_dbs:
            return RC_ACCESS_DENIED
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
            data = bytearray(struct.pack(">HH", _ID_RECORD_LEN, len(ID_FIELDS)))
            for field, index, _size in ID_FIELDS:
                text = self.identity.get(field, b"")
                data += struct.pack(">H", index) + text.ljust(_ID_RECORD_LEN - 2, b"\x00")
            return bytes(data)
        if szl_id == 0x0424:  # current mode: record byte 3 is the state (8 RUN, 4 STOP)
            record = struct.pack(">HBB", 0x4302, 0xFF, int(self.cpu_state)) + bytes(8)
            return struct.pack(">HH", 20, 1) + record + _s7_timestamp(self.started_at)
        if szl_id == 0x0131:  # communication parameters: report our PDU, not a fixed 480
            return struct.pack(">HHHH", self.pdu_length, 32, 12, 12)
        return super()._get_szl_data(szl_id, szl_index)
