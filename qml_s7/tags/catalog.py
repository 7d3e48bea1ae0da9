"""Loading tag files: every file, all or nothing, into one list of symbols.

A file's kind comes from its extension and content: ``.db``, ``.udt`` and ``.scl`` (or text
that starts with a block keyword) are TIA Portal sources, ``.xlsx`` a TIA tag table, ``.csv``
a TIA tag table or a plain CSV by its header. UDTs and FBs may be in any of the files given.
A DB needs a number: ``DATA_BLOCK DB 20`` has one, a TIA Portal source's ``DATA_BLOCK "Tank"``
takes it from ``db_numbers`` (``{"Tank": 1}``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from snap7.type import Area

from ..core.address import Address
from .errors import TagError, TagErrors
from .layout import MAX_DB_SIZE, TooLarge, lay_out
from .model import Block, Named, Struct
from .source import parse_source
from .symbols import Symbol, name_key, render_name
from .tables import read_csv, read_xlsx
from .types import Resolver

__all__ = ["load_symbols"]

_SOURCE_SUFFIXES = frozenset({".db", ".udt", ".scl"})
_XLSX_SUFFIXES = frozenset({".xlsx", ".xlsm"})
_BLOCK_WORDS = ("DATA_BLOCK", "TYPE", "FUNCTION_BLOCK", "FUNCTION", "ORGANIZATION_BLOCK")
_MAX_DUPLICATES = 20  # reported one by one; a file loaded twice would list every name
_STANDARD_ACCESS = (
    "its members have no fixed offsets, and PUT/GET cannot read them. Switch it to standard "
    "access: in TIA Portal, the block's Properties > Attributes, clear \"Optimized block "
    'access", then compile and download (and export the source again)'
)


def _text(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:  # STEP 7 classic and older exports: Windows-1252
        return data.decode("cp1252", errors="replace")


def _is_source(text: str) -> bool:
    head = text.lstrip()
    if head.startswith(("//", "(*")):
        return True
    word = head[:24].split(maxsplit=1)[0].upper() if head else ""
    return word in _BLOCK_WORDS


def _kind(path: str) -> tuple[str, str]:
    """The kind of a file ("source", "xlsx" or "csv") and its text (none for a workbook)."""
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise TagError(path, None, "no such file") from None
    except OSError as error:
        raise TagError(path, None, f"cannot read it: {error.strerror or error}") from None
    suffix = Path(path).suffix.lower()
    if suffix in _XLSX_SUFFIXES or data.startswith(b"PK\x03\x04"):
        return "xlsx", ""
    text = _text(data)
    if suffix in _SOURCE_SUFFIXES or (suffix != ".csv" and _is_source(text)):
        return "source", text
    return "csv", text


class _Numbers:
    """The DB numbers given by name: exact, else in any letter case."""

    def __init__(self, numbers: Mapping[str, int]) -> None:
        self.exact = {str(k).strip().strip('"'): v for k, v in numbers.items()}
        self.folded = {k.casefold(): v for k, v in self.exact.items()}

    def of(self, db: Block) -> int:
        """The number of ``db``; raises TagError when none or a wrong one is given."""
        origin = db.origin
        if db.number is not None:
            return db.number
        number = self.exact.get(db.name, self.folded.get(db.name.casefold()))
        if number is None:
            shown = f'"{db.name}"' if " " in db.name else db.name
            raise TagError(
                origin.path,
                origin.line,
                f"DB {db.shown} has no number: TIA Portal sources carry none. Give the number "
                f"TIA Portal shows in the block's Properties > General: {shown}=NUMBER with "
                f'qml-s7 tags --db, or dbNumbers: ({{ "{db.name}": NUMBER }}) in an S7TagTable',
            )
        if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= 65535:
            raise TagError(
                origin.path, origin.line, f"DB {db.shown}: {number!r} is no DB number (1..65535)"
            )
        return number


class _Sources:
    """The blocks of all sources by kind, and what each DB holds."""

    def __init__(self, blocks: Sequence[Block], errors: list[TagError]) -> None:
        self.errors = errors
        self.tables: dict[str, dict[str, Block]] = {"DB": {}, "UDT": {}, "FB": {}}
        for block in blocks:
            table = self.tables[block.kind]
            key = block.name.casefold()
            first = table.get(key)
            if first is not None:
                where = block.origin
                kind = "TYPE" if block.kind == "UDT" else block.kind
                message = f"{kind} {block.shown} is declared twice: here and at {first.origin}"
                errors.append(TagError(where.path, where.line, message))
            else:
                table[key] = block
        self.resolver = Resolver(self.tables["UDT"], self.tables["FB"], errors)

    def _refuse(self, db: Block, message: str) -> None:
        self.errors.append(TagError(db.origin.path, db.origin.line, message))

    def sections(self, db: Block) -> list[Struct] | None:
        """What ``db`` holds: its STRUCT, its UDT's, or its FB's sections; None on errors."""
        if db.optimized:
            self._refuse(
                db,
                f"DB {db.shown} has optimized block access (S7_Optimized_Access := 'TRUE'): "
                + _STANDARD_ACCESS,
            )
            return None
        body = db.body
        if isinstance(body, Struct):
            struct = self.resolver.struct(body)
            return None if struct is None else [struct]
        assert isinstance(body, Named)
        key = body.name.casefold()
        if key in self.tables["UDT"]:
            struct = self.resolver.udt(key)
            return None if struct is None else [struct]
        fb = self.tables["FB"].get(key)
        if fb is None:
            self._refuse(
                db,
                f"DB {db.shown} is of the type {body.shown}, which none of the files given "
                "declares: an instance DB needs the source of its FUNCTION_BLOCK (.scl), a DB "
                "of a PLC data type the source of its TYPE (.udt)",
            )
            return None
        if fb.optimized:
            self._refuse(
                db,
                f"DB {db.shown} is an instance of FB {fb.shown}, which has optimized block "
                f"access (S7_Optimized_Access := 'TRUE' at {fb.origin}): "
                + _STANDARD_ACCESS.replace("Switch it", f"Switch FB {fb.shown}"),
            )
            return None
        return self.resolver.instance(fb)


def _db_symbols(
    sources: _Sources, numbers: _Numbers, errors: list[TagError]
) -> dict[str, list[Symbol]]:
    """The symbols of every DB, by the file that declares it."""
    found: dict[str, list[Symbol]] = {}
    taken: dict[int, Block] = {}
    for key in sources.tables["UDT"]:  # every UDT is checked, used or not
        sources.resolver.udt(key)
    for db in sources.tables["DB"].values():
        origin = db.origin
        try:
            number = numbers.of(db)
        except TagError as error:
            errors.append(error)
            number = None
        if number is not None and number in taken:
            other = taken[number]
            message = f"DB {db.shown} has the number {number} of DB {other.shown} ({other.origin})"
            errors.append(TagError(origin.path, origin.line, message))
        elif number is not None:
            taken[number] = db
        sections = sources.sections(db)
        if sections is None or number is None:
            continue
        try:
            _size, leaves = lay_out(sections)
        except TooLarge as error:
            where = error.member.origin if error.member is not None else origin
            message = (
                f"DB {db.shown} would be {error.size} bytes or more, larger than a DB can be "
                f"({MAX_DB_SIZE})"
            )
            errors.append(TagError(where.path, where.line, message))
            continue
        symbols = found.setdefault(origin.path, [])
        prefix = db.shown
        for leaf in leaves:
            kind = leaf.type
            bit = leaf.bit % 8 if kind.datatype == "BOOL" else 0
            address = Address(Area.DB, number, leaf.bit // 8, bit, kind.datatype, kind.length)
            name = f"{prefix}.{render_name(leaf.parts)}"
            symbols.append(Symbol(name, address, leaf.member.comment, str(leaf.member.origin)))
    return found


def _duplicates(symbols: Sequence[Symbol]) -> list[TagError]:
    """An error for every name given twice (TIA Portal names ignore letter case)."""
    seen: dict[str, Symbol] = {}
    errors: list[TagError] = []
    for symbol in symbols:
        key = name_key(symbol.name).casefold()
        first = seen.setdefault(key, symbol)
        if first is symbol:
            continue
        if len(errors) == _MAX_DUPLICATES:
            errors.append(TagError(symbol.origin, None, "and more names given twice"))
            break
        path, _, line = symbol.origin.rpartition(":")
        message = f"{symbol.name} is declared twice: here and at {first.origin}"
        errors.append(TagError(path, int(line) if line.isdigit() else None, message))
    return errors


def load_symbols(
    paths: Sequence[str | os.PathLike[str]], db_numbers: Mapping[str, int]
) -> list[Symbol]:
    """The symbols of every file in ``paths``, in the order of the files.

    All or nothing: raises :class:`~qml_s7.tags.errors.TagErrors` (a ValueError) with every
    error found, each at its file and line, and then returns nothing.
    """
    errors: list[TagError] = []
    blocks: list[Block] = []
    tables: dict[str, list[Symbol]] = {}
    names = [os.fspath(p) for p in paths]
    source_failed = False
    for path in names:
        kind = ""
        try:
            kind, text = _kind(path)
            if kind == "source":
                blocks.extend(parse_source(path, text))
            else:
                tables[path] = read_xlsx(path) if kind == "xlsx" else read_csv(path, text)
        except TagError as error:
            errors.append(error)
            source_failed = source_failed or kind == "source"
    found: dict[str, list[Symbol]] = {}
    if not source_failed:  # a broken source would make its UDTs look missing elsewhere
        found = _db_symbols(_Sources(blocks, errors), _Numbers(db_numbers), errors)
    symbols = [
        s for path in dict.fromkeys(names) for s in [*found.get(path, ()), *tables.get(path, ())]
    ]
    errors.extend(_duplicates(symbols))
    if errors:
        order = {path: index for index, path in enumerate(names)}
        errors.sort(key=lambda e: (order.get(e.path, len(order)), e.line or 0))
        raise TagErrors(errors)
    return symbols
