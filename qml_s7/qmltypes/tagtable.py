"""S7TagTable: the PLC project's tag names in QML, and a list model of them for a tag browser.

``S7TagTable { files: ["Tank.db", "PLC tags.xlsx"]; dbNumbers: ({ "Tank": 1 }) }``, declared
inside an S7Client (or given to its ``tagTable``), lets that client's S7Variables name their
data as the PLC programmer did: ``name: '"Tank".Level'`` or ``name: "Start_Button"``.

Loading (qml_s7/tags/) is all or nothing: a file with an error loads nothing, keeps what was
loaded before, and says why in ``error``/``errorString``. The files are watched: an edited or
re-exported file is loaded again and the variables of the client look their names up again.
"""

from __future__ import annotations

from enum import IntEnum
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    Property,
    QAbstractListModel,
    QByteArray,
    QEnum,
    QFileSystemWatcher,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    QTimer,
    QUrl,
    Signal,
    Slot,
)
from PySide6.QtQml import QmlElement, qmlContext

from ..tags import Symbol, SymbolTable, load_symbols
from .dataobject import plain_value
from .props import assign, notified
from .wrappers import drop_attributes_when_destroyed

QML_IMPORT_NAME = "QmlS7"
QML_IMPORT_MAJOR_VERSION = 1

# A file written by an editor or an export often changes twice in a row: load once it settles.
_SETTLE_MS = 200

_ROLES = {
    Qt.ItemDataRole.UserRole + 1: b"name",
    Qt.ItemDataRole.UserRole + 2: b"address",
    Qt.ItemDataRole.UserRole + 3: b"type",
    Qt.ItemDataRole.UserRole + 4: b"comment",
    Qt.ItemDataRole.UserRole + 5: b"origin",
}
_DISPLAY = Qt.ItemDataRole.DisplayRole
_SEARCHED = [role for role, name in _ROLES.items() if name != b"origin"]
_FIELDS = {
    b"name": lambda s: s.name,
    b"address": lambda s: s.address_text,
    b"type": lambda s: s.type_text,
    b"comment": lambda s: s.comment,
    b"origin": lambda s: s.origin,
}


class TagTableError(IntEnum):
    """S7TagTable.Error."""

    NoError = 0
    LoadError = 1  # a file is missing, unreadable, or has an error (errorString says where)


class _Filter(QSortFilterProxyModel):
    """The rows whose name, address, type or comment contain ``text`` (any case)."""

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self.text = ""

    def set_text(self, text: str) -> None:
        """Filter by ``text`` from now on."""
        if hasattr(self, "beginFilterChange"):  # Qt 6.10 on; invalidateRowsFilter is deprecated
            self.beginFilterChange()
            self.text = text
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            self.text = text
            self.invalidateRowsFilter()

    def filterAcceptsRow(self, row: int, parent: QModelIndex | QPersistentModelIndex) -> bool:
        if not self.text:
            return True
        wanted = self.text.lower()
        source = self.sourceModel()
        index = source.index(row, 0, parent)
        return any(wanted in str(source.data(index, role)).lower() for role in _SEARCHED)


