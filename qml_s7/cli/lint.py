"""``qml-s7 lint``: Qt's qmllint with QmlS7's type information, and a check of S7 addresses.

qmllint knows our types from the generated ``.qmltypes`` (:mod:`qml_s7.typeinfo`) but not what
an address name means, so a panel with ``S7Variable { name: "DB1.DBX0.9" }`` would lint clean
and fail only at run time. :func:`address_warnings` finds the ``name`` of every S7Variable that
is a plain string in the file and parses it as the running variable would.
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


def address_warnings(path: Path) -> list[LintWarning]:
    """A warning for every S7Variable ``name`` in ``path`` that is not a valid address."""
    text = path.read_text(encoding="utf-8-sig")
    warnings = []
    for offset, name in _variable_names(text):
        if not name.strip():
            continue  # no address yet: type/db/address may give one
        try:
            parse_address(name)
        except AddressError as exc:
            line = text.count("\n", 0, offset) + 1
            column = offset - (text.rfind("\n", 0, offset) + 1) + 1
            warnings.append(LintWarning(path, line, column, f"S7Variable name: {exc}"))
    return warnings


def _qmllint() -> str | None:
    found = shutil.which("pyside6-qmllint", path=str(Path(sys.executable).parent))
    return found or shutil.which("pyside6-qmllint")


def lint(panels: Sequence[str]) -> int:
    """Lint ``panels``; print every finding. Returns 0 when clean, 1 with findings, 2 on error."""
    qmllint = _qmllint()
    if qmllint is None:
        print("qml-s7: pyside6-qmllint not found (it comes with PySide6)", file=sys.stderr)
        return 2
    missing = [p for p in panels if not Path(p).is_file()]
    if missing:
        print(f"qml-s7: no such file: {', '.join(missing)}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as folder:
        write(folder)
        command = [qmllint, "-I", folder, "-I", qml_import_path(), *panels]
        result = subprocess.run(command, capture_output=True, text=True)
    output = (result.stdout + result.stderr).strip()
    findings = [str(w) for panel in panels for w in address_warnings(Path(panel))]
    output = "\n".join(filter(None, [output, *findings]))
    if output:
        print(output)
    warned = bool(findings) or "Warning:" in output or "Error:" in output
    return 1 if result.returncode or warned else 0
