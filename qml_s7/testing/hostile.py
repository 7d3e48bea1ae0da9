"""A hostile fake S7 PLC on 127.0.0.1, and a seeded fuzzer that drives a Worker against it.

:class:`HostilePLC` is a real TCP server on loopback. It speaks enough S7 to be a believable
PLC: a COTP connection confirm, a Setup Communication answer, Read Var, Write Var and SZL
(0x001C identity, 0x0424 CPU state) answers. Each answer can be replaced by a *mutation* of
itself, chosen per request kind (``"cr"``, ``"setup"``, ``"read"``, ``"write"``, ``"szl"``):
truncated, oversized, mis-typed, random, late, trickled, cut off ... (see :data:`MUTATIONS`).
Everything it does is decided by seeded ``random.Random`` instances, so a case is reproducible
from its seed.

:func:`fuzz_worker` drives a real :class:`qml_s7.link.worker.Worker` thread against a HostilePLC for
thousands of seeded cases and checks each one: the job ends (a value or an error) within its
timeout, a mutation that must fail gives an error (never a wrong value or a confirmed write),
the thread survives, and the link comes back once the PLC answers honestly again.

Test code only: no Qt event loop is needed for that (the Worker's signals are taken directly).

The helpers at the end serve tests/test_faults.py and bench/faults.py alike: a GUI-thread
stall meter, a ledger of the writes made through one S7Variable and its audit against what
the PLC logged, a thread that power-cycles a simulator, and the quit-in-the-middle script.
"""

from __future__ import annotations

import contextlib
import itertools
import queue
import random
import socket
import struct
import textwrap
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import Qt, QTimer

from qml_s7.core.address import Address, parse_address
from qml_s7.core.codec import ByteOrder, decode
from qml_s7.core.errors import Failure
from qml_s7.core.jobs import UNCHANGED, ReadJob, ReadResult, WriteJob, WriteResult
from qml_s7.link.machine import LinkParams, LinkState
from qml_s7.link.worker import Worker

HOST = "127.0.0.1"
PDU_LENGTH = 480

# -- frames ----------------------------------------------------------------------------------
_ACK_DATA = 0x03
_USERDATA = 0x07
_TS_WIDTH = {0x01: 1, 0x02: 1, 0x03: 1, 0x04: 2, 0x05: 2, 0x06: 4, 0x07: 4, 0x08: 4}


def tpkt(payload: bytes) -> bytes:
    """A TPKT frame (RFC 1006) around ``payload``."""
    return struct.pack(">BBH", 3, 0, len(payload) + 4) + payload


def cotp_dt(s7: bytes) -> bytes:
    """A complete TPKT + COTP data frame carrying the S7 PDU ``s7``."""
    return tpkt(b"\x02\xf0\x80" + s7)


_STRING_AT = (0x84, 3, 20)  # DB3.DBB20: a STRING[6] holding "abc"
_STRING = b"\x06\x03abc\x00\x00\x00"


def memory_byte(area: int, db: int, offset: int) -> int:
    """The content of the hostile PLC's memory: a fixed pattern, so reads can be checked."""
    if (area, db) == _STRING_AT[:2] and 0 <= offset - _STRING_AT[2] < len(_STRING):
        return _STRING[offset - _STRING_AT[2]]
    return (offset * 7 + db * 13 + area) & 0xFF


def expected_bytes(area: int, db: int, start: int, size: int) -> bytes:
    return bytes(memory_byte(area, db, start + i) for i in range(size))


@dataclass(frozen=True)
class Request:
    """One request as the hostile PLC understood it."""

    kind: str  # "cr", "setup", "read", "write", "szl", "other"
    frame: bytes  # the whole TPKT frame received
    sequence: int = 0
    items: tuple[tuple[int, int, int, int, int], ...] = ()  # (ts, count, db, area, bit address)
    szl_id: int = 0
    group: int = 0
    subfunction: int = 0
    data: bytes = b""


def parse_request(frame: bytes) -> Request:
    """Classify a TPKT frame from the client."""
    if len(frame) < 7:
        return Request("other", frame)
    if frame[5] == 0xE0:
        return Request("cr", frame)
    s7 = frame[7:]
    if len(s7) < 10 or s7[0] != 0x32:
        return Request("other", frame)
    pdu_type, sequence, plen, dlen = s7[1], *struct.unpack(">HHH", s7[4:10])
    params = s7[10 : 10 + plen]
    data = s7[10 + plen : 10 + plen + dlen]
    if pdu_type == 0x01 and params:
        function = params[0]
        if function == 0xF0:
            return Request("setup", frame, sequence)
        if function in (0x04, 0x05) and len(params) >= 2:
            items = []
            for i in range(params[1]):
                spec = params[2 + 12 * i : 14 + 12 * i]
                if len(spec) < 12:
                    break
                ts, count, db, area = spec[3], *struct.unpack(">HH", spec[4:8]), spec[8]
                address = int.from_bytes(spec[9:12], "big")
                items.append((ts, count, db, area, address))
            kind = "read" if function == 0x04 else "write"
            return Request(kind, frame, sequence, tuple(items), data=bytes(data))
    if pdu_type == _USERDATA and len(params) >= 8:
        group, subfunction = params[5] & 0x0F, params[6]
        szl_id = struct.unpack(">H", data[4:6])[0] if len(data) >= 6 else 0
        kind = "szl" if group == 4 and subfunction == 1 else "other"
        return Request(kind, frame, sequence, (), szl_id, group, subfunction)
    return Request("other", frame, sequence)


def connection_confirm(request: Request) -> bytes:
    """A COTP connection confirm for a connection request (TPDU size 1024, TSAPs echoed)."""
    src_ref = struct.unpack(">H", request.frame[8:10])[0] if len(request.frame) >= 10 else 1
    params = b"\xc0\x01\x0a"
    body = struct.pack(">BHHB", 0xD0, src_ref, 0x0001, 0) + params
    return tpkt(bytes([len(body)]) + body)


def setup_answer(request: Request, pdu_length: int = PDU_LENGTH) -> bytes:
    header = struct.pack(">BBHHHHBB", 0x32, _ACK_DATA, 0, request.sequence, 8, 0, 0, 0)
    return cotp_dt(header + struct.pack(">BBHHH", 0xF0, 0, 1, 1, pdu_length))


