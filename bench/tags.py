"""Tags: the time to load a large TIA Portal DB source and large tag tables.

    .venv/bin/python bench/tags.py [--members 10000] [--rows 10000] [--runs 5]

Generates, in a temporary folder: a DB source of ``--members`` declarations (mixed elementary
types, strings, nested structs, arrays of elementary types and of a UDT) with its UDT, a TIA
Portal tag table of ``--rows`` tags as .xlsx and as CSV, and a plain CSV of as many rows. The
workbook is written by openpyxl, which puts every text inline in its cell, then rewritten with a
shared string table as Excel writes one; openpyxl reads inline texts much slower, so both are
timed. Each is loaded with ``load_symbols`` (parse, resolve, lay out, build the symbols) ``--runs``
times; the table shows the median, the fastest and the slowest run. The grammar alone (lark's
LALR parser on the source) is timed as a row of its own.
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from functools import partial
from pathlib import Path

import common
from common import table
from openpyxl import Workbook

sys.path.insert(0, str(common.ROOT))

from qml_s7.tags import load_symbols
from qml_s7.tags.source import parse_source

ELEMENTARY = ("Bool", "Bool", "Bool", "Byte", "Int", "DInt", "Real", "Word", "Char", "LReal")
UDT = """TYPE "Bench_UDT"
VERSION : 0.1
   STRUCT
      On : Bool;   // running
      Fault : Bool;
      Speed : Real;   // rpm
      Mode : Byte;
   END_STRUCT;

END_TYPE

