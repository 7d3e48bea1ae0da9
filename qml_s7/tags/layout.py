"""The byte and bit offsets of a DB with standard (not optimized) access.

The rules, as S7-300/400 and the standard blocks of S7-1200/1500 lay data out:

- BOOLs pack into bits; a BOOL after anything else starts a new byte.
- BYTE, CHAR, SINT and USINT take the next byte (odd offsets too).
- Every other type, and every STRING, STRUCT, UDT and ARRAY, starts on an even byte (the
  alignment is 2, never 4).
- A STRUCT's or UDT's size is rounded up to even, and so is an ARRAY's total size. A BOOL array
  packs its bits, a BYTE or CHAR array its bytes; in other arrays each element is aligned by
  its type's rule. Several dimensions are one run of elements, the last index fastest.
- STRING[n] takes n + 2 bytes, WSTRING[n] 2n + 4, DTL 12 (sizes from core/address.py).
- An instance DB holds its FB's IN, OUT, IN_OUT and STAT sections in that order, each laid out
  like a STRUCT (so each starts on an even byte); a structured IN_OUT parameter is a 6-byte
  pointer.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import NamedTuple

from snap7.type import Area

from ..core.address import Address
from .model import Array, Elementary, Member, Pointer, Struct, TypeNode

__all__ = ["MAX_DB_SIZE", "Leaf", "TooLarge", "lay_out"]

MAX_DB_SIZE = 65536  # bytes: offsets run 0..65535
_POINTER_SIZE = 6
_BYTE_TYPES = frozenset({"BYTE", "CHAR", "SINT", "USINT"})


class TooLarge(Exception):
    """A member (or the whole DB) ends past the last byte a DB can have."""

    def __init__(self, member: Member | None, size: int) -> None:
        self.member = member
        self.size = size
        super().__init__(f"{size} bytes")


@dataclass(frozen=True, slots=True)
class Leaf:
    """One value of a laid-out block: its name parts, type and offset in bits.

    ``parts`` are member names and index texts: ``("Motors", "[2]", "Speed")``; ``member`` is
    the innermost declaration (its comment and origin).
    """

    parts: tuple[str, ...]
    type: Elementary
    bit: int
    member: Member


class _Laid(NamedTuple):
    size: int  # bytes
    leaves: tuple[tuple[tuple[str, ...], Elementary, int, Member | None], ...]


@cache
def _size(kind: Elementary) -> int:
    return Address(Area.DB, 1, 0, 0, kind.datatype, kind.length).size


def _even(bits: int) -> int:
    """Round a bit position up to the next even byte."""
    return -(-bits // 16) * 16


def _next_byte(bits: int) -> int:
    return -(-bits // 8) * 8


def _datatype(kind: TypeNode) -> str | None:
    return kind.datatype if isinstance(kind, Elementary) else None


class _Layout:
    """Lays out types; each STRUCT (a UDT used many times is one object) only once."""

    def __init__(self) -> None:
        self._structs: dict[int, _Laid] = {}

    def members(self, members: Sequence[Member]) -> _Laid:
        bits = 0
        after_bool = False
        leaves = []
        for member in members:
            kind = member.type
            datatype = _datatype(kind)
            is_bool = datatype == "BOOL"
            if is_bool:
                bits = bits if after_bool else _next_byte(bits)
            elif datatype in _BYTE_TYPES:
                bits = _next_byte(bits)
            else:
                bits = _even(bits)
            try:
                laid = self.type(kind)
            except TooLarge as error:
                raise TooLarge(error.member or member, error.size) from None
            name = (member.name,)
            for parts, leaf_type, offset, inner in laid.leaves:
                leaves.append((name + parts, leaf_type, bits + offset, inner or member))
            bits += 1 if is_bool else laid.size * 8
            after_bool = is_bool
            if bits > MAX_DB_SIZE * 8:
                raise TooLarge(member, _next_byte(bits) // 8)
        return _Laid(_even(bits) // 8, tuple(leaves))

    def type(self, kind: TypeNode) -> _Laid:
        if isinstance(kind, Elementary):
            return _Laid(_size(kind), (((), kind, 0, None),))
        if isinstance(kind, Struct):
            laid = self._structs.get(id(kind))
            if laid is None:
                laid = self._structs[id(kind)] = self.members(kind.members)
            return laid
        if isinstance(kind, Array):
            return self._array(kind)
        if isinstance(kind, Pointer):
            return _Laid(_POINTER_SIZE, ())
        raise TypeError(f"not a resolved type: {kind!r}")  # types.py resolves before layout

    def _array(self, array: Array) -> _Laid:
        count = math.prod(high - low + 1 for low, high in array.dims)
        element = array.element
        datatype = _datatype(element)
        if datatype == "BOOL":
            stride, inner = 1, _Laid(1, (((), element, 0, None),))
        elif datatype in _BYTE_TYPES:
            stride, inner = 8, self.type(element)
        else:
            inner = self.type(element)
            stride = _even(inner.size * 8)
        size = _even(count * stride) // 8
        if size > MAX_DB_SIZE:
            raise TooLarge(None, size)
        ranges = [range(low, high + 1) for low, high in array.dims]
        leaves = []
        for number, index in enumerate(itertools.product(*ranges)):
            head = ("[" + ",".join(map(str, index)) + "]",)
            base = number * stride
            for parts, leaf_type, offset, member in inner.leaves:
                leaves.append((head + parts, leaf_type, base + offset, member))
        return _Laid(size, tuple(leaves))


def lay_out(sections: Sequence[Struct]) -> tuple[int, list[Leaf]]:
    """The size in bytes and the values of a DB: one STRUCT, or an instance DB's sections.

    Raises :class:`TooLarge` when it would not fit into a DB.
    """
    layout = _Layout()
    base = 0
    leaves = []
    for section in sections:
        laid = layout.members(section.members)
        for parts, leaf_type, offset, member in laid.leaves:
            leaves.append(Leaf(parts, leaf_type, base * 8 + offset, member))
        base += laid.size
        if base > MAX_DB_SIZE:
            raise TooLarge(None, base)
    return base, leaves
