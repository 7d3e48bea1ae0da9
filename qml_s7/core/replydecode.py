"""A read reply decoded in one go: a ``struct.Struct`` compiled for where its values lie.

A :class:`CompiledReply` is built once per reply layout (a request of a read plan, see
:class:`~qml_s7.core.readplan.ReplyLayout`) and decodes every fixed-size value of a reply that
came back whole with one ``unpack_from`` over the reply's data: pad bytes between the fields,
one byte per distinct byte of BOOLs (each BOOL applies its bit mask). What does not fit one
flat struct keeps the codec's decoder on a slice of its own: variable-size and structured
types (STRING, WSTRING, CHAR, WCHAR, DATE, TOD, DT, DTL, S5TIME) and fields that overlap an
earlier one.

Change detection compares a key's *raw* value with its last one: the unpacked integer (REAL
and LREAL as their bit patterns, so NaN equals itself and -0.0 differs from 0.0; a BOOL as its
byte with the mask applied), or the bytes for the types decoded on a slice. Only what changed
is converted to its Python value. :func:`raw_key` gives the same raw value from a value's own
bytes, for the path that slices every value: both paths keep one kind of record per key.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Hashable, Sequence
from typing import Any

from .address import Address
from .codec import SWAPPED_TYPES, ByteOrder, shortest_real

# Fixed-size types one struct field decodes: their format (REAL, LREAL as raw bits).
_FORMATS: dict[str, str] = {
    "BOOL": "B",
    "BYTE": "B",
    "USINT": "B",
    "SINT": "b",
    "WORD": "H",
    "UINT": "H",
    "INT": "h",
    "DWORD": "I",
    "UDINT": "I",
    "DINT": "i",
    "TIME": "i",
    "LWORD": "Q",
    "ULINT": "Q",
    "LINT": "q",
    "REAL": "I",
    "LREAL": "Q",
}
_SIGNED = frozenset({"SINT", "INT", "DINT", "TIME", "LINT"})
_U64, _F64 = struct.Struct("<Q"), struct.Struct("<d")

Decoder = Callable[[bytes], Any]


def compiled_type(datatype: str) -> bool:
    """A type one struct field decodes (fixed size, no structure)."""
    return datatype in _FORMATS


def raw_key(address: Address, byte_order: ByteOrder) -> Callable[[bytes], Hashable] | None:
    """The raw value :class:`CompiledReply` compares, from ``address``'s own bytes; None for the
    types compared by their bytes."""
    datatype = address.datatype
    if datatype not in _FORMATS:
        return None
    if datatype == "BOOL":
        mask = 1 << address.bit
        return lambda data: data[0] & mask
    little = byte_order == ByteOrder.LittleEndian and datatype in SWAPPED_TYPES
    order = "little" if little else "big"
    signed = datatype in _SIGNED

    def key(data: bytes) -> int:
        return int.from_bytes(data, order, signed=signed)

    return key


def lreal(bits: int) -> float:
    """The float of an LREAL's raw bits."""
    return _F64.unpack(_U64.pack(bits))[0]


class CompiledReply:
    """Decodes the values of one reply layout (see the module doc).

    ``keys[j]`` is the key of the value whose bytes start at ``offsets[j]`` in a reply's data;
    ``addresses[j]`` its address; ``decoders[j]`` the codec's decoder for it, used for the
    values decoded on a slice.
    """

    __slots__ = ("bools", "keys", "lreals", "plain", "reals", "slow", "unpack")

    def __init__(
        self,
        keys: Sequence[int],
        addresses: Sequence[Address],
        offsets: Sequence[int],
        byte_order: ByteOrder,
        decoders: Sequence[Decoder],
    ) -> None:
        self.keys = tuple(keys)
        fields: list[str] = []
        end = 0  # where the last field ends
        last_field: tuple[int, str] | None = None  # (offset, format) of the last field
        plain: list[tuple[int, int]] = []  # (key, field)
        bools: list[tuple[int, int, int]] = []  # (key, field, mask)
        reals: list[tuple[int, int]] = []
        lreals: list[tuple[int, int]] = []
        slow: list[tuple[int, int, int, int, Callable[[bytes], Hashable] | None, Decoder]] = []
        for j in sorted(range(len(keys)), key=offsets.__getitem__):
            key, address, offset = keys[j], addresses[j], offsets[j]
            datatype = address.datatype
            fmt = _FORMATS.get(datatype)
            if fmt is not None and last_field == (offset, fmt):
                field = len(fields) - 1  # another BOOL of the same byte, or the same value
            elif fmt is not None and offset >= end:
                if offset > end:
                    fields.append(f"{offset - end}x")
                fields.append(fmt)
                field = len(fields) - 1
                end = offset + struct.calcsize(fmt)
                last_field = (offset, fmt)
            else:  # a structured type, or one that overlaps an earlier field
                raw = raw_key(address, byte_order)
                slow.append((key, j, offset, offset + address.size, raw, decoders[j]))
                continue
            if datatype == "BOOL":
                bools.append((key, field, 1 << address.bit))
            elif datatype == "REAL":
                reals.append((key, field))
            elif datatype == "LREAL":
                lreals.append((key, field))
            else:
                plain.append((key, field))
        # the pad fields ("3x") yield nothing: number the fields by what they yield
        index, shift = [], 0
        for i, f in enumerate(fields):
            index.append(i - shift)
            shift += f.endswith("x")
        self.plain = tuple((k, index[f]) for k, f in plain)
        self.bools = tuple((k, index[f], m) for k, f, m in bools)
        self.reals = tuple((k, index[f]) for k, f in reals)
        self.lreals = tuple((k, index[f]) for k, f in lreals)
        self.slow = tuple(slow)
        prefix = "<" if byte_order == ByteOrder.LittleEndian else ">"
        self.unpack = struct.Struct(prefix + "".join(fields)).unpack_from

    def decode(
        self, data: bytes, last: dict[int, Any], changes: dict[int, Any]
    ) -> list[tuple[int, Exception]]:
        """Decode a reply's ``data``: each key whose raw value differs from ``last`` gets its
        new raw value there and its value in ``changes``. Returns the values that could not
        be decoded on a slice, as (position in ``keys``, error); their keys are left alone.
        """
        values = self.unpack(data)
        get = last.get
        for key, field in self.plain:
            raw = values[field]
            if get(key) != raw:
                last[key] = changes[key] = raw
        for key, field, mask in self.bools:
            raw = values[field] & mask
            if get(key) != raw:
                last[key] = raw
                changes[key] = raw != 0
        for key, field in self.reals:
            raw = values[field]
            if get(key) != raw:
                last[key] = raw
                changes[key] = shortest_real(raw)
        for key, field in self.lreals:
            raw = values[field]
            if get(key) != raw:
                last[key] = raw
                changes[key] = lreal(raw)
        errors: list[tuple[int, Exception]] = []
        for key, j, lo, hi, raw_of, decode in self.slow:
            piece = data[lo:hi]
            raw = piece if raw_of is None else raw_of(piece)
            if get(key) == raw:
                continue
            try:
                value = decode(piece)
            except Exception as exc:  # the caller judges it (CodecError, or a bug)
                errors.append((j, exc))
                continue
            last[key] = raw
            changes[key] = value
        return errors