@QmlElement
class S7TagTable(QAbstractListModel):
    """Tag names of a PLC project (TIA sources, tag tables, CSV) as a list model."""

    Error = QEnum(IntEnum("Error", {e.name: e.value for e in TagTableError}))

    filesChanged = Signal()
    dbNumbersChanged = Signal()
    countChanged = Signal()
    errorChanged = Signal()
    errorStringChanged = Signal()
    filterChanged = Signal()
    loaded = Signal()  # a load succeeded: the symbols changed
    errorOccurred = Signal()

    error = notified("error", int, 0, errorChanged, readonly=True)
    errorString = notified("errorString", str, "", errorStringChanged, readonly=True)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        drop_attributes_when_destroyed(self)
        self._files: list[str] = []
        self._db_numbers: dict[str, int] = {}
        self._symbols: list[Symbol] = []
        self._table = SymbolTable([])
        self._stale = True  # files or DB numbers changed since the last load
        self._watcher = QFileSystemWatcher(self)
        self._watcher.fileChanged.connect(self._file_changed)
        self._reload = QTimer(self)
        self._reload.setSingleShot(True)
        self._reload.timeout.connect(self.load)
        self._filter = _Filter(self)
        self._filter.setSourceModel(self)

    # -- properties ---------------------------------------------------------------------------
    def _get_files(self) -> list[str]:
        return list(self._files)

    def _set_files(self, files: Any) -> None:
        value = plain_value(files)
        items = [value] if isinstance(value, str | QUrl) else list(value or [])
        names = [item.toString() if isinstance(item, QUrl) else str(item) for item in items]
        if names != self._files:
            self._files = names
            self._changed()
            self.filesChanged.emit()

    files = Property("QVariantList", _get_files, _set_files, notify=filesChanged)

    def _get_db_numbers(self) -> dict[str, int]:
        return dict(self._db_numbers)

    def _set_db_numbers(self, numbers: Any) -> None:
        value = plain_value(numbers) or {}
        mapping = {str(k): int(v) for k, v in dict(value).items()}
        if mapping != self._db_numbers:
            self._db_numbers = mapping
            self._changed()
            self.dbNumbersChanged.emit()

    dbNumbers = Property("QVariantMap", _get_db_numbers, _set_db_numbers, notify=dbNumbersChanged)

    def _get_count(self) -> int:
        return len(self._symbols)

    count = Property(int, _get_count, notify=countChanged)

    def _get_filter(self) -> str:
        return self._filter.text

    def _set_filter(self, text: str) -> None:
        if text != self._filter.text:
            self._filter.set_text(text)
            self.filterChanged.emit()

    filter = Property(str, _get_filter, _set_filter, notify=filterChanged)

    def _get_filtered(self) -> QSortFilterProxyModel:
        return self._filter

    # The rows that match ``filter``, for a tag browser: ListView { model: tags.filtered }.
    filtered = Property(QObject, _get_filtered, constant=True)

    # -- lookups (what S7Client asks) ---------------------------------------------------------
    def lookup(self, name: str) -> Symbol | None:
        """The symbol ``name`` stands for, or None."""
        self._ensure_loaded()
        return self._table.lookup(name)

    def suggest(self, name: str, count: int = 3) -> list[str]:
        """The known names closest to ``name``."""
        self._ensure_loaded()
        return self._table.suggest(name, count)

    @Slot(str, result="QVariantMap")
    def find(self, name: str) -> dict[str, Any]:
        """The row of ``name`` as a map (name, address, type, comment, origin); empty if none."""
        symbol = self.lookup(name)
        if symbol is None:
            return {}
        return {role.decode(): field(symbol) for role, field in _FIELDS.items()}

    # -- loading ------------------------------------------------------------------------------
    def _changed(self) -> None:
        self._stale = True
        self._reload.start(0)  # once every property of this turn is set

    def _ensure_loaded(self) -> None:
        # Only for lookups: a variable completing before the deferred load asks for its name
        # now. A QML binding (count, rows) never loads: a reset inside it would loop.
        if self._stale:
            self.load()

    @Slot()
    def load(self) -> None:
        """Load the files now (also done by itself when they or the DB numbers change)."""
        self._stale = False
        self._reload.stop()
        paths = [self._path(f) for f in self._files]
        self._watch(paths)
        try:
            symbols = load_symbols(paths, self._db_numbers)
        except (ValueError, OSError) as exc:  # TagErrors is a ValueError
            self._failed(str(exc))
            return
        self.beginResetModel()
        self._symbols = symbols
        self._table = SymbolTable(symbols)
        self.endResetModel()
        self.countChanged.emit()
        assign(self, "error", int(TagTableError.NoError))
        assign(self, "errorString", "")
        self.loaded.emit()

    def _failed(self, text: str) -> None:
        """Keep what was loaded before; say what is wrong."""
        assign(self, "error", int(TagTableError.LoadError))
        assign(self, "errorString", text)
        self.errorOccurred.emit()

    def _path(self, file: str) -> str:
        url = QUrl(file)
        context = qmlContext(self)
        if context is not None and url.isRelative():
            url = context.resolvedUrl(url)
        return url.toLocalFile() if url.isLocalFile() else file

    def _watch(self, paths: list[str]) -> None:
        watched = set(self._watcher.files())
        wanted = {p for p in paths if Path(p).exists()}
        if watched - wanted:
            self._watcher.removePaths(list(watched - wanted))
        if wanted - watched:
            self._watcher.addPaths(list(wanted - watched))

    @Slot(str)  # a slot: a QML-made metaobject (a property of its own) drops plain callables
    def _file_changed(self, path: str) -> None:
        # An export replaces the file: the watch ends with the old one, so watch the path again.
        if path not in self._watcher.files() and Path(path).exists():
            self._watcher.addPath(path)
        self._stale = True
        self._reload.start(_SETTLE_MS)

    # -- QAbstractListModel -------------------------------------------------------------------
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._symbols)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = _DISPLAY) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._symbols):
            return None
        symbol = self._symbols[index.row()]
        key = b"name" if role == _DISPLAY else _ROLES.get(role)
        field = _FIELDS.get(key) if key is not None else None
        return field(symbol) if field is not None else None

    def roleNames(self) -> dict[int, QByteArray]:
        return {role: QByteArray(name) for role, name in _ROLES.items()}
