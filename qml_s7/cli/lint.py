"""``qml-s7 lint``: Qt's qmllint with QmlS7's type information, and a check of S7 addresses.

qmllint knows our types from the generated ``.qmltypes`` (qml_s7/cli/typeinfo.py) but not what
an address name means, so a panel with ``S7Variable { name: "DB1.DBX0.9" }`` would lint clean
and fail only at run time. :func:`address_warnings` finds the ``name`` of every S7Variable that
is a plain string in the file and parses it as the running variable would: as an address, or
as a tag of the panel's tag tables. Those are the S7TagTables declared in the file with plain
``files`` and ``dbNumbers`` (:func:`declared_tag_tables`), and any given with ``--tags`` and
``--db``.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from .. import qml_import_path
from ..core.address import AddressError, parse_address
from ..tags import SymbolTable, load_symbols
from .typeinfo import write

# The tokens that matter for finding an object's type and its ``name:`` binding. Comments and
# strings come first so that braces and names inside them do not count.
_TOKENS = re.compile(
    r"""
    (?P<comment>//[^\n]*|/\*.*?\*/)
  | (?P<binding>\bname\s*:\s*(?P<quote>["'])(?P<value>(?:\\.|(?!(?P=quote)).)*)(?P=quote)
        (?=\s*(?:;|\}|//|/\*|$)))
  | (?P<string>"(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'|`(?:\\.|[^`\\])*`)
  | (?P<object>(?:[A-Za-z_][\w.]*\s+on\s+)?(?P<type>[A-Za-z_][\w.]*)\s*\{)
  | (?P<open>\{)
  | (?P<close>\})
    """,
    re.VERBOSE | re.DOTALL | re.MULTILINE,
)


@dataclass(frozen=True)
class LintWarning:
    """One finding, printed as qmllint prints its own."""

    path: Path
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"Warning: {self.path}:{self.line}:{self.column}: {self.message} [s7-address]"


def _variable_names(text: str) -> Iterator[tuple[int, str]]:
    """(offset, name) of every plain-string ``name`` declared directly in an S7Variable."""
    stack: list[str | None] = []
    for match in _TOKENS.finditer(text):
        kind = match.lastgroup
        if kind == "object":
            stack.append(match.group("type").rsplit(".", 1)[-1])
        elif kind == "open":
            stack.append(None)
        elif kind == "close":
            if stack:
                stack.pop()
        elif kind == "binding" and stack and stack[-1] == "S7Variable":
            yield match.start("value"), match.group("value")


_FILES = re.compile(r"\bfiles\s*:\s*\[(.*?)\]", re.DOTALL)
_DB_NUMBERS = re.compile(r"\bdbNumbers\s*:\s*\(?\s*\{(.*?)\}", re.DOTALL)
_LITERAL = re.compile(r"\"([^\"]*)\"|'([^']*)'")
_PAIR = re.compile(r"(?:\"([^\"]*)\"|'([^']*)'|([A-Za-z_]\w*))\s*:\s*(\d+)")


def _bodies(text: str, type_name: str) -> Iterator[str]:
    """The text between the braces of every object of ``type_name``, comments blanked."""
    stack: list[tuple[str | None, int]] = []
    blanked = _TOKENS.sub(
        lambda m: " " * len(m.group()) if m.lastgroup == "comment" else m.group(), text
    )
    for match in _TOKENS.finditer(blanked):
        kind = match.lastgroup
        if kind == "object":
            stack.append((match.group("type").rsplit(".", 1)[-1], match.end()))
        elif kind == "open":
            stack.append((None, match.end()))
        elif kind == "close" and stack:
            name, start = stack.pop()
            if name == type_name:
                yield blanked[start : match.start()]


def declared_tag_tables(path: Path) -> tuple[list[Path], dict[str, int]]:
    """The files and DB numbers of the S7TagTables declared in ``path`` with plain literals
    (``files: ["Tank.db"]; dbNumbers: ({ "Tank": 1 })``); files relative to the panel."""
    text = path.read_text(encoding="utf-8-sig")
    files: list[Path] = []
    numbers: dict[str, int] = {}
    for body in _bodies(text, "S7TagTable"):
        found = _FILES.search(body)
        for literal in _LITERAL.finditer(found.group(1) if found else ""):
            file = Path(literal.group(1) if literal.group(1) is not None else literal.group(2))
            files.append(file if file.is_absolute() else path.parent / file)
        found = _DB_NUMBERS.search(body)
        for pair in _PAIR.finditer(found.group(1) if found else ""):
            name = next(g for g in pair.groups()[:3] if g is not None)
            numbers[name] = int(pair.group(4))
    return files, numbers


def address_warnings(path: Path, symbols: SymbolTable | None = None) -> list[LintWarning]:
    """A warning for every S7Variable ``name`` in ``path`` that is no address, nor a tag of
    ``symbols`` when given."""
    text = path.read_text(encoding="utf-8-sig")
    warnings = []
    for offset, name in _variable_names(text):
        if not name.strip():
            continue  # no address yet: type/db/address may give one
        try:
            parse_address(name)
            continue
        except AddressError as exc:
            problem = f"S7Variable name: {exc}"
        if symbols is not None:
            if symbols.lookup(name) is not None:
                continue
            near = symbols.suggest(name)
            hint = f"; did you mean {', '.join(near)}?" if near else ""
            problem = f'S7Variable name: unknown tag "{name.strip()}"{hint}'
        line = text.count("\n", 0, offset) + 1
        column = offset - (text.rfind("\n", 0, offset) + 1) + 1
        warnings.append(LintWarning(path, line, column, problem))
    return warnings


def _qmllint() -> str | None:
    found = shutil.which("pyside6-qmllint", path=str(Path(sys.executable).parent))
    return found or shutil.which("pyside6-qmllint")


def lint(
    panels: Sequence[str], tag_files: Sequence[str] = (), db_numbers: dict[str, int] | None = None
) -> int:
    """Lint ``panels``; print every finding. Returns 0 when clean, 1 with findings, 2 on error.

    S7Variable names may be tags of the S7TagTables declared in the panel, and of
    ``tag_files`` (DB numbers as given, over those the panel declares).
    """
    qmllint = _qmllint()
    if qmllint is None:
        print("qml-s7: pyside6-qmllint not found (it comes with PySide6)", file=sys.stderr)
        return 2
    missing = [p for p in [*panels, *tag_files] if not Path(p).is_file()]
    if missing:
        print(f"qml-s7: no such file: {', '.join(missing)}", file=sys.stderr)
        return 2
    tables: dict[str, SymbolTable | None] = {}
    for panel in panels:
        files, numbers = declared_tag_tables(Path(panel))
        files = list(dict.fromkeys(f.resolve() for f in [*files, *map(Path, tag_files)]))
        if not files:
            tables[panel] = None
            continue
        try:
            tables[panel] = SymbolTable(load_symbols(files, {**numbers, **(db_numbers or {})}))
        except (ValueError, OSError) as exc:  # every error of the tag files, with file:line
            print(f"qml-s7: the tag tables of {panel} do not load:\n{exc}", file=sys.stderr)
            return 1
    with tempfile.TemporaryDirectory() as folder:
        write(folder)
        command = [qmllint, "-I", folder, "-I", qml_import_path(), *panels]
        result = subprocess.run(command, capture_output=True, text=True)
    output = (result.stdout + result.stderr).strip()
    findings = [str(w) for p in panels for w in address_warnings(Path(p), tables[p])]
    output = "\n".join(filter(None, [output, *findings]))
    if output:
        print(output)
    warned = bool(findings) or "Warning:" in output or "Error:" in output
    return 1 if result.returncode or warned else 0
