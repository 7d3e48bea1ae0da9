"""The decode compiled per reply layout equals the codec's, value for value (seeded, no network)."""

from __future__ import annotations

import math
import random
import struct
from collections.abc import Iterator

import pytest
from snap7.type import Area

from qml_s7.core.address import Address, parse_address
from qml_s7.core.codec import ByteOrder, decode, decoder, encode
from qml_s7.core.jobs import ReadJob, ReadResult
from qml_s7.core.replydecode import CompiledReply, compiled_type, raw_key
from qml_s7.link.executor import Executor
from qml_s7.link.machine import LinkParams
from qml_s7.simulator import Simulator

BE, LE = ByteOrder.BigEndian, ByteOrder.LittleEndian
BOTH = pytest.mark.parametrize("order", [BE, LE], ids=["big", "little"])
SIZES = {"BYTE": 1, "USINT": 1, "SINT": 1, "WORD": 2, "UINT": 2, "INT": 2, "DWORD": 4}
SIZES |= {"UDINT": 4, "DINT": 4, "TIME": 4, "REAL": 4, "LWORD": 8, "ULINT": 8, "LINT": 8}
SIZES |= {"LREAL": 8, "BOOL": 1}
FIXED = tuple(SIZES)
# decoded on a slice by the codec (their bytes must be valid: see valid_bytes)
SLICED = ("CHAR", "WCHAR", "DATE", "S5TIME", "TOD", "DT", "DTL", "STRING", "WSTRING")
# IEEE bit patterns worth a look: NaNs (quiet, signalling, negative), infinities, zeros,
# denormals, the largest finite values
REALS = ["7FC00000", "7F800001", "FFC00001", "7F800000", "FF800000", "00000000", "80000000"]
REALS += ["00000001", "807FFFFF", "7F7FFFFF", "3F8CCCCD"]
LREALS = ["7FF8000000000000", "7FF0000000000001", "FFF8000000000001", "7FF0000000000000"]
LREALS += ["FFF0000000000000", "0000000000000000", "8000000000000000", "0000000000000001"]
LREALS += ["800FFFFFFFFFFFFF", "7FEFFFFFFFFFFFFF"]