"""
TAG_TYPES = (("Bool", "%M{byte}.{bit}"), ("Int", "%MW{even}"), ("Real", "%MD{even}"))


def db_source(members: int, seed: int = 7) -> str:
    """A DB with ``members`` declarations; a tenth of them inside nested structs."""
    rng = random.Random(seed)
    lines = [
        'DATA_BLOCK "Bench"',
        "{ S7_Optimized_Access := 'FALSE' }",
        "VERSION : 0.1",
        "NON_RETAIN",
        "   VAR ",
    ]
    count = 0
    while count < members:
        roll = rng.random()
        if roll < 0.05 and members - count >= 12:  # a struct with a nested struct
            lines.append(f"      S{count} : Struct   // group {count}")
            for i in range(5):
                lines.append(f"         A{i} : {rng.choice(ELEMENTARY)};")
            lines.append("         Inner : Struct")
            for i in range(4):
                lines.append(f"            B{i} : {rng.choice(ELEMENTARY)};   // inner {i}")
            lines.append("         END_STRUCT;")
            lines.append("      END_STRUCT;")
            count += 11
        elif roll < 0.08:
            lines.append(f"      Arr{count} : Array[0..3] of {rng.choice(ELEMENTARY)};")
            count += 1
        elif roll < 0.09:
            lines.append(f'      Motors{count} : Array[1..2] of "Bench_UDT";')
            count += 1
        elif roll < 0.10:
            lines.append(f"      Text{count} : String[8] := 'x';   // a text")
            count += 1
        else:
            kind = rng.choice(ELEMENTARY)
            lines.append(f"      M{count} : {kind};   // member {count}")
            count += 1
    lines += ["   END_VAR", "", "", "BEGIN", "   M0 := TRUE;", "END_DATA_BLOCK", ""]
    return UDT + "\n".join(lines)


def tag_rows(rows: int) -> list[list[str]]:
    """TIA tag table rows: Bool, Int and Real markers, none overlapping."""
    result = []
    for i in range(rows):
        datatype, pattern = TAG_TYPES[i % 3]
        at = pattern.format(byte=i // 8, bit=i % 8, even=20_000 + 4 * i)
        result.append([f"Tag_{i}", "Default tag table", datatype, at, f"tag {i}", "True"])
    return result


HEADER = ["Name", "Path", "Data Type", "Logical Address", "Comment", "Hmi Visible"]
INLINE = re.compile(r'<c r="([A-Z]+\d+)" t="inlineStr"><is><t[^>]*>([^<]*)</t></is></c>')
SHEET_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
SST_TYPE = (
    '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
)
SST_RELATION = (
    '<Relationship Id="rIdStrings" Type="http://schemas.openxmlformats.org/officeDocument/'
    '2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
)


def write_files(folder: Path, members: int, rows: int) -> dict[str, Path]:
    source = folder / "Bench.db"
    source.write_text(db_source(members), encoding="utf-8")
    tags = tag_rows(rows)
    book = Workbook()
    sheet = book.active
    sheet.title = "PLC Tags"
    sheet.append(HEADER)
    for row in tags:
        sheet.append(row)
    inline = folder / "inline.xlsx"
    book.save(inline)
    xlsx = with_shared_strings(inline, folder / "PLC tags.xlsx")
    tia_csv = folder / "PLC tags.csv"
    tia_csv.write_text("\n".join(";".join(r) for r in [HEADER, *tags]) + "\n", encoding="utf-8")
    plain = folder / "plain.csv"
    plain.write_text(
        "name,address,comment\n"
        + "".join(f"Tag_{i},{r[3]}:{r[2].upper()},{r[4]}\n" for i, r in enumerate(tags)),
        encoding="utf-8",
    )
    return {"source": source, "xlsx": xlsx, "inline": inline, "csv": tia_csv, "plain": plain}


def with_shared_strings(source: Path, target: Path) -> Path:
    """``source`` (openpyxl writes every text inline in its cell) with the texts in a shared
    string table instead, as Excel writes a workbook (TIA Portal's exports read the same)."""
    strings: dict[str, int] = {}

    def shared(match: re.Match[str]) -> str:
        text = match.group(2)
        index = strings.setdefault(text, len(strings))
        return f'<c r="{match.group(1)}" t="s"><v>{index}</v></c>'

    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for item in old.infolist():
            data = old.read(item.filename).decode("utf-8")
            if item.filename.startswith("xl/worksheets/"):
                data = INLINE.sub(shared, data)
            elif item.filename == "[Content_Types].xml":
                data = data.replace("</Types>", SST_TYPE + "</Types>")
            elif item.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace("</Relationships>", SST_RELATION + "</Relationships>")
            new.writestr(item, data)
        items = "".join(f"<si><t>{text}</t></si>" for text in strings)
        new.writestr(
            "xl/sharedStrings.xml",
            f'<sst xmlns="{SHEET_NS}" count="{len(strings)}" uniqueCount="{len(strings)}">'
            f"{items}</sst>",
        )
    return target


def count_symbols(path: Path) -> int:
    return len(load_symbols([path], {"Bench": 1}))


def timed(action: Callable[[], int], runs: int) -> tuple[int, list[float]]:
    times = []
    count = 0
    for _ in range(runs):
        start = time.perf_counter()
        count = action()
        times.append((time.perf_counter() - start) * 1000)
    return count, times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(common.banner("qml-s7 tags: loading large tag files"))
    note = common.load_note()
    if note:
        print(note)
    with tempfile.TemporaryDirectory() as folder:
        files = write_files(Path(folder), args.members, args.rows)
        text = files["source"].read_text(encoding="utf-8")
        load_symbols([files["source"]], {"Bench": 1})  # builds the grammar once, as an app does
        members, rows_ = f"{args.members:,} members", f"{args.rows:,} rows"
        loads = [  # (label, file): load_symbols on it
            (f"DB source, {members}: load_symbols", "source"),
            (f"TIA tag table .xlsx, {rows_}", "xlsx"),
            (f"the same .xlsx, texts inline (openpyxl's), {rows_}", "inline"),
            (f"TIA tag table .csv, {rows_}", "csv"),
            (f"plain CSV, {rows_}", "plain"),
        ]
        cases = [
            (
                f"DB source, {members}: grammar only",
                lambda: len(parse_source("Bench.db", text)),
                files["source"],
            ),
            *((label, partial(count_symbols, files[key]), files[key]) for label, key in loads),
        ]
        rows = []
        for label, action, path in cases:
            count, times = timed(action, args.runs)
            size = path.stat().st_size / 1024
            rows.append(
                [label, round(size), count, statistics.median(times), min(times), max(times)]
            )
    headers = ["file", "KiB", "result", "median ms", "min ms", "max ms"]
    print(table(headers, rows))
    print("# result: blocks for the grammar row, symbols (values) for the others")
    slow = [row[0] for row in rows if row[3] >= 1000]
    if slow:
        print(f"# SLOW (a second or more): {', '.join(slow)}")
    return 1 if slow else 0


if __name__ == "__main__":
    sys.exit(main())
