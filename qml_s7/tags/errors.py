"""The errors of loading tags: each one at its file and line."""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["TagError", "TagErrors"]


class TagError(ValueError):
    """One error in a tag file: ``str()`` is ``"path:line: message"`` (``"path: message"``
    when no line applies, e.g. a missing file)."""

    def __init__(self, path: str, line: int | None, message: str, column: int | None = None):
        self.path = path
        self.line = line
        self.column = column
        self.message = message
        where = f"{path}:{line}" if line is not None else path
        super().__init__(f"{where}: {message}")


class TagErrors(ValueError):
    """Every error found while loading, one per line of ``str()``; ``errors`` lists them."""

    def __init__(self, errors: Iterable[TagError]) -> None:
        self.errors: list[TagError] = list(errors)
        super().__init__("\n".join(str(e) for e in self.errors))
