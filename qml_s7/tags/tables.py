"""Tag tables: TIA Portal's PLC tag export (.xlsx, or as CSV) and qml-s7's plain CSV.

TIA Portal exports a PLC tag table as a workbook with the sheet "PLC Tags" and the columns
``Name, Path, Data Type, Logical Address, Comment, Hmi Visible, Hmi Accessible, Hmi
Writeable, Typeobject ID, Version ID``. A tag's address comes from its logical address and
data type (``%MD20`` + ``Real`` -> ``MD20:REAL``, German ``%E1.2`` + ``Bool`` -> ``I1.2``); a
width that contradicts the type (``%MW20`` for a Real) is an error at its row.

The plain CSV is ``name,address[,comment]`` with addresses in any form ``parse_address`` takes,
with or without a header (``name,address,type,comment`` as ``qml-s7 tags --csv`` prints).
Both CSV kinds may be separated by ``,`` or ``;``.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Iterator, Sequence

from ..core.address import AddressError, parse_address
from .errors import TagError
from .symbols import Symbol, render_name
from .types import ELEMENTARY

__all__ = ["is_tia_table", "read_csv", "read_xlsx"]

_SHEET = "plc tags"
# Header names of the TIA export (casefolded), English and German.
_COLUMNS = {
    "name": "name",
    "data type": "type",
    "datentyp": "type",
    "logical address": "address",
    "logische adresse": "address",
    "adresse": "address",
    "comment": "comment",
    "kommentar": "comment",
}
_PLAIN_COLUMNS = {"name": "name", "address": "address", "type": "type", "comment": "comment"}
_NO_AREA = {
    "TIMER": "timers (T) are not supported",
    "COUNTER": "counters (C) are not supported",
}


def _cell(value: object) -> str:
    return "" if value is None else str(value).strip()


def _header(row: Sequence[object], names: dict[str, str]) -> dict[str, int]:
    """Column positions by our field names, from a header row."""
    found: dict[str, int] = {}
    for index, value in enumerate(row):
        field = names.get(_cell(value).casefold())
        if field is not None and field not in found:
            found[field] = index
    return found


def _get(cells: list[str], columns: dict[str, int], field: str) -> str:
    index = columns.get(field)
    return cells[index] if index is not None and index < len(cells) else ""


def is_tia_table(header: Sequence[object]) -> bool:
    """Whether a first row is the header of a TIA Portal tag table."""
    columns = _header(header, _COLUMNS)
    return "address" in columns and "name" in columns and "type" in columns


def _tia_rows(path: str, rows: Iterable[tuple[int, Sequence[object]]]) -> Iterator[Symbol]:
    """Symbols of a TIA tag table's rows (after its header); raises TagError at a bad row."""
    columns: dict[str, int] = {}
    for number, row in rows:
        if not columns:
            columns = _header(row, _COLUMNS)
            continue
        cells = [_cell(v) for v in row]
        name = _get(cells, columns, "name")
        if not any(cells):
            continue
        if not name:
            raise TagError(path, number, "a tag without a name")
        datatype, logical = _get(cells, columns, "type"), _get(cells, columns, "address")
        shown = f'tag "{name}"'
        if not logical:
            raise TagError(path, number, f"{shown} has no logical address")
        if datatype.upper() in _NO_AREA:
            raise TagError(path, number, f"{shown}: {_NO_AREA[datatype.upper()]}")
        if datatype.startswith('"'):
            raise TagError(
                path, number, f"{shown}: a tag of the PLC data type {datatype} is not supported"
            )
        try:
            address = parse_address(f"{logical}:{datatype}")
        except AddressError as error:
            reason = f"{shown}, {datatype} at {logical}: {error.reason}"
            raise TagError(path, number, reason) from None
        comment = _get(cells, columns, "comment")
        yield Symbol(render_name([name]), address, comment, f"{path}:{number}")


def _plain_rows(path: str, rows: Iterable[tuple[int, Sequence[str]]]) -> Iterator[Symbol]:
    """Symbols of a plain CSV's rows; raises TagError at a bad row."""
    columns = {"name": 0, "address": 1, "comment": 2}
    first = True
    for number, row in rows:
        cells = [_cell(v) for v in row]
        if not any(cells) or cells[0].startswith("#"):
            continue
        if first:
            first = False
            header = _header(cells, _PLAIN_COLUMNS)
            if "name" in header and "address" in header:
                columns = header
                continue
        name, text = _get(cells, columns, "name"), _get(cells, columns, "address")
        datatype = _get(cells, columns, "type")
        if not name:
            raise TagError(path, number, "a row without a name")
        if not text:
            raise TagError(path, number, f'"{name}" has no address')
        if datatype and ":" not in text and "," not in text:
            text = f"{text}:{datatype}"  # DB1.DBW4 with the type INT: DB1.DBW4:INT
        try:
            address = parse_address(text)
        except AddressError as error:
            raise TagError(path, number, f'"{name}": {error}') from None
        symbol = Symbol(name, address, _get(cells, columns, "comment"), f"{path}:{number}")
        given = datatype.partition("[")[0].strip().upper()
        if given and ELEMENTARY.get(given, given) != address.datatype:
            raise TagError(
                path, number, f'"{name}": {text} is a {symbol.type_text}, not a {datatype}'
            )
        yield symbol


def _delimiter(line: str) -> str:
    """``;`` or ``,``: whichever separates the first row more often (outside quotes)."""
    counts = {";": 0, ",": 0, "\t": 0}
    quoted = False
    for char in line:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    return max(counts, key=lambda c: (counts[c], c == ","))


def read_csv(path: str, text: str) -> list[Symbol]:
    """The symbols of a CSV text: a TIA tag table by its header, else a plain CSV."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first))
    rows = ((reader.line_num, row) for row in reader)
    try:
        header = next(csv.reader([first], delimiter=_delimiter(first)), [])
        if is_tia_table(header):
            return list(_tia_rows(path, rows))
        return list(_plain_rows(path, rows))
    except csv.Error as error:
        raise TagError(path, reader.line_num, f"not a CSV file: {error}") from None


def read_xlsx(path: str) -> list[Symbol]:
    """The symbols of a TIA Portal tag table workbook (its "PLC Tags" sheet)."""
    from openpyxl import load_workbook  # only this reader needs it

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
        raise TagError(path, None, f"not an .xlsx workbook: {error}") from None
    try:
        sheets = sorted(book.worksheets, key=lambda s: s.title.strip().casefold() != _SHEET)
        for sheet in sheets:
            # read whole: a read-only sheet keeps its file open while a row iterator lives
            rows = list(sheet.iter_rows(values_only=True))
            if rows and is_tia_table(rows[0]):
                return list(_tia_rows(path, enumerate(rows, start=1)))
        raise TagError(
            path,
            None,
            'no sheet with the columns of a TIA Portal tag table ("PLC Tags": Name, Data Type, '
            "Logical Address)",
        )
    finally:
        book.close()