def read_answer(request: Request) -> bytes:
    data = bytearray()
    for i, (ts, count, db, area, address) in enumerate(request.items):
        if ts == 0x01:  # bit transport: one bit, sent as one byte, length counted in bits
            value = bytes([memory_byte(area, db, address >> 3) >> (address & 7) & 1])
            item = struct.pack(">BBH", 0xFF, 0x03, 1) + value
        else:
            size = _TS_WIDTH.get(ts, 1) * count
            value = expected_bytes(area, db, address >> 3, size)
            item = struct.pack(">BBH", 0xFF, 0x04, size * 8) + value
        data += item
        if i < len(request.items) - 1 and len(item) % 2:
            data.append(0)
    header = struct.pack(">BBHHHHBB", 0x32, _ACK_DATA, 0, request.sequence, 2, len(data), 0, 0)
    return cotp_dt(header + bytes([0x04, len(request.items)]) + bytes(data))


def write_answer(request: Request) -> bytes:
    count = len(request.items)
    header = struct.pack(">BBHHHHBB", 0x32, _ACK_DATA, 0, request.sequence, 2, count, 0, 0)
    return cotp_dt(header + bytes([0x05, count]) + b"\xff" * count)


def _szl_payload(szl_id: int) -> bytes:
    if szl_id == 0x001C:
        fields = [(1, b"HOSTILE"), (2, b"CPU 1516-3 PN/DP"), (3, b""), (4, b"Original Siemens")]
        fields += [(5, b"S HOSTILE0001"), (7, b"CPU 1516-3 PN/DP")]
        records = b"".join(struct.pack(">H", i) + t.ljust(32, b"\x00") for i, t in fields)
        return struct.pack(">HH", 34, len(fields)) + records
    if szl_id == 0x0424:
        record = struct.pack(">HBB", 0x4302, 0xFF, 8) + bytes(16)
        return struct.pack(">HH", 20, 1) + record
    return struct.pack(">HH", 2, 0)


def szl_answer(request: Request) -> bytes:
    payload = struct.pack(">HH", request.szl_id, 0) + _szl_payload(request.szl_id)
    params = bytes([0x00, 0x01, 0x12, 0x08, 0x12, 0x84, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00])
    data = struct.pack(">BBH", 0xFF, 0x09, len(payload)) + payload
    header = struct.pack(">BBHHHH", 0x32, _USERDATA, 0, request.sequence, len(params), len(data))
    return cotp_dt(header + params + data)


def honest_answer(request: Request) -> bytes | None:
    """What a well-behaved PLC answers (None: nothing, for requests it does not know)."""
    if request.kind == "cr":
        return connection_confirm(request)
    if request.kind == "setup":
        return setup_answer(request)
    if request.kind == "read":
        return read_answer(request)
    if request.kind == "write":
        return write_answer(request)
    if request.kind == "szl":
        return szl_answer(request)
    return None


# -- mutations -------------------------------------------------------------------------------
# A mutation turns the honest answer into a list of steps the connection carries out:
# ("send", bytes), ("wait", seconds), ("trickle", bytes, interval, endless), ("close",).
Step = tuple


@dataclass(frozen=True)
class Mutation:
    """A named way to spoil an answer; ``must_fail``: the client must report an error."""

    name: str
    must_fail: bool
    may_alter: bool  # the client may see a (different) value instead of an error
    build: Callable[[Request, bytes, random.Random, float], list[Step]]
    slow: bool = False  # ends only by the client's timeout


def _s7_offsets(frame: bytes) -> tuple[int, int, int]:
    """(start of the S7 header, of its parameters, of its data) in a COTP DT frame."""
    s7 = 7
    header = 10 if frame[s7 + 1] == _USERDATA else 12
    plen = struct.unpack(">H", frame[s7 + 6 : s7 + 8])[0]
    return s7, s7 + header, s7 + header + plen


def _retpkt(frame: bytes | bytearray) -> bytes:
    """``frame`` with its TPKT length fixed to its real length."""
    return bytes(frame[:2]) + struct.pack(">H", len(frame)) + bytes(frame[4:])


def _other(rng: random.Random, old: int, bits: int = 8) -> int:
    while True:
        value = rng.randrange(1 << bits)
        if value != old:
            return value


def _set(frame: bytes, index: int, value: int) -> bytes:
    out = bytearray(frame)
    out[index] = value
    return bytes(out)


def _truncated(req: Request, frame: bytes, rng: random.Random, t: float) -> list[Step]:
    cut = rng.randrange(7, len(frame))  # keep TPKT + COTP, cut inside the S7 PDU
    return [("send", _retpkt(frame[:cut]))]


def _short_frame(req: Request, frame: bytes, rng: random.Random, t: float) -> list[Step]:
    return [("send", frame[: rng.randrange(1, len(frame))])]  # and then nothing


def _close_mid_frame(req: Request, frame: bytes, rng: random.Random, t: float) -> list[Step]:
    return [("send", frame[: rng.randrange(1, len(frame))]), ("close",)]


def _oversized_tpkt(req: Request, frame: bytes, rng: random.Random, t: float) -> list[Step]:
    declared = min(0xFFFF, len(frame) + rng.choice([1, 2, 7, 100, 1000, 0xFFFF]))
    return [("send", frame[:2] + struct.pack(">H", declared) + frame[4:])]


def _huge_frame(req: Request, frame: bytes, rng: random.Random, t: float) -> list[Step]:
    filler = rng.randbytes(0xFFFF - len(frame))
    return [("send", _retpkt(frame + filler))]


def _undersized_tpkt(req: Request, frame: bytes, rng: random.Random, t: float) -> list[Step]:
    declared = rng.randrange(0, len(frame))
    return [("send", frame[:2] + struct.pack(">H", declared) + frame[4:])]


def _tpkt_version(req: Request, frame: bytes, rng: random.Random, t: float) -> list[Step]:
    return [("send", _set(frame, 0, _other(rng, 3)))]


def _cotp_header(req: Request, frame: bytes, rng: random.Random, t: float) -> list[Step]:
    if req.kind == "cr":  # a connection confirm of another TPDU type
        return [("send", _set(frame, 5, _other(rng, 0xD0)))]
    which = rng.randrange(3)
    if which == 0:
        value = _other(rng, 2)
    elif which == 1:
        value = _other(rng, 0xF0)
    else:
        value = 0x80 | rng.randrange(1, 0x80)  # a TPDU number class 0 does not have
    return [("send", _set(frame, 4 + which, value))]


