"""Symbols (a tag name and its address) and the table that looks them up by name.

Names are written as in TIA Portal: a DB's name in quotes, then members with ``.`` and array
indices in ``[]`` (``"Line".Motors[2].Speed``, ``"Line".Grid[1,2]``), a PLC tag bare
(``Start_Button``). A name part that is no identifier is quoted (``"Tank"."Motor 1".Speed``).
Lookups forgive what TIA Portal forgives: quotes or not, blanks around, and letter case when
that names one symbol only.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from ..core.address import Address

__all__ = ["Symbol", "SymbolTable", "name_key", "render_name"]

_AMBIGUOUS = object()


@dataclass(frozen=True)
class Symbol:
    """A PLC tag: ``name`` (TIA form), ``address``, ``comment`` and ``origin`` ("file:line")."""

    name: str
    address: Address
    comment: str = ""
    origin: str = ""

    @property
    def type_text(self) -> str:
        """The data type: ``REAL``, ``STRING[20]``."""
        address = self.address
        if address.datatype in ("STRING", "WSTRING"):
            return f"{address.datatype}[{address.length}]"
        return address.datatype

    @property
    def address_text(self) -> str:
        """The typed address, e.g. ``DB2.DBX16.1:BOOL``, ``DB2:18:INT``, ``M20:INT``."""
        return self.address.typed_name


def _part(text: str) -> str:
    return text if text.isidentifier() else f'"{text}"'


def render_name(parts: Iterable[str]) -> str:
    """Name parts as a name: ("Line", "Motors", "[2]") -> ``Line.Motors[2]``.

    Index parts start with ``[``; other parts are quoted when they are no identifier.
    """
    text = ""
    for part in parts:
        if part.startswith("["):
            text += part
        else:
            text += ("." if text else "") + _part(part)
    return text


def _split(name: str) -> list[str] | None:
    """The parts of a name (``"Line".Motors[1, 2]`` -> Line, Motors, [1,2]); None if malformed."""
    parts: list[str] = []
    i, end = 0, len(name)
    want_part = True  # at the start or after a '.'
    while i < end:
        char = name[i]
        if char.isspace():
            i += 1
        elif char == '"' and want_part:
            close = name.find('"', i + 1)
            if close < 0:
                return None
            parts.append(name[i + 1 : close])
            i, want_part = close + 1, False
        elif char == "[" and not want_part:
            close = name.find("]", i)
            if close < 0:
                return None
            index = [item.strip() for item in name[i + 1 : close].split(",")]
            if not all(item.lstrip("+-").isdigit() for item in index):
                return None
            parts.append("[" + ",".join(str(int(item)) for item in index) + "]")
            i = close + 1
        elif char == "." and not want_part:
            i, want_part = i + 1, True
        elif want_part:
            start = i
            while i < end and name[i] not in '."[' and not name[i].isspace():
                i += 1
            parts.append(name[start:i])
            want_part = False
        else:
            return None
    return parts if parts and not want_part else None


def name_key(name: str) -> str:
    """The form a name is looked up by: quotes only where needed, indices without blanks.

    A name that does not split into parts (``Motor 1 on``, free text of a CSV file) is one part.
    """
    text = name.strip()
    return render_name(_split(text) or [text])


class SymbolTable:
    """Symbols by name, in the order given; :meth:`lookup` and :meth:`suggest` find them."""

    def __init__(self, symbols: Iterable[Symbol]) -> None:
        self._symbols = list(symbols)
        self._exact: dict[str, Symbol] = {}
        self._folded: dict[str, object] = {}
        for symbol in self._symbols:
            key = name_key(symbol.name)
            self._exact.setdefault(key, symbol)
            folded = key.casefold()
            known = self._folded.get(folded)
            self._folded[folded] = symbol if known is None or known is symbol else _AMBIGUOUS
        self._keys = list(self._folded)

    def lookup(self, name: str) -> Symbol | None:
        """The symbol ``name`` names: ``'"Line".Setup.Ratio'``, ``Start_Button``,
        ``"Start_Button"``; any letter case when only one symbol matches. None if none."""
        key = name_key(name)
        found = self._exact.get(key)
        if found is not None:
            return found
        folded = self._folded.get(key.casefold())
        return folded if isinstance(folded, Symbol) else None

    def suggest(self, name: str, count: int = 3) -> list[str]:
        """The names of up to ``count`` symbols closest to ``name`` (none if nothing is close)."""
        key = name_key(name).casefold()
        near = difflib.get_close_matches(key, self._keys, n=count, cutoff=0.6)
        names = []
        for folded in near:
            found = self._folded[folded]
            if isinstance(found, Symbol):
                names.append(found.name)
            else:  # several spellings of one name: offer each
                names.extend(s.name for k, s in self._exact.items() if k.casefold() == folded)
        return names[:count]

    def __len__(self) -> int:
        return len(self._symbols)

    def __iter__(self) -> Iterator[Symbol]:
        return iter(self._symbols)
