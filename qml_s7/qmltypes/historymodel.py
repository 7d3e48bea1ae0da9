"""S7HistoryModel: the write audit trail or the alarm events of an S7History, newest first.

``S7HistoryModel { history: history; events: S7HistoryModel.Writes; user: "anna" }``

The rows come from a query on the store's thread; they are applied on the GUI thread when
the answer arrives (the relay of history.py), and asked for again after each commit that
wrote rows of the model's kind, when a filter changes, and on refresh(). New rows at the top
are inserted, rows that changed (a write's outcome arriving) are announced as changed, and
only a different list is a reset: views keep their place while the trail grows.
"""

from __future__ import annotations

import weakref
from enum import IntEnum
from typing import Any

from PySide6.QtCore import (
    Property,
    QAbstractListModel,
    QByteArray,
    QEnum,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
    Slot,
)
from PySide6.QtQml import QmlElement

from ..history.store import CommitInfo
from .dataobject import for_qml
from .history import S7History, deliver
from .props import assign, notified
from .wrappers import drop_attributes_when_destroyed

QML_IMPORT_NAME = "QmlS7"
QML_IMPORT_MAJOR_VERSION = 1


class Kind(IntEnum):
    """S7HistoryModel.Events: which table the rows come from."""

    Writes = 0
    AlarmEvents = 1


# The roles of each kind, in the order of the store's result rows.
_COLUMNS = {
    Kind.Writes: ("ts", "tag", "old", "new", "outcome", "user", "client", "detail"),
    Kind.AlarmEvents: ("ts", "alarm", "event", "value", "user", "text", "priority", "group"),
}
_USER = Qt.ItemDataRole.UserRole


def _roles(kind: Kind) -> dict[int, str]:
    return {_USER + 1 + i: name for i, name in enumerate(_COLUMNS[kind])}


def _changed(self: S7HistoryModel) -> None:
    self.refresh()


def _history_changed(self: S7HistoryModel) -> None:
    self.listen()


def _events_changed(self: S7HistoryModel) -> None:
    self.beginResetModel()
    self._rows = []
    self._roles = _roles(Kind(self.events) if self.events in _KINDS else Kind.Writes)
    self.endResetModel()
    self.countChanged.emit()
    self.refresh()


_KINDS = frozenset(int(k) for k in Kind)