def _protocol_id(req: Request, frame: bytes, rng: random.Random, t: float) -> list[Step]:
    return [("send", _set(frame, 7, _other(rng, 0x32)))]


def _pdu_type(req: Request, frame: bytes, rng: random.Random, t: float) -> list[Step]:
    old = frame[8]
    choices = [v for v in range(256) if v not in (0x02, 0x03) and v != old]
    if old == _USERDATA:  # a userdata answer as an ACK_DATA reads its header wrongly
        choices = [v for v in range(256) if v != old]
    return [("send", _set(frame, 8, rng.choice(choices)))]


def _header_error(req: Request, frame: bytes, rng: random.Random, t: float) -> list[Step]:
    if frame[8] == _USERDATA:
        _, params, _ = _s7_offsets(frame)
        code = rng.randrange(1, 0x10000)
        out = bytearray(frame)
        out[params + 10 : params + 12] = struct.pack(">H", code)
        return [("send", bytes(out))]
    out = bytearray(frame)
    out[17:19] = struct.pack(">H", rng.randrange(1, 0x10000))
    return [("send", bytes(out))]


def _sequence(req: Request, frame: bytes, rng: random.Random, t: float) -> list[Step]:
    old = struct.unpack(">H", frame[11:13])[0]
    out = bytearray(frame)
    out[11:13] = struct.pack(">H", _other(rng, old, 16))
    return [("send", bytes(out))]


def _function(req: Request, frame: bytes, rng: random.Random, t: float) -> list[Step]:
    _, params, _ = _s7_offsets(frame)
    if frame[8] == _USERDATA:  # group or subfunction
        index = params + rng.choice([5, 6])
        return [("send", _set(frame, index, _other(rng, frame[index])))]
    return [("send", _set(frame, params, _other(rng, frame[params])))]


def _item_count(req: Request, frame: bytes, rng: random.Random, t: float) -> list[Step]:
    _, params, _ = _s7_offsets(frame)
    if req.kind == "setup":  # no items: an odd negotiated PDU length instead
        pdu = rng.choice([0, 1, 63, 64, 100, 239, 241, 960, 4096, 0xFFFF])
        return [("send", frame[: params + 6] + struct.pack(">H", pdu) + frame[params + 8 :])]
    if frame[8] == _USERDATA:  # the last-data-unit flag instead: more fragments, or junk
        return [("send", _set(frame, params + 9, _other(rng, 0)))]
    return [("send", _set(frame, params + 1, _other(rng, frame[params + 1])))]


def _return_code(req: Request, frame: bytes, rng: random.Random, t: float) -> list[Step]:
    _, _, data = _s7_offsets(frame)
    if data >= len(frame):  # no data section (a setup answer): an error header instead
        return _header_error(req, frame, rng, t)
    return [("send", _set(frame, data, _other(rng, 0xFF)))]


def _transport_size(req: Request, frame: bytes, rng: random.Random, t: float) -> list[Step]:
    _, _, data = _s7_offsets(frame)
    if len(frame) <= data + 1:  # a write ack has no transport size: spoil its code instead
        return _return_code(req, frame, rng, t)
    return [("send", _set(frame, data + 1, _other(rng, frame[data + 1])))]


def _length_unit(req: Request, frame: bytes, rng: random.Random, t: float) -> list[Step]:
    """A transport size that counts bytes where the length counts bits, or the reverse."""
    _, _, data = _s7_offsets(frame)
    if len(frame) <= data + 1:
        return _return_code(req, frame, rng, t)
    old = frame[data + 1]
    value = rng.choice([0x03, 0x07, 0x09]) if old in (0x04, 0x05) else rng.choice([0x04, 0x05])
    return [("send", _set(frame, data + 1, value))]


def _item_length(req: Request, frame: bytes, rng: random.Random, t: float) -> list[Step]:
    _, _, data = _s7_offsets(frame)
    if len(frame) < data + 4:
        return _return_code(req, frame, rng, t)
    old = struct.unpack(">H", frame[data + 2 : data + 4])[0]
    out = bytearray(frame)
    out[data + 2 : data + 4] = struct.pack(">H", _other(rng, old, 16))
    return [("send", bytes(out))]


def _section_length(req: Request, frame: bytes, rng: random.Random, t: float) -> list[Step]:
    index = 7 + rng.choice([6, 8])  # parameter length or data length
    old = struct.unpack(">H", frame[index : index + 2])[0]
    out = bytearray(frame)
    out[index : index + 2] = struct.pack(">H", _other(rng, old, 16))
    return [("send", bytes(out))]


def _junk_inside(req: Request, frame: bytes, rng: random.Random, t: float) -> list[Step]:
    return [("send", _retpkt(frame + rng.randbytes(rng.randrange(1, 64))))]


def _junk_after(req: Request, frame: bytes, rng: random.Random, t: float) -> list[Step]:
    return [("send", frame + rng.randbytes(rng.randrange(1, 64)))]


def _random_payload(req: Request, frame: bytes, rng: random.Random, t: float) -> list[Step]:
    return [("send", cotp_dt(rng.randbytes(rng.randrange(0, 300))))]


def _random_bytes(req: Request, frame: bytes, rng: random.Random, t: float) -> list[Step]:
    return [("send", rng.randbytes(rng.randrange(1, 300)))]


def _bitflip(req: Request, frame: bytes, rng: random.Random, t: float) -> list[Step]:
    out = bytearray(frame)
    for _ in range(rng.randrange(1, 4)):
        out[rng.randrange(len(out))] ^= 1 << rng.randrange(8)
    return [("send", bytes(out))]


def _trickle(req: Request, frame: bytes, rng: random.Random, t: float) -> list[Step]:
    # every byte well within the timeout, the whole answer well beyond it
    return [("trickle", frame, 0.4 * t, False)]


def _endless_trickle(req: Request, frame: bytes, rng: random.Random, t: float) -> list[Step]:
    return [("trickle", b"\x03\x00\xff\xff\x02\xf0\x80" + rng.randbytes(64), 0.4 * t, True)]


def _silence(req: Request, frame: bytes, rng: random.Random, t: float) -> list[Step]:
    return []