def same(a: object, b: object) -> bool:
    """Equal values of the same type; NaN equals NaN, -0.0 differs from 0.0."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        assert isinstance(b, float)
        return (math.isnan(a) and math.isnan(b)) or (
            a == b and math.copysign(1, a) == math.copysign(1, b)
        )
    return a == b


def fixed_address(datatype: str, start: int, rng: random.Random) -> Address:
    bit = rng.randrange(8) if datatype == "BOOL" else 0
    return Address(Area.DB, 1, start, bit, datatype)


def special(
    datatype: str, data: bytearray, start: int, order: ByteOrder, rng: random.Random
) -> None:
    """Put an IEEE special at ``start`` now and then (in the byte order's layout)."""
    patterns = {"REAL": REALS, "LREAL": LREALS}.get(datatype)
    if patterns is None or rng.random() < 0.5:
        return
    raw = bytes.fromhex(rng.choice(patterns))
    data[start : start + len(raw)] = raw[::-1] if order == LE else raw


def compile_for(addresses: list[Address], order: ByteOrder) -> CompiledReply:
    keys = list(range(len(addresses)))
    decoders = [decoder(a, order) for a in addresses]
    return CompiledReply(keys, addresses, [a.start for a in addresses], order, decoders)


def check_against_codec(addresses: list[Address], data: bytes, order: ByteOrder) -> None:
    compiled = compile_for(addresses, order)
    last: dict[int, object] = {}
    changes: dict[int, object] = {}
    assert compiled.decode(data, last, changes) == []
    assert sorted(changes) == list(range(len(addresses)))  # nothing read before: all new
    for key, address in enumerate(addresses):
        piece = data[address.start : address.start + address.size]
        want = decode(address, piece, order)
        assert same(changes[key], want), (address, piece.hex(), changes[key], want)
        raw = raw_key(address, order)
        assert last[key] == (piece if raw is None else raw(piece))  # one record, both paths
    again: dict[int, object] = {}
    assert compiled.decode(data, last, again) == [] and again == {}  # NaN included


@BOTH
@pytest.mark.parametrize("datatype", FIXED)
def test_each_fixed_type_decodes_like_the_codec(datatype: str, order: ByteOrder) -> None:
    rng = random.Random(f"{datatype} {order}")
    for _ in range(200):
        data = bytearray(rng.randbytes(64))
        addresses, start = [], rng.randrange(3)
        while start + SIZES[datatype] <= len(data):
            addresses.append(fixed_address(datatype, start, rng))
            special(datatype, data, start, order, rng)
            start += SIZES[datatype] + rng.randrange(3)
        check_against_codec(addresses, bytes(data), order)


@BOTH
def test_mixed_layouts_with_shared_bytes_and_overlaps_decode_like_the_codec(
    order: ByteOrder,
) -> None:
    rng = random.Random(f"mixed {order}")
    for _ in range(300):
        data = bytearray(rng.randbytes(96))
        addresses = []
        for _ in range(rng.randrange(1, 30)):
            datatype = rng.choice(FIXED)
            start = rng.randrange(len(data) - SIZES[datatype] + 1)  # overlaps are likely
            addresses.append(fixed_address(datatype, start, rng))
            special(datatype, data, start, order, rng)
        for bit in range(8):  # one byte of eight BOOLs: read once, a mask each
            addresses.append(Address(Area.DB, 1, 90, bit, "BOOL"))
        rng.shuffle(addresses)
        check_against_codec(addresses, bytes(data), order)


def valid_bytes(address: Address, order: ByteOrder, rng: random.Random) -> bytes:
    values = {
        "CHAR": "x",
        "WCHAR": "€",
        "DATE": "2024-03-27",
        "S5TIME": rng.choice([0, 12_300, 9_990_000]),
        "TOD": "12:30:15.5",
        "DT": "2020-07-12T17:32:02.854",
        "DTL": "2024-03-27T14:30:00.123456",
        "STRING": "hello",
        "WSTRING": "中文",
    }
    return encode(address, values[address.datatype], order)


@BOTH
def test_structured_types_between_fixed_ones_keep_their_codec(order: ByteOrder) -> None:
    rng = random.Random(f"sliced {order}")
    names = {"CHAR": "B", "WCHAR": "W", "DATE": "W", "S5TIME": "W", "TOD": "D", "DT": "B"}
    names |= {"DTL": "B", "STRING": "B", "WSTRING": "B"}
    for datatype in SLICED:
        data = bytearray(rng.randbytes(80))
        suffix = "[6]" if datatype.endswith("STRING") else ""
        sliced = parse_address(f"DB1.DB{names[datatype]}10:{datatype}{suffix}")
        data[10 : 10 + sliced.size] = valid_bytes(sliced, order, rng)
        fixed = [fixed_address(t, s, rng) for t, s in (("INT", 0), ("REAL", 4), ("LREAL", 60))]
        fixed.append(fixed_address("WORD", 12, rng))  # inside the sliced value: still unpacked
        check_against_codec([*fixed, sliced], bytes(data), order)


def test_only_what_changed_is_reported_and_nan_bytes_are_no_change() -> None:
    addresses = [
        parse_address("DB1.DBW0:INT"),
        parse_address("DB1.DBX2.0"),
        parse_address("DB1.DBX2.5"),
        parse_address("DB1.DBD4:REAL"),
        parse_address("DB1:8:LREAL"),
        parse_address("DB1.DBD4:DINT"),  # overlaps the REAL: decoded on a slice
        parse_address("DB1.DBB16:STRING[4]"),
    ]
    compiled = compile_for(addresses, BE)
    data = bytearray(24)
    data[4:8] = bytes.fromhex("7FC00001")  # a NaN
    data[8:16] = bytes.fromhex("7FF8000000000001")
    data[16:22] = encode(addresses[6], "ab")
    last: dict[int, object] = {}
    compiled.decode(bytes(data), last, {})

    def changes_after(offset: int, value: bytes) -> dict[int, object]:
        data[offset : offset + len(value)] = value
        changes: dict[int, object] = {}
        assert compiled.decode(bytes(data), last, changes) == []
        return changes

    assert changes_after(0, b"\x00\x00") == {}
    assert changes_after(2, b"\x20") == {2: True}  # bit 5 only; bit 0 stays False
    assert changes_after(2, b"\x21") == {1: True}
    assert changes_after(4, bytes.fromhex("7FC00001")) == {}  # the same NaN
    real = changes_after(4, bytes.fromhex("7FC00002"))  # another NaN: other bytes
    assert set(real) == {3, 5} and math.isnan(real[3])  # type: ignore[arg-type]
    assert changes_after(4, bytes(4)) == {3: 0.0, 5: 0}
    negative_zero = changes_after(4, bytes.fromhex("80000000"))
    assert set(negative_zero) == {3, 5} and math.copysign(1, negative_zero[3]) == -1  # type: ignore[arg-type]
    assert changes_after(8, bytes.fromhex("7FF8000000000001")) == {}
    assert changes_after(17, b"\x01") == {6: "a"}


def test_undecodable_sliced_values_are_reported_not_recorded() -> None:
    addresses = [parse_address("DB1.DBW0:INT"), parse_address("DB1.DBB2:STRING[4]")]
    compiled = compile_for(addresses, BE)
    last: dict[int, object] = {}
    changes: dict[int, object] = {}
    errors = compiled.decode(b"\x00\x07\x04\x09abcd", last, changes)  # 9 characters of 4
    assert changes == {0: 7} and [j for j, _ in errors] == [1] and 1 not in last


# -- the whole read path: the executor on a simulator ---------------------------------------


@pytest.fixture
def sim() -> Iterator[Simulator]:
    simulator = Simulator()
    simulator.start()
    yield simulator
    simulator.stop()


def layout(rng: random.Random, count: int) -> list[Address]:
    """Values of every kind over DB1 and M, with shared BOOL bytes, overlaps and gaps."""
    addresses = []
    for _ in range(count):
        datatype = rng.choice([*FIXED, *FIXED, *SLICED])
        area, db = rng.choice([(Area.DB, 1), (Area.DB, 2), (Area.MK, 0)])
        start = rng.randrange(0, 900, 2)
        bit = rng.randrange(8) if datatype == "BOOL" else 0
        length = 6 if datatype.endswith("STRING") else 0
        addresses.append(Address(area, db, start, bit, datatype, length))
    return list(dict.fromkeys(addresses))


def fill(sim: Simulator, addresses: list[Address], order: ByteOrder, rng: random.Random) -> None:
    for area, db in ((Area.DB, 1), (Area.DB, 2), (Area.MK, 0)):
        sim.write(int(area), 0, rng.randbytes(1000), db=db)
    for a in addresses:  # the structured values need valid bytes (later ones may spoil them)
        if not compiled_type(a.datatype):
            sim.write(int(a.area), a.start, valid_bytes(a, order, rng), db=a.db)


def collected(executor: Executor, job: ReadJob) -> tuple[dict[int, object], set[int]]:
    parts: list[ReadResult] = []
    parts.append(executor.read(job, parts.append))
    assert sorted(k for p in parts for k in p.keys) == sorted(job.keys)
    changes = {k: v for p in parts for k, v in p.changes.items()}
    return changes, {k for p in parts for k in p.failures}


@BOTH
def test_a_read_through_compiled_replies_equals_the_codec_per_value(
    sim: Simulator, order: ByteOrder
) -> None:
    rng = random.Random(f"executor {order}")
    executor = Executor()
    executor.open(LinkParams("127.0.0.1", sim.port))
    try:
        addresses = layout(rng, 400)
        keys = tuple(range(1000, 1000 + len(addresses)))
        job = ReadJob(1, keys, tuple(addresses), order)
        previous: dict[int, object] = {}
        previous_broken: set[int] = set()
        for cycle in range(4):
            fill(sim, addresses, order, rng)
            changes, failures = collected(executor, job)
            want: dict[int, object] = {}
            broken = set()
            for key, a in zip(keys, addresses, strict=True):
                piece = sim.read(int(a.area), a.start, a.size, db=a.db)
                try:
                    want[key] = decode(a, piece, order)
                except ValueError:
                    broken.add(key)
            assert failures == broken
            if cycle == 0:
                assert set(changes) == set(want)
            for key, value in changes.items():
                assert same(value, want[key]), (addresses[keys.index(key)], value, want[key])
            # unchanged keys really kept their value: compare with the previous cycle
            if cycle:
                for key in set(want) - set(changes) - previous_broken:
                    assert same(want[key], previous[key])
            previous, previous_broken = want, broken
    finally:
        executor.close()


def test_a_key_read_one_by_one_then_whole_is_no_change(sim: Simulator) -> None:
    """Both paths keep the same record per key: no change is reported when a key moves
    from a reply with a refused item (sliced) to a reply that came back whole."""
    executor = Executor()
    executor.open(LinkParams("127.0.0.1", sim.port))
    try:
        sim.write("DB", 0, struct.pack(">hf", 5, 1.5), db=1)
        word, real = parse_address("DB1.DBW0:INT"), parse_address("DB1.DBD2:REAL")
        missing = parse_address("DB9.DBW0:INT")  # no DB9: refused, the reply is not whole
        changes, failures = collected(executor, ReadJob(1, (1, 2, 3), (word, real, missing)))
        assert changes == {1: 5, 2: 1.5} and failures == {3}
        changes, failures = collected(executor, ReadJob(2, (1, 2), (word, real)))
        assert changes == {} and failures == set()
        sim.write("DB", 0, struct.pack(">h", 6), db=1)
        changes, failures = collected(executor, ReadJob(3, (1, 2, 3), (word, real, missing)))
        assert changes == {1: 6} and failures == {3}
    finally:
        executor.close()
