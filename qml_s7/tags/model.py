"""What a TIA Portal source declares: blocks, members and their types, as plain data.

The parser (``source.py``) builds these from the text; ``types.py`` resolves the type names
(``Int``, ``"Motor_UDT"``) into :class:`Elementary` types and UDT structures; ``layout.py``
computes the offsets.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Union

__all__ = [
    "Array",
    "Block",
    "Elementary",
    "Member",
    "Named",
    "Origin",
    "Pointer",
    "Struct",
    "TypeNode",
    "Unsupported",
]


@dataclass(frozen=True, slots=True)
class Origin:
    """Where something was written: ``str()`` is ``"path:line"``."""

    path: str
    line: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass(frozen=True, slots=True)
class Elementary:
    """A type qml-s7 reads as one value: ``datatype`` is a name of core/address.py's DATATYPES
    (``length`` for STRING/WSTRING only)."""

    datatype: str
    length: int = 0


@dataclass(frozen=True, slots=True)
class Named:
    """A type by its name, as written and not yet resolved: ``Int``, ``"Motor_UDT"``, ``UDT 1``."""

    name: str
    quoted: bool
    origin: Origin

    @property
    def shown(self) -> str:
        return f'"{self.name}"' if self.quoted else self.name


@dataclass(frozen=True, slots=True)
class Unsupported:
    """A type written in a form qml-s7 cannot lay out (a constant as an array bound, ...)."""

    reason: str
    origin: Origin


@dataclass(frozen=True, slots=True)
class Member:
    """One declaration: ``name : type; // comment``."""

    name: str
    type: TypeNode
    comment: str
    origin: Origin


@dataclass(frozen=True, slots=True)
class Struct:
    """A STRUCT (also a UDT's body, a DB's body and an FB section)."""

    members: tuple[Member, ...]


@dataclass(frozen=True, slots=True)
class Array:
    """``Array[lo..hi, ...] of element``; ``dims`` are the (lo, hi) bounds."""

    dims: tuple[tuple[int, int], ...]
    element: TypeNode


@dataclass(frozen=True, slots=True)
class Pointer:
    """The 6-byte pointer an FB keeps for a structured IN_OUT parameter (no value to read)."""


TypeNode = Union[Elementary, Named, Unsupported, Struct, Array, Pointer]  # noqa: UP007


@dataclass(frozen=True, slots=True)
class Block:
    """A block of a source: a DB, a UDT (``TYPE``), an FB, or an FC/OB (read, then unused).

    ``name`` is unquoted (``Tank``; ``DB20`` for ``DATA_BLOCK DB 20``, whose ``number`` is 20).
    A DB has a ``body``: its STRUCT/VAR members, or the :class:`Named` UDT or FB it is an
    instance of. A UDT's body is its STRUCT. An FB has ``sections``: (``IN``, ``OUT``,
    ``IN_OUT``, ``STAT``, ``TEMP`` or ``CONSTANT``, members) in source order.
    """

    kind: str
    name: str
    quoted: bool
    number: int | None
    optimized: bool
    origin: Origin
    body: Struct | Named | None = None
    sections: tuple[tuple[str, Struct], ...] = ()

    @property
    def shown(self) -> str:
        """The name as TIA Portal writes it: ``"Tank"``, ``DB20``."""
        return f'"{self.name}"' if self.quoted else self.name