def _delayed(req: Request, frame: bytes, rng: random.Random, t: float) -> list[Step]:
    return [("wait", 1.5 * t), ("send", frame)]


def _duplicate(req: Request, frame: bytes, rng: random.Random, t: float) -> list[Step]:
    return [("send", frame + frame)]


def _empty(req: Request, frame: bytes, rng: random.Random, t: float) -> list[Step]:
    return [("send", cotp_dt(b""))]


def _close(req: Request, frame: bytes, rng: random.Random, t: float) -> list[Step]:
    return [("close",)]


def _wrong_answer(req: Request, frame: bytes, rng: random.Random, t: float) -> list[Step]:
    """The answer to a different kind of request, with the right sequence number."""
    fake_items = ((0x02, 2, 1, 0x84, 0),)
    others = {
        "read": Request("read", frame, req.sequence, fake_items),
        "write": Request("write", frame, req.sequence, fake_items),
        "szl": Request("szl", frame, req.sequence, szl_id=0x0424),
        "setup": Request("setup", frame, req.sequence),
    }
    kind = rng.choice([k for k in others if k != req.kind])
    return [("send", honest_answer(others[kind]))]


def _m(name, build, must_fail=True, may_alter=False, slow=False) -> Mutation:
    return Mutation(name, must_fail, may_alter, build, slow)


MUTATIONS: dict[str, Mutation] = {
    m.name: m
    for m in (
        _m("truncated", _truncated),
        _m("short_frame", _short_frame, slow=True),
        _m("close_mid_frame", _close_mid_frame),
        _m("oversized_tpkt", _oversized_tpkt, slow=True),
        _m("huge_frame", _huge_frame),
        _m("undersized_tpkt", _undersized_tpkt),
        _m("tpkt_version", _tpkt_version),
        _m("cotp_header", _cotp_header),
        _m("protocol_id", _protocol_id),
        _m("pdu_type", _pdu_type),
        _m("header_error", _header_error),
        _m("sequence", _sequence),
        _m("function", _function),
        _m("item_count", _item_count),
        _m("return_code", _return_code),
        _m("transport_size", _transport_size, must_fail=False, may_alter=True),
        _m("length_unit", _length_unit),
        _m("item_length", _item_length),
        _m("section_length", _section_length),
        _m("junk_inside", _junk_inside),
        _m("junk_after", _junk_after, must_fail=False),
        _m("random_payload", _random_payload),
        _m("random_bytes", _random_bytes),
        _m("bitflip", _bitflip, must_fail=False, may_alter=True),
        _m("trickle", _trickle, slow=True),
        _m("endless_trickle", _endless_trickle, slow=True),
        _m("silence", _silence, slow=True),
        _m("delayed", _delayed, slow=True),
        _m("duplicate", _duplicate, must_fail=False),
        _m("empty", _empty),
        _m("close", _close),
        _m("wrong_answer", _wrong_answer),
    )
}
# Mutations that need an S7 PDU; a connection confirm (COTP only) gets the others.
_S7_ONLY = {
    "protocol_id", "pdu_type", "header_error", "sequence", "function", "item_count",
    "return_code", "transport_size", "length_unit", "item_length", "section_length",
}  # fmt: skip
# Spoilt answers a client may accept without harm, per request kind.
_HARMLESS = {
    "cr": {"truncated", "junk_inside", "junk_after", "bitflip", "duplicate", "huge_frame"},
    "setup": {"item_count"},  # an odd PDU length: clamped or refused by the read plan
}
# Spoilt items of a read: the read plan re-reads a failed merged block item by item, and the
# honest second answer may then give the right values (which are checked).
_ITEM_LEVEL = {"return_code", "length_unit", "item_length"}
# Write answers that are clean refusals (an error header, an item return code): the PLC did
# not write. Every other spoilt answer leaves the outcome unknown, and the text must say so.
_REFUSALS = {
    "header_error",
    "return_code",
    "transport_size",
    "length_unit",
    "item_length",
    "bitflip",
}
KINDS = ("read", "write", "szl", "identify", "setup", "cr")


def mutations_for(kind: str) -> list[str]:
    """The mutations that apply to answers of ``kind``."""
    return [name for name in MUTATIONS if kind != "cr" or name not in _S7_ONLY]


def must_fail(kind: str, name: str) -> bool:
    """Whether the client must report an error when the answer to ``kind`` is so spoilt."""
    if name == "honest" or kind in ("szl", "identify"):  # a spoilt keep-alive or identity
        return False  # may pass as a refusal
    if kind == "read" and name in _ITEM_LEVEL:  # a merged block is re-read item by item
        return False
    return MUTATIONS[name].must_fail and name not in _HARMLESS.get(kind, ())


@dataclass(frozen=True)
class Armed:
    """A mutation waiting for the next request of its kind."""

    mutation: Mutation
    seed: int
    first_connection: int = 0  # only connections from this number on take it