@QmlElement
class S7HistoryModel(QAbstractListModel):
    """Rows of an S7History's writes (or alarm events), newest first, filtered."""

    Events = QEnum(IntEnum("Events", {k.name: k.value for k in Kind}))

    historyChanged = Signal()
    eventsChanged = Signal()
    tagChanged = Signal()
    userChanged = Signal()
    limitChanged = Signal()
    countChanged = Signal()
    loadingChanged = Signal()
    refreshed = Signal()  # the rows are those of the latest query

    history = notified("history", QObject, None, historyChanged, after=_history_changed)
    events = notified("events", int, int(Kind.Writes), eventsChanged, after=_events_changed)
    # Only this tag (writes) or alarm (alarm events); "" = all.
    tag = notified("tag", str, "", tagChanged, after=_changed)
    # Only this user; "" = all.
    user = notified("user", str, "", userChanged, after=_changed)
    # At most this many rows (the newest).
    limit = notified("limit", int, 200, limitChanged, after=_changed)
    # A query is on its way.
    loading = notified("loading", bool, False, loadingChanged, readonly=True)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        drop_attributes_when_destroyed(self)
        self._rows: list[tuple] = []  # the roles' values of each row, in row order
        self._keys: list[Any] = []  # what identifies each row across queries
        self._roles = _roles(Kind.Writes)
        self._asked = 0  # the number of the latest query; older answers are dropped
        self._source: S7History | None = None

    # -- the source ---------------------------------------------------------------------------
    def listen(self) -> None:
        """Follow ``history``: its commits refresh the rows."""
        source = self.history if isinstance(self.history, S7History) else None
        if source is self._source:
            return
        if self._source is not None:
            self._source.committed.disconnect(self._commit)
            self._source.opened.disconnect(self.refresh)
            self._source.destroyed.disconnect(self._source_gone)
        self._source = source
        if source is not None:
            source.committed.connect(self._commit)
            source.opened.connect(self.refresh)  # (a file with rows of earlier runs)
            source.destroyed.connect(self._source_gone)
        self.refresh()

    @Slot()
    def _source_gone(self) -> None:
        self._source = None
        assign(self, "history", None)
        self._apply_rows(self._asked, [])

    @Slot()
    def _commit(self) -> None:
        source = self._source
        info = source.last_commit if source is not None else None
        if info is None or _brought(info, Kind(self.events)):
            self.refresh()

    @Slot()
    def refresh(self) -> None:
        """Query the rows again (on the store's thread); they change when the answer comes."""
        self._asked += 1
        source = self._source
        store = source.store if source is not None else None
        if store is None or self.events not in _KINDS:
            self._apply_rows(self._asked, [])
            return
        answer = deliver(weakref.ref(self), "_apply_rows")
        asked = self._asked
        assign(self, "loading", True)
        limit = max(0, self.limit)
        if self.events == Kind.Writes:
            store.query_writes(
                lambda rows: answer(asked, rows), tag=self.tag, user=self.user, limit=limit
            )
        else:
            store.query_alarm_events(
                lambda rows: answer(asked, rows), alarm=self.tag, user=self.user, limit=limit
            )

    # -- the answer, on the GUI thread ---------------------------------------------------------
    def _apply_rows(self, asked: int, found: list[Any]) -> None:
        if asked != self._asked:
            return  # a newer query is on its way
        assign(self, "loading", False)
        names = tuple(self._roles.values())
        rows = [_values(record, names) for record in found]
        keys = [_key(record, values) for record, values in zip(found, rows, strict=True)]
        if rows != self._rows or keys != self._keys:
            self._show(keys, rows)
        self.refreshed.emit()

    def _show(self, keys: list[Any], rows: list[tuple]) -> None:
        """Show ``rows`` telling the views as little as it takes: new rows at the top are
        inserted, rows pushed past the limit removed, changed rows (an outcome that came)
        announced; a list that is not the old one moved down is a reset."""
        old = self._keys
        top = keys.index(old[0]) if old and old[0] in keys else -1
        kept = min(len(old), len(keys) - top) if top >= 0 else 0
        if top < 0 or keys[top : top + kept] != old[:kept]:
            self.beginResetModel()
            self._rows, self._keys = rows, keys
            self.endResetModel()
            self.countChanged.emit()
            return
        count = len(old)
        if count > kept:  # pushed past the limit
            self.beginRemoveRows(QModelIndex(), kept, count - 1)
            del self._rows[kept:], self._keys[kept:]
            self.endRemoveRows()
        if top:
            self.beginInsertRows(QModelIndex(), 0, top - 1)
            self._rows[0:0], self._keys[0:0] = rows[:top], keys[:top]
            self.endInsertRows()
        if len(keys) > top + kept:  # older rows below (a larger limit)
            self.beginInsertRows(QModelIndex(), top + kept, len(keys) - 1)
            self._rows.extend(rows[top + kept :])
            self._keys.extend(keys[top + kept :])
            self.endInsertRows()
        changed = [i for i in range(top, top + kept) if self._rows[i] != rows[i]]
        self._rows = rows
        if changed:
            self.dataChanged.emit(self.index(min(changed)), self.index(max(changed)), [])
        if len(keys) != count:
            self.countChanged.emit()

    # -- QAbstractListModel --------------------------------------------------------------------
    def _get_count(self) -> int:
        return len(self._rows)

    count = Property(int, _get_count, notify=countChanged)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex | None = None) -> int:
        if parent is not None and parent.isValid():
            return 0
        return len(self._rows)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> Any:
        row = index.row()
        if not index.isValid() or not 0 <= row < len(self._rows):
            return None
        column = role - _USER - 1
        values = self._rows[row]
        if 0 <= column < len(values):
            return for_qml(values[column])
        if role == Qt.ItemDataRole.DisplayRole:
            return " ".join(str(v) for v in values if v is not None)
        return None

    def roleNames(self) -> dict[int, QByteArray]:
        return {role: QByteArray(name.encode()) for role, name in self._roles.items()}

    @Slot(int, result="QVariantMap")
    def get(self, row: int) -> dict[str, Any]:
        """Row ``row`` as a map of its roles ({} outside the rows)."""
        if not 0 <= row < len(self._rows):
            return {}
        values = self._rows[row]
        return {name: for_qml(values[i]) for i, name in enumerate(self._roles.values())}


def _values(record: Any, names: tuple[str, ...]) -> tuple:
    """The roles' values of a result record (a WriteRecord or an AlarmRecord)."""
    return tuple(getattr(record, name, None) for name in names)


def _key(record: Any, values: tuple) -> Any:
    """A write by its id (its outcome may come later); an alarm event by what it says."""
    key = getattr(record, "id", None)
    return values if key is None else key


def _brought(info: CommitInfo, kind: Kind) -> bool:
    """Whether the commit ``info`` wrote rows of ``kind``."""
    return bool(info.writes if kind == Kind.Writes else info.alarm_events)
