"""QML warnings as a panel author needs them: once each, with the bad identifier named.

Qt reports a misspelled enum value (``byteOrder: S7Client.LittleEndiann``) only as "Unable to
assign [undefined] to int". :func:`explain` reads the line the warning points to and names the
identifier of ours that is not there, with the nearest real one.
"""

from __future__ import annotations

import difflib
import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from PySide6.QtCore import QMetaObject, QObject, QUrl
from PySide6.QtQml import QQmlError

_QUALIFIED = re.compile(r"\b([A-Z]\w*)\.([A-Za-z_]\w*)\b")
_UNDEFINED = ("[undefined]", "is not defined", "undefined")


def enum_keys(cls: type[QObject]) -> set[str]:
    """Every enum value name of ``cls`` and its bases, as QML spells them (``S7Client.PG``)."""
    meta: QMetaObject = cls.staticMetaObject
    return {
        meta.enumerator(i).key(k)
        for i in range(meta.enumeratorCount())
        for k in range(meta.enumerator(i).keyCount())
    }


def _source_line(url: QUrl, line: int) -> str:
    if not url.isLocalFile() or line < 1:
        return ""
    try:
        lines = Path(url.toLocalFile()).read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return ""
    return lines[line - 1] if line <= len(lines) else ""


def explain(error: QQmlError, types: Iterable[type[QObject]]) -> str:
    """A hint for ``error`` when it comes from an unknown enum value of ``types``, else ""."""
    if not any(marker in error.description() for marker in _UNDEFINED):
        return ""
    known = {cls.staticMetaObject.className(): cls for cls in types}
    for type_name, member in _QUALIFIED.findall(_source_line(error.url(), error.line())):
        cls = known.get(type_name)
        if cls is None or not member[0].isupper():
            continue
        keys = enum_keys(cls)
        if member in keys:
            continue
        near = difflib.get_close_matches(member, sorted(keys), n=1)
        guess = f"; did you mean {type_name}.{near[0]}?" if near else ""
        return f"{type_name} has no enum value {member}{guess}"
    return ""


class WarningPrinter:
    """Prints the warnings of a QML engine once each, with hints; counts them.

    Connect it to ``QQmlEngine.warnings`` and switch the engine's own printing off
    (``setOutputWarningsToStandardError(False)``), or every warning appears twice.
    """

    def __init__(self, types: Iterable[type[QObject]], stream: TextIO | None = None) -> None:
        self._types = tuple(types)
        self._stream = stream
        self.count = 0

    def __call__(self, errors: Iterable[QQmlError]) -> None:
        stream = self._stream or sys.stderr
        for error in errors:
            self.count += 1
            hint = explain(error, self._types)
            print(error.toString() + (f" ({hint})" if hint else ""), file=stream, flush=True)