# -- the server ------------------------------------------------------------------------------
class HostilePLC:
    """A fake S7 PLC on 127.0.0.1 whose answers are spoilt on demand.

    ``arm(kind, name, seed)`` spoils the next answer to a request of ``kind``; ``policy`` (a
    callable ``(Request) -> (Mutation, seed) | None``) may spoil others. ``timeout`` is the
    client's request timeout in seconds: slow mutations pace themselves by it.
    """

    def __init__(self, timeout: float = 0.5, port: int = 0) -> None:
        self.timeout = timeout
        self._listener = socket.create_server((HOST, port))
        self.port: int = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._armed: dict[str, deque[Armed]] = {}
        self.policy: Callable[[Request], tuple[Mutation, int] | None] | None = None
        self.requests: Counter[str] = Counter()
        self.received: list[tuple[float, Request]] = []  # arrival time, request
        self.log: list[tuple[str, str, int]] = []  # (kind, mutation or "honest", seed)
        self.spoilt = 0  # answers spoilt so far
        self.answered = 0  # requests answered so far
        self.connections = 0
        self.writes: list[tuple[bytes, str]] = []  # data of each write, how it was answered
        self.keep_log = True  # keep ``received``, ``log`` and ``writes``
        self._closing = threading.Event()
        self._sockets: set[socket.socket] = set()
        self._threads: list[threading.Thread] = []
        self._accept = threading.Thread(target=self._serve, name="hostile-plc", daemon=True)
        self._accept.start()

    # -- control ---------------------------------------------------------------------------
    def arm(self, kind: str, name: str, seed: int, new_connection: bool = False) -> None:
        """Spoil the next answer to ``kind`` (on a connection accepted from now on, if so told:
        a connection the client already gave up may still be answering its last request)."""
        with self._lock:
            first = self.connections + 1 if new_connection else 0
            self._armed.setdefault(kind, deque()).append(Armed(MUTATIONS[name], seed, first))

    def disarm(self) -> None:
        with self._lock:
            self._armed.clear()

    def drop_connections(self) -> None:
        """Cut every established connection (the listener stays)."""
        with self._lock:
            sockets = list(self._sockets)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        self._closing.set()
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)
        self._listener.close()
        self.drop_connections()
        self._accept.join(timeout=5)
        for thread in list(self._threads):
            thread.join(timeout=5)

    def __enter__(self) -> HostilePLC:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- serving ---------------------------------------------------------------------------
    def _serve(self) -> None:
        while not self._closing.is_set():
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self._lock:
                self._sockets.add(conn)
                self.connections += 1
                self._threads = [t for t in self._threads if t.is_alive()]
                number = self.connections
                thread = threading.Thread(target=self._handle, args=(conn, number), daemon=True)
                self._threads.append(thread)
            thread.start()

    def _handle(self, conn: socket.socket, number: int) -> None:
        try:
            while not self._closing.is_set():
                frame = _recv_frame(conn)
                if frame is None:
                    return
                request = parse_request(frame)
                if not self._answer(conn, request, number):
                    return
        except OSError:
            return
        finally:
            with self._lock:
                self._sockets.discard(conn)
            with contextlib.suppress(OSError):
                conn.close()

    def _choose(self, request: Request, number: int) -> tuple[Mutation, int] | None:
        with self._lock:
            armed = self._armed.get(request.kind)
            if armed and armed[0].first_connection <= number:
                choice = armed.popleft()
                return choice.mutation, choice.seed
        policy = self.policy
        return policy(request) if policy is not None else None

    def _answer(self, conn: socket.socket, request: Request, number: int) -> bool:
        """Answer ``request``; False once the connection is to be closed."""
        with self._lock:
            self.requests[request.kind] += 1
            if self.keep_log:
                self.received.append((time.monotonic(), request))
        honest = honest_answer(request)
        if honest is None:
            return True
        chosen = self._choose(request, number)
        with self._lock:
            self.answered += 1
            self.spoilt += chosen is not None
            if self.keep_log:
                name = chosen[0].name if chosen else "honest"
                self.log.append((request.kind, name, chosen[1] if chosen else 0))
            if request.kind == "write" and self.keep_log:
                self.writes.append((request.data[4:], chosen[0].name if chosen else "honest"))
        if chosen is None:
            conn.sendall(honest)
            return True
        mutation, seed = chosen
        steps = mutation.build(request, honest, random.Random(seed), self.timeout)
        for step in steps:
            if step[0] == "send":
                conn.sendall(step[1])
            elif step[0] == "wait":
                if self._closing.wait(step[1]):
                    return False
            elif step[0] == "trickle":
                self._trickle(conn, step[1], step[2], step[3])
            elif step[0] == "close":
                return False
        return True

    def _trickle(self, conn: socket.socket, data: bytes, interval: float, endless: bool) -> None:
        rng = random.Random(len(data))
        index = 0
        deadline = time.monotonic() + 120  # a safety net for a client that never gives up
        while not self._closing.is_set() and time.monotonic() < deadline:
            if index < len(data):
                chunk = data[index : index + 1]
            elif endless:
                chunk = rng.randbytes(1)
            else:
                return
            conn.sendall(chunk)  # raises once the client has closed the link
            index += 1
            if self._closing.wait(interval):
                return


class RandomPolicy:
    """Spoil a share of the answers to ``kinds`` with mutations from ``names``, seeded."""

    def __init__(
        self,
        seed: int,
        share: float,
        kinds: tuple[str, ...] = ("read", "write", "szl"),
        names: list[str] | None = None,
    ) -> None:
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self.share = share
        self.kinds = kinds
        self.names = names if names is not None else [n for n, m in MUTATIONS.items() if not m.slow]

    def __call__(self, request: Request) -> tuple[Mutation, int] | None:
        if request.kind not in self.kinds:
            return None
        with self._lock:
            if self._rng.random() >= self.share:
                return None
            return MUTATIONS[self._rng.choice(self.names)], self._rng.randrange(1 << 30)


def always(name: str, kinds: tuple[str, ...]) -> Callable[[Request], tuple[Mutation, int] | None]:
    """A policy that spoils every answer to ``kinds`` with mutation ``name``."""
    mutation = MUTATIONS[name]
    return lambda request: (mutation, 0) if request.kind in kinds else None


def _recv_exact(conn: socket.socket, size: int) -> bytes | None:
    data = bytearray()
    while len(data) < size:
        chunk = conn.recv(size - len(data))
        if not chunk:
            return None
        data += chunk
    return bytes(data)


def _recv_frame(conn: socket.socket) -> bytes | None:
    header = _recv_exact(conn, 4)
    if header is None or header[0] != 3:
        return None
    length = struct.unpack(">H", header[2:4])[0]
    body = _recv_exact(conn, max(0, length - 4))
    return None if body is None else header + body


# -- fuzzing a Worker ------------------------------------------------------------------------
READ_NAMES = ("DB1.DBW2:INT", "DB1.DBD8:REAL", "MB5", "DB2.DBX3.4", "QW6", "DB3.DBB20:STRING[6]")
WRITE_NAMES = ("DB1.DBW2:INT", "DB2.DBX3.4", "MB5", "DB1.DBD8:DINT")


@dataclass
class CaseResult:
    seed: int
    kind: str
    mutation: str
    outcome: str  # "error", "value", "confirmed", "connected", "wrong value", "hang"
    seconds: float
    detail: str = ""
    spoilt: bool = True  # the spoilt answer went out (a case may end before its request)


@dataclass
class FuzzReport:
    cases: list[CaseResult] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    frames: int = 0  # spoilt frames the worker received
    reconnects: int = 0

    @property
    def by_outcome(self) -> Counter[str]:
        return Counter(c.outcome for c in self.cases)

    @property
    def slowest(self) -> float:
        return max((c.seconds for c in self.cases), default=0.0)


