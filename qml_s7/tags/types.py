"""Type names into types qml-s7 can lay out: elementary types, UDTs, FB interfaces.

A name is looked up when a block that is used needs it: every DB and every UDT of the sources,
and an FB when a DB is its instance. What cannot be represented (LTime, Variant, a system FB
as a multi-instance, ...) is an error at the line that names it; nothing is skipped.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache

from snap7.type import Area

from ..core.address import DATATYPES, Address, AddressError
from .errors import TagError
from .model import (
    Array,
    Block,
    Elementary,
    Member,
    Named,
    Origin,
    Pointer,
    Struct,
    TypeNode,
    Unsupported,
)

__all__ = ["ELEMENTARY", "Resolver"]

#: TIA Portal's elementary type names (upper case) and the datatype qml-s7 reads them as.
ELEMENTARY: dict[str, str] = {
    **{name: name for name in DATATYPES if name not in ("STRING", "WSTRING")},
    "TIME_OF_DAY": "TOD",
    "DATE_AND_TIME": "DT",
}

# Types a DB may hold that qml-s7 has no value type for, and why.
_NO_VALUE_TYPE = "has no value type in qml-s7"
_UNSUPPORTED: dict[str, str] = {
    "LTIME": _NO_VALUE_TYPE,
    "LTOD": _NO_VALUE_TYPE,
    "LTIME_OF_DAY": _NO_VALUE_TYPE,
    "LDT": _NO_VALUE_TYPE,
    "DATE_AND_LTIME": _NO_VALUE_TYPE,
    "VARIANT": "is a reference to data elsewhere",
    "POINTER": "is a reference to data elsewhere",
    "ANY": "is a reference to data elsewhere",
    "DB_ANY": "is a block number, not data",
    "BLOCK_DB": "is a block number, not data",
    "BLOCK_FB": "is a block number, not data",
    "BLOCK_FC": "is a block number, not data",
    "TIMER": "is a timer number, not data",
    "COUNTER": "is a counter number, not data",
    "VOID": "holds no data",
}
# System function blocks and their data types: a multi-instance whose layout TIA keeps.
_SYSTEM_BLOCKS = frozenset((
    "TON", "TOF", "TP", "TONR", "CTU", "CTD", "CTUD", "R_TRIG", "F_TRIG", "IEC_TIMER",
    "IEC_LTIMER", "IEC_COUNTER", "IEC_UCOUNTER", "IEC_DCOUNTER", "IEC_UDCOUNTER", "IEC_SCOUNTER",
    "IEC_USCOUNTER", "IEC_LCOUNTER", "IEC_ULCOUNTER", "TON_TIME", "TOF_TIME", "TP_TIME",
))  # fmt: skip
# Types that an FB keeps as a 6-byte pointer when they are IN_OUT parameters.
_BY_POINTER = frozenset({"STRING", "WSTRING", "DT", "DTL"})
_FB_SECTIONS = ("IN", "OUT", "IN_OUT", "STAT")  # what an instance DB holds, in this order


@cache
def _checked(datatype: str, length: int) -> Elementary | str:
    """An elementary type, or why core/address.py refuses an address of it."""
    try:
        Address(Area.DB, 1, 0, 0, datatype, length)
    except AddressError as error:
        return error.reason
    return Elementary(datatype, length)


def _elementary(datatype: str, length: int, origin: Origin, shown: str) -> Elementary:
    checked = _checked(datatype, length)
    if isinstance(checked, str):
        raise TagError(origin.path, origin.line, f"{shown}: {checked}")
    return checked


@dataclass
class Resolver:
    """Looks type names up among the UDTs and FBs of the sources (keys: casefolded names)."""

    udts: Mapping[str, Block]
    fbs: Mapping[str, Block]
    errors: list[TagError] = field(default_factory=list)
    _done: dict[str, Struct | None] = field(default_factory=dict)
    _busy: list[str] = field(default_factory=list)

    def _fail(self, origin: Origin, message: str) -> None:
        self.errors.append(TagError(origin.path, origin.line, message))

    # -- whole blocks -------------------------------------------------------------------------
    def udt(self, key: str) -> Struct | None:
        """The resolved structure of the UDT ``key``, or None after reporting its errors."""
        if key in self._done:
            return self._done[key]
        block = self.udts[key]
        self._busy.append(key)
        body = block.body
        resolved = self.struct(body) if isinstance(body, Struct) else None
        self._busy.pop()
        self._done[key] = resolved
        return resolved

    def struct(self, struct: Struct) -> Struct | None:
        """``struct`` with every member type resolved; None if any member failed."""
        members = []
        ok = True
        for member in struct.members:
            resolved = self.type(member.type, member)
            if resolved is None:
                ok = False
            elif ok:
                members.append(Member(member.name, resolved, member.comment, member.origin))
        return Struct(tuple(members)) if ok else None

    def instance(self, fb: Block) -> list[Struct] | None:
        """The sections an instance DB of ``fb`` holds: IN, OUT, IN_OUT, STAT in that order."""
        sections: dict[str, list[Member]] = {kind: [] for kind in _FB_SECTIONS}
        for kind, struct in fb.sections:
            if kind in sections:
                sections[kind].extend(struct.members)
        result = []
        for kind in _FB_SECTIONS:
            resolved = self.struct(Struct(tuple(sections[kind])))
            if resolved is None:
                return None
            if kind == "IN_OUT":  # structured IN_OUT parameters: only a pointer in the DB
                resolved = Struct(
                    tuple(
                        Member(m.name, Pointer(), m.comment, m.origin) if _by_pointer(m) else m
                        for m in resolved.members
                    )
                )
            result.append(resolved)
        return result

    # -- one type -----------------------------------------------------------------------------
    def type(self, node: TypeNode, member: Member) -> TypeNode | None:
        """``node`` resolved (Elementary, Struct, Array); None after reporting why not."""
        try:
            return self._type(node, member)
        except TagError as error:
            self.errors.append(error)
            return None

    def _type(self, node: TypeNode, member: Member) -> TypeNode | None:
        if isinstance(node, Elementary):  # STRING[n], WSTRING[n]
            shown = f"{node.datatype}[{node.length}]"
            if node.length < 1:
                raise TagError(member.origin.path, member.origin.line, f"{shown}: no characters")
            return _elementary(node.datatype, node.length, member.origin, shown)
        if isinstance(node, Struct):
            return self.struct(node)
        if isinstance(node, Array):
            element = self._type(node.element, member)
            return None if element is None else Array(node.dims, element)
        if isinstance(node, Unsupported):
            raise TagError(node.origin.path, node.origin.line, node.reason)
        if isinstance(node, Named):
            return self._named(node)
        return node  # a Pointer

    def _named(self, node: Named) -> TypeNode | None:
        origin = node.origin
        key = node.name.casefold()
        if not node.quoted:
            upper = node.name.upper()
            if upper in ELEMENTARY:
                return _elementary(ELEMENTARY[upper], 0, origin, node.name)
            if upper in _UNSUPPORTED:
                raise TagError(origin.path, origin.line, f"type {node.name} {_UNSUPPORTED[upper]}")
            if upper in _SYSTEM_BLOCKS:
                raise TagError(
                    origin.path,
                    origin.line,
                    f"{node.name} is a system function block (a multi-instance): its layout "
                    "is not known to qml-s7",
                )
        if key in self.udts:
            if key in self._busy:
                raise TagError(origin.path, origin.line, f"type {node.shown} contains itself")
            return self.udt(key)
        if key in self.fbs:
            raise TagError(
                origin.path,
                origin.line,
                f"{node.shown} is a function block: multi-instances are not supported",
            )
        if node.quoted or key.startswith("udt"):
            raise TagError(
                origin.path,
                origin.line,
                f"unknown type {node.shown}: no TYPE {node.shown} in the files given "
                "(add its .udt source)",
            )
        raise TagError(origin.path, origin.line, f"unknown type {node.name}")


def _by_pointer(member: Member) -> bool:
    kind = member.type
    if isinstance(kind, Elementary):
        return kind.datatype in _BY_POINTER
    return isinstance(kind, Struct | Array)
