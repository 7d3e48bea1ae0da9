"""``qml-s7 tags``: the tags of TIA Portal sources and tag tables, with their addresses.

One row per value (arrays expanded): the name as TIA Portal writes it, the typed address that
an S7Variable (and python-snap7's ``parse_tag``) takes, the type and the comment. ``--csv``
prints the same as CSV, which ``qml-s7 tags`` and an S7TagTable read back as a plain CSV.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:  # the tags layer (lark, openpyxl) loads when the command runs
    from ..tags import Symbol

HEADER = ("name", "address", "type", "comment")


def db_number(text: str) -> tuple[str, int]:
    """``--db`` NAME=NUMBER (``Tank=1``, ``"Motor 1"=5``) as (name, number), for argparse."""
    name, sep, number = text.rpartition("=")
    name = name.strip().strip('"')
    if not sep or not name or not number.strip().isdigit():
        raise argparse.ArgumentTypeError(f"expected NAME=NUMBER such as Tank=1, not {text!r}")
    return name, int(number)


def _rows(symbols: Sequence[Symbol]) -> list[tuple[str, str, str, str]]:
    return [(s.name, s.address_text, s.type_text, s.comment) for s in symbols]


def write_table(symbols: Sequence[Symbol], out: TextIO) -> None:
    """An aligned plain table: a header, then one row per symbol."""
    rows = [HEADER, *_rows(symbols)]
    widths = [max(len(row[column]) for row in rows) for column in range(len(HEADER) - 1)]
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        print("  ".join([*cells, row[-1]]).rstrip(), file=out)


def write_csv(symbols: Sequence[Symbol], out: TextIO) -> None:
    """CSV with the header ``name,address,type,comment``, quoted where needed."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(_rows(symbols))


def run(
    files: Sequence[str],
    db_numbers: Mapping[str, int],
    as_csv: bool = False,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Print the tags of ``files``. Returns 0, 1 when a file has errors, 2 for a missing one."""
    from ..tags import TagErrors, load_symbols

    out = out or sys.stdout
    err = err or sys.stderr
    missing = [f for f in files if not Path(f).is_file()]
    if missing:
        print(f"qml-s7: no such file: {', '.join(missing)}", file=err)
        return 2
    try:
        symbols = load_symbols(files, db_numbers)
    except TagErrors as errors:  # every one, with file:line
        print(errors, file=err)
        return 1
    if as_csv:
        write_csv(symbols, out)
    else:
        write_table(symbols, out)
    if not symbols:
        print("qml-s7: the files declare no tags", file=err)
    return 0