class _Probe:
    """Collects what a Worker reports, directly on the worker thread."""

    def __init__(self, worker: Worker) -> None:
        self.results: queue.Queue[Any] = queue.Queue()
        self.state = LinkState.Unconnected
        self.connected = threading.Event()
        self.changed = threading.Event()
        self.failures = 0  # failures reported so far
        self.last_failure = ""
        self.connects = 0  # links established so far
        self.last_values: dict[int, Any] = {}  # per read key, the last value delivered
        direct = Qt.ConnectionType.DirectConnection
        worker.readDone.connect(self.results.put, direct)
        worker.writeDone.connect(self.results.put, direct)
        worker.stateChanged.connect(self._on_state, direct)
        worker.failed.connect(self._on_failure, direct)

    def _on_failure(self, failure: Failure) -> None:
        self.last_failure = failure.text
        self.failures += 1

    def _on_state(self, state: int) -> None:
        self.state = LinkState(state)
        if self.state == LinkState.Connected:
            self.connects += 1
            self.connected.set()
        else:
            self.connected.clear()
        self.changed.set()


def fuzz_cases(
    cases: int, seed: int, slow_share: float, slow_kinds: tuple[str, ...], sweep: bool
) -> list[tuple[str, str, int]]:
    """The (kind, mutation, case seed) of each case: a sweep of every pair, then random ones.

    The sweep covers every mutation for every kind (slow ones only for ``slow_kinds``); the
    random cases pick a kind, then a slow mutation with probability ``slow_share`` (only for
    ``slow_kinds``) or a fast one. Everything follows from ``seed``.
    """
    rng = random.Random(seed)
    plan: list[tuple[str, str, int]] = []
    if sweep:
        for kind in KINDS:
            for name in mutations_for(kind):
                if not MUTATIONS[name].slow or kind in slow_kinds:
                    plan.append((kind, name, rng.randrange(1 << 30)))
    while len(plan) < cases:
        kind = rng.choice(KINDS)
        slow = kind in slow_kinds and rng.random() < slow_share
        names = [n for n in mutations_for(kind) if MUTATIONS[n].slow == slow]
        plan.append((kind, rng.choice(names), rng.randrange(1 << 30)))
    return plan


def fuzz_worker(
    cases: int,
    seed: int = 1,
    *,
    timeout_ms: int = 300,
    slow_share: float = 0.05,
    slow_kinds: tuple[str, ...] = KINDS,
    sweep: bool = True,
    margin: float = 1.5,
    progress: Callable[[int, int], None] | None = None,
) -> FuzzReport:
    """Run seeded cases of a real Worker thread against a HostilePLC (see :func:`fuzz_cases`).

    Per case one answer is spoilt: a connection confirm (``cr``), a Setup Communication
    answer (``setup``), the CPU identity read while connecting (``identify``), a keep-alive
    (``szl``), a Read Var or a Write Var of a job. Checks per case: it ends within its timeout
    (plus ``margin``), a spoilt answer that must fail gives an error (never a value that is
    not in the PLC, never a confirmed write), the worker thread lives on. Finally the link
    must come back and read right from the PLC once it answers honestly.
    """
    report = FuzzReport()
    timeout = timeout_ms / 1000
    plc = HostilePLC(timeout=timeout)
    plc.keep_log = False  # memory stays flat over any number of cases
    worker = Worker()
    probe = _Probe(worker)
    params = LinkParams(
        HOST,
        plc.port,
        connect_timeout_ms=timeout_ms,
        request_timeout_ms=timeout_ms,
        auto_reconnect=False,
        keepalive_ms=3_600_000,
    )
    reads = [parse_address(n) for n in READ_NAMES]
    writes = [parse_address(n) for n in WRITE_NAMES]
    plan = fuzz_cases(cases, seed, slow_share, slow_kinds, sweep)
    worker.start()
    ticket = 0
    try:
        for i, (kind, name, case_seed) in enumerate(plan):
            if progress is not None:
                progress(i, len(plan))
            rng = random.Random(case_seed)
            connecting = kind in ("cr", "setup", "identify")
            if not connecting and not _ensure_link(worker, probe, params, report):
                report.problems.append(f"case {i}: no link to an honest PLC before {name}")
                break
            plc.arm("szl" if kind == "identify" else kind, name, case_seed, connecting)
            spoilt = plc.spoilt
            started = time.monotonic()
            if connecting:
                outcome, detail = _connect_case(worker, probe, params, timeout + margin)
            elif kind == "szl":
                outcome, detail = _keepalive_case(worker, probe, plc, params, timeout + margin)
            else:
                ticket += 1
                outcome, detail = _job_case(
                    worker, probe, kind, rng, reads, writes, ticket, timeout + margin
                )
            seconds = time.monotonic() - started
            used = plc.spoilt > spoilt
            report.cases.append(CaseResult(case_seed, kind, name, outcome, seconds, detail, used))
            where = f"case {i} ({kind}, {name}, seed {case_seed})"
            if outcome == "hang":
                report.problems.append(f"{where}: no end within {timeout + margin:.1f} s {detail}")
                break
            if seconds > timeout + margin:
                report.problems.append(f"{where}: took {seconds:.2f} s, timeout {timeout} s")
            if must_fail(kind, name) and outcome in ("value", "confirmed", "connected"):
                report.problems.append(f"{where}: a spoilt answer was accepted: {detail}")
            if kind == "write" and "refused" in detail and name not in _REFUSALS:
                report.problems.append(f"{where}: a garbled answer passed for a refusal: {detail}")
            if outcome == "wrong value" and not MUTATIONS[name].may_alter:
                report.problems.append(f"{where}: {detail}")
            if not worker.isRunning():
                report.problems.append(f"{where}: the worker thread died")
                break
            plc.disarm()
        # the link comes back once the PLC is honest, and reads what the PLC holds
        plc.disarm()
        if not _ensure_link(worker, probe, params, report):
            report.problems.append("no link to the honest PLC after the fuzzing")
        else:
            ticket += 1
            outcome, detail = _job_case(
                worker, probe, "read", random.Random(0), reads, writes, ticket, timeout + margin
            )
            if outcome != "value":
                report.problems.append(f"a read after the fuzzing failed: {outcome} {detail}")
    finally:
        if not worker.shutdown(10_000):
            report.problems.append("the worker did not stop")
        plc.close()
    report.frames = plc.spoilt
    return report


def _ensure_link(worker: Worker, probe: _Probe, params: LinkParams, report: FuzzReport) -> bool:
    if probe.state == LinkState.Connected:
        return True
    for _ in range(3):
        worker.connect_link(params)
        report.reconnects += 1
        if probe.connected.wait(5):
            return True
    return False


def _drain(probe: _Probe) -> None:
    with contextlib.suppress(queue.Empty):
        while True:
            probe.results.get_nowait()


def _connect_case(
    worker: Worker, probe: _Probe, params: LinkParams, limit: float
) -> tuple[str, str]:
    """Open a link while a handshake answer is spoilt: it fails, or connects to a usable PLC."""
    worker.disconnect_link()
    if not _wait_for(lambda: probe.state == LinkState.Unconnected, time.monotonic() + limit):
        return "hang", "(no disconnect)"
    _drain(probe)
    before, connects = probe.failures, probe.connects
    worker.connect_link(params)
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if probe.connects > connects:
            return "connected", "connected"
        if probe.failures > before and probe.state == LinkState.Unconnected:
            return "error", probe.last_failure
        time.sleep(0.0005)
    return "hang", f"(state {probe.state.name})"


def _keepalive_case(
    worker: Worker, probe: _Probe, plc: HostilePLC, params: LinkParams, limit: float
) -> tuple[str, str]:
    """The keep-alive (SZL 0x0424) meets a spoilt answer: the link lives on, or drops loudly."""
    before = probe.failures
    seen = plc.requests["szl"]
    worker.update_params(LinkParams(**{**_fields(params), "keepalive_ms": 1}))
    deadline = time.monotonic() + limit
    outcome, detail = "hang", ""
    while time.monotonic() < deadline:
        if probe.failures > before:
            outcome, detail = "error", probe.last_failure
            break
        if probe.state != LinkState.Connected:  # the failure follows the state change
            outcome, detail = "hang", "the link went down without an error"
            if _wait_for(lambda: probe.failures > before, deadline):
                outcome, detail = "error", probe.last_failure
            break
        if plc.requests["szl"] >= seen + 2:  # the spoilt one, and one more on the same link
            outcome, detail = "value", "the link lived on"
            break
        time.sleep(0.0005)
    worker.update_params(params)
    return outcome, detail


def _wait_for(condition: Callable[[], bool], deadline: float) -> bool:
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.0005)
    return True


def _fields(params: LinkParams) -> dict[str, Any]:
    return {name: getattr(params, name) for name in LinkParams.__dataclass_fields__}


def _job_case(worker, probe, kind, rng, reads, writes, ticket, limit) -> tuple[str, str]:
    _drain(probe)
    if kind == "read":
        # a stable key per address, as a client keeps them (the worker caches per key)
        keys = tuple(sorted(rng.sample(range(len(reads)), rng.randrange(1, len(reads) + 1))))
        addresses = tuple(reads[k] for k in keys)
        worker.read(_read_job(ticket, keys, addresses))
    else:
        address = rng.choice(writes)
        size = address.size
        payload = bytes([rng.randrange(2)]) if address.is_bit else rng.randbytes(size)
        worker.write(WriteJob(ticket, 1000, address, payload))
    deadline = time.monotonic() + limit
    parts: list[ReadResult] = []
    while True:  # a read comes in parts: collect them up to the final one
        try:
            result = probe.results.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            return "hang", f"({len(parts)} parts of a read came)" if parts else ""
        if isinstance(result, WriteResult):
            if result.failure is None:
                return "confirmed", "write confirmed"
            return "error", result.failure.text
        assert isinstance(result, ReadResult)
        parts.append(result)
        if getattr(result, "final", True):
            break
    pairs = _pairs(parts, keys)
    if pairs is None:
        return "wrong value", "the parts of a read do not hold each key once"
    failures = [v for _, v in pairs if isinstance(v, Failure)]
    for key, value in pairs:
        if isinstance(value, Failure):
            probe.last_values.pop(key, None)
    if failures:
        return "error", failures[0].text
    for (key, value), address in zip(pairs, addresses, strict=True):
        if value is UNCHANGED:  # the same bytes as the last good read of this key
            if key not in probe.last_values:
                return "wrong value", f"{address}: UNCHANGED, but never read before"
            value = probe.last_values[key]
        probe.last_values[key] = value
        raw = expected_bytes(int(address.area), address.db, address.start, address.size)
        want = decode(address, raw, ByteOrder.BigEndian)
        if value != want and value == value:  # NaN: != itself, and the same bytes anyway
            return "wrong value", f"{address} read {value!r}, the PLC holds {want!r}"
    return "value", "read the right values"


def _read_job(job: int, keys: tuple[int, ...], addresses: tuple[Address, ...]) -> ReadJob:
    """A ReadJob (its fields have grown over time: pass what this version has)."""
    fields = ReadJob.__dataclass_fields__
    extra = {"job": job} if "job" in fields else {}
    return ReadJob(keys=keys, addresses=addresses, byte_order=ByteOrder.BigEndian, **extra)


def _pairs(parts: list[ReadResult], keys: tuple[int, ...]) -> list[tuple[int, Any]] | None:
    """(key, value, UNCHANGED or Failure) in ``keys`` order from the parts of one read,
    whichever shape this version's ReadResult has; None when the parts do not hold each key
    once (a job that failed as a whole may repeat keys in its final part: its failure wins).
    """
    found: dict[int, Any] = {}
    for result in parts:
        values = getattr(result, "values", None)
        if values is not None:  # older shapes: one result with a value per key
            part_keys = getattr(result, "keys", None)
            pairs = list(values) if part_keys is None else list(zip(part_keys, values, strict=True))
            found.update(pairs)
            continue
        failures, changes = result.failures, result.changes
        for key in result.keys:
            if key in found and key not in failures:
                return None
            found[key] = failures.get(key, changes.get(key, UNCHANGED))
    if set(found) != set(keys):
        return None
    return [(key, found[key]) for key in keys]


# -- helpers for fault tests and bench/faults.py ---------------------------------------------
class StallMeter:
    """The largest gap between ticks of a 10 ms timer on the GUI thread."""

    def __init__(self) -> None:
        self.worst = 0.0
        self._last: float | None = None
        self._timer = QTimer()
        self._timer.setInterval(10)
        self._timer.timeout.connect(self._tick)

    def _tick(self) -> None:
        now = time.monotonic()
        if self._last is not None:
            self.worst = max(self.worst, now - self._last)
        self._last = now

    def __enter__(self) -> StallMeter:
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.stop()


class WriteLedger:
    """Every write issued through one S7Variable and how it ended, in order.

    The variable must not be polled (``enabled: false``): then each ``errorOccurred`` is the
    failure of a write. Outcomes arrive in the order the writes were made (one worker queue,
    queued signals), so the n-th outcome belongs to the n-th write.
    """

    def __init__(self, variable) -> None:
        self.variable = variable
        self.issued: list[int] = []
        self.outcomes: list[tuple[str, str]] = []
        variable.written.connect(lambda: self.outcomes.append(("confirmed", "")))
        variable.errorOccurred.connect(
            lambda: self.outcomes.append(("failed", variable.property("errorString")))
        )

    def issue(self, value: int) -> None:
        self.issued.append(value)
        self.variable.setProperty("data", value)

    @property
    def settled(self) -> bool:
        return len(self.outcomes) >= len(self.issued)

    def values(self, status: str, text: str = "") -> list[int]:
        return [
            value
            for value, (got, why) in zip(self.issued, self.outcomes, strict=False)
            if got == status and text in why
        ]


def audit_writes(ledger: WriteLedger, landed: list[int]) -> dict[str, int]:
    """Compare a ledger with ``landed``, the values the PLC logged as written, in order.

    Values are issued in increasing order. Every count after the first three must be zero:
    writes that never got an outcome (``lost``) or got two, confirmed writes the PLC does not
    have, writes the PLC has twice or out of the order they were made, and writes the PLC has
    that were reported as not written (only "its outcome is unknown" may have landed).
    """
    confirmed = set(ledger.values("confirmed"))
    unknown = set(ledger.values("failed", "outcome is unknown"))
    return {
        "issued": len(ledger.issued),
        "confirmed": len(confirmed),
        "failed": len(ledger.values("failed")),
        "lost": max(0, len(ledger.issued) - len(ledger.outcomes)),
        "reported twice": max(0, len(ledger.outcomes) - len(ledger.issued)),
        "confirmed, not in the PLC": len(confirmed - set(landed)),
        "landed twice": len(landed) - len(set(landed)),
        "out of order": sum(1 for a, b in itertools.pairwise(landed) if b < a),
        "in the PLC, reported not written": len(set(landed) - confirmed - unknown),
    }


def dint_log(sim: Any, db: int, start: int) -> list[int]:
    return [
        struct.unpack(">i", w.data)[0]
        for w in sim.stats.writes
        if w.ok and w.area == "DB" and w.db == db and w.start == start
    ]


def spread_names(count: int) -> list[str]:
    """INT variables 8 bytes apart over three DBs (so a cycle takes several requests)."""
    return [f"DB{1 + i % 3}.DBW{(i // 3) * 8}:INT" for i in range(count)]


class Outages(threading.Thread):
    """Stops and starts a simulator (seeded durations) until told to stop."""

    def __init__(self, sim: Any, seed: int, up=(0.2, 0.5), down=(0.1, 0.4)) -> None:
        super().__init__(daemon=True)
        self.sim, self.rng, self.up, self.down = sim, random.Random(seed), up, down
        self.done = threading.Event()
        self.count = 0

    def run(self) -> None:
        while not self.done.wait(self.rng.uniform(*self.up)):
            self.sim.stop()
            self.count += 1
            self.done.wait(self.rng.uniform(*self.down))
            self.sim.start()

    def finish(self) -> None:
        self.done.set()
        self.join(timeout=10)
        self.sim.start()


QUIT_SCRIPT = textwrap.dedent(  # argv[1]: the scenario
    """
    import json, os, sys, threading
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtCore import QTimer
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtQml import QQmlApplicationEngine
    import qml_s7
    from qml_s7.session.session import running_workers
    from qml_s7.testing.hostile import HostilePLC, always
    from qml_s7.simulator import Simulator

    scenario = sys.argv[1]
    app = QGuiApplication(sys.argv)
    sim = Simulator()
    sim.start()
    port, extra = sim.port, "pollInterval: 20"
    if scenario == "silence":
        plc = HostilePLC(timeout=60)
        plc.policy = always("silence", ("read", "write"))
        port, extra = plc.port, "pollInterval: 20; connectTimeout: 60000; requestTimeout: 60000"
    elif scenario == "hostile":
        plc = HostilePLC(timeout=60)
        plc.policy = always("endless_trickle", ("read",))
        port, extra = plc.port, "pollInterval: 20; requestTimeout: 60000"
    variables = "".join(
        'S7Variable {{ name: "DB1.DBD%d:DINT" }}\\n' % (4 * j) for j in range(50)
    )
    engine = QQmlApplicationEngine()
    engine.loadData(
        b'import QtQml\\nimport QmlS7\\nS7Client {{ hostname: "127.0.0.1"; port: %d; %s\\n%s}}'
        % (port, extra.encode(), variables.encode())
    )
    client = engine.rootObjects()[0]
    vs = client.childObjects()

    def strike():
        if scenario == "restart":
            sim.stop()
            QTimer.singleShot(300, sim.start)
            QTimer.singleShot(150, app.quit)  # while reconnecting
        elif scenario == "outage":
            for i in range(3000):
                vs[i % len(vs)].setProperty("data", i)
            sim.stop()
            QTimer.singleShot(0, app.quit)  # with writes queued and the link breaking
        else:
            QTimer.singleShot(300, app.quit)  # while a request hangs

    client.connectedChanged.connect(lambda: client.property("connected") and strike())
    QTimer.singleShot(20000, lambda: os._exit(3))  # never reached in a clean run
    code = app.exec()
    leaks = {{
        "workers": running_workers(),
        "threads": [
            t.name for t in threading.enumerate()
            if t is not threading.main_thread() and not t.daemon
            and not isinstance(t, threading._DummyThread)
        ],
    }}
    print("LEAKS " + json.dumps(leaks), flush=True)
    sys.exit(code)
    """
)
