"""S7AlarmModel: the application's alarms (or a given list) as a sorted, filtered list model.

Rows are sorted by priority (1 first), then by the time they came (newest first), and
filtered by ``group``, ``activeOnly``, ``unacknowledgedOnly`` and ``currentOnly``. The counts
(``activeCount``, ``unacknowledgedCount``, ...) and ``topAlarm`` (what a banner shows) are over
the alarms of ``group`` whatever the other filters say.

Many alarms change at once (a poll cycle changes every value, a flood brings hundreds): an
alarm's change only marks it, and once per event-loop turn the marked alarms are announced
together: one dataChanged range for what the rows show; when states changed, the rows are
filtered and sorted again in Python (a stable sort of keys kept per alarm) and the views told
with as few row removals, one layout change and row insertions as it takes.

Why not QSortFilterProxyModel: its dynamic sort ignores dataChanged's roles and asks the model
for the sort key of every changed row and its neighbours, each a call into Python with the
index checks around it. When a thousand alarms came at once that took about 57 ms; here the
whole announcement of such a flood takes about 8 ms, the sort itself a fraction of one (the
``flip`` scenario of bench/alarms.py is such a flood, every poll cycle).
"""

from __future__ import annotations

from functools import partial
from itertools import groupby
from typing import Any, NamedTuple

from PySide6.QtCore import (
    Property,
    QAbstractItemModel,
    QAbstractListModel,
    QByteArray,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtQml import QmlElement

from ..alarms import State
from .alarm import S7Alarm, registry
from .dataobject import plain_value
from .props import assign, notified
from .wrappers import drop_attributes_when_destroyed

QML_IMPORT_NAME = "QmlS7"
QML_IMPORT_MAJOR_VERSION = 1

_USER = Qt.ItemDataRole.UserRole
_FIELDS = {  # role name -> what it reads of an alarm
    b"name": lambda a: a.objectName() or a.text,
    b"text": lambda a: a.textWithValue,
    b"priority": lambda a: a.priority,
    b"group": lambda a: a.group,
    b"state": lambda a: a.state,
    b"active": lambda a: a.active,
    b"acknowledged": lambda a: a.acknowledged,
    b"came": lambda a: a.cameAt,
    b"went": lambda a: a.wentAt,
    b"acknowledgedAt": lambda a: a.acknowledgedAt,
    b"shelved": lambda a: a.shelved,
    b"conditionKnown": lambda a: a.conditionKnown,
    b"quality": lambda a: a.quality,
    b"kind": lambda a: a.kind,
    b"alarm": lambda a: a,
}
_ROLES = {_USER + 1 + i: name for i, name in enumerate(_FIELDS)}
_DISPLAY = Qt.ItemDataRole.DisplayRole
_READERS = {role: _FIELDS[name] for role, name in _ROLES.items()}
_READERS[_DISPLAY] = _FIELDS[b"text"]
# A layout change that says "sorted": views keep their delegates and read them again (without
# the hint, QML's delegate model resets and makes every delegate anew).
_VERTICAL = QAbstractItemModel.LayoutChangeHint.VerticalSortHint
_WITH_HINT = ("QList<QPersistentModelIndex>", "QAbstractItemModel::LayoutChangeHint")

_ACTIVE = frozenset({State.Unacknowledged, State.Acknowledged})
_UNACKNOWLEDGED = frozenset({State.Unacknowledged, State.ReturnedUnacknowledged})
_COUNTS = ("totalCount", "activeCount", "unacknowledgedCount", "shelvedCount", "unknownCount")


class Snapshot(NamedTuple):
    """What sorting, filtering and counting know of an alarm: its state when announced."""

    key: tuple[int, int]  # (priority, -came): priority 1 first, then the newest came first
    state: int
    known: bool
    group: str
    active: bool
    unacknowledged: bool
    tally: tuple[int, ...]  # what the alarm adds to each of _COUNTS

    @classmethod
    def of(cls, alarm: S7Alarm) -> Snapshot:
        priority, came, state, known, group = alarm.snapshot()
        active, unacknowledged = state in _ACTIVE, state in _UNACKNOWLEDGED
        tally = (1, active, unacknowledged, state == State.Shelved, not known)
        return cls((priority, -came), state, known, group, active, unacknowledged, tally)


def _runs(positions: list[int]) -> list[tuple[int, int]]:
    """Ascending ``positions`` as (first, last) runs of consecutive numbers."""
    return [
        (run[0][1], run[-1][1])
        for run in (list(g) for _, g in groupby(enumerate(positions), lambda p: p[1] - p[0]))
    ]


@QmlElement
class S7AlarmModel(QAbstractListModel):
    """The alarms, sorted (priority 1 first, then newest came first) and filtered."""

    alarmsChanged = Signal()
    groupChanged = Signal()
    activeOnlyChanged = Signal()
    unacknowledgedOnlyChanged = Signal()
    currentOnlyChanged = Signal()
    countChanged = Signal()
    totalCountChanged = Signal()
    activeCountChanged = Signal()
    unacknowledgedCountChanged = Signal()
    shelvedCountChanged = Signal()
    unknownCountChanged = Signal()
    topAlarmChanged = Signal()
    groupsChanged = Signal()

    def _filters_changed(self) -> None:
        self._filters = (self.group, self.activeOnly, self.unacknowledgedOnly, self.currentOnly)
        self._arrange()

    def _group_changed(self) -> None:
        self._filters_changed()
        self._recount()

    group = notified("group", str, "", groupChanged, after=_group_changed)
    activeOnly = notified("activeOnly", bool, False, activeOnlyChanged, after=_filters_changed)
    unacknowledgedOnly = notified(
        "unacknowledgedOnly", bool, False, unacknowledgedOnlyChanged, after=_filters_changed
    )
    currentOnly = notified("currentOnly", bool, False, currentOnlyChanged, after=_filters_changed)
    totalCount = notified("totalCount", int, 0, totalCountChanged, readonly=True)
    activeCount = notified("activeCount", int, 0, activeCountChanged, readonly=True)
    unacknowledgedCount = notified(
        "unacknowledgedCount", int, 0, unacknowledgedCountChanged, readonly=True
    )
    shelvedCount = notified("shelvedCount", int, 0, shelvedCountChanged, readonly=True)
    unknownCount = notified("unknownCount", int, 0, unknownCountChanged, readonly=True)
    topAlarm = notified("topAlarm", QObject, None, topAlarmChanged, readonly=True)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        drop_attributes_when_destroyed(self)
        self._filters = ("", False, False, False)  # group, activeOnly, unack..., currentOnly
        self._given: list[S7Alarm] | None = None  # None: every alarm of the registry
        self._alarms: dict[int, S7Alarm] = {}  # id -> alarm, in registration order
        self._snapshots: dict[int, Snapshot] = {}
        self._rows: list[int] = []  # ids of the alarms shown, in row order
        self._counts = [0] * len(_COUNTS)
        self._groups: list[str] = []
        self._marked: dict[int, S7Alarm] = {}
        self._rearrange = False  # alarms came or left since the rows were last arranged
        self._regroup = False  # ... and the groups may be others now
        self._flush_due = False
        self._flush_timer = QTimer(self)
        self._flush_timer.setSingleShot(True)
        self._flush_timer.timeout.connect(self._flush)
        alarms = registry()
        alarms.listen(self)
        self.destroyed.connect(partial(alarms.forget, id(self)))
        self._reset(alarms.alarms())

    # -- which alarms -----------------------------------------------------------------------
    def _get_alarms(self) -> Any:
        return None if self._given is None else list(self._given)

    def _set_alarms(self, value: Any) -> None:
        value = plain_value(value)
        if value is None:
            alarms = None
        else:
            items = value if isinstance(value, list | tuple) else [value]
            alarms = [a for a in items if isinstance(a, S7Alarm)]
        if alarms != self._given:
            self._given = alarms
            self._reset(registry().alarms() if alarms is None else alarms)
            self.alarmsChanged.emit()

    # These alarms; unset (or null): every S7Alarm of the application, also those to come.
    alarms = Property("QVariant", _get_alarms, _set_alarms, notify=alarmsChanged)

    def _reset(self, alarms: list[S7Alarm]) -> None:
        self.beginResetModel()
        self._alarms = {id(a): a for a in alarms}
        self._snapshots = {key: Snapshot.of(a) for key, a in self._alarms.items()}
        self._marked.clear()
        self._rows = self._wanted()
        self.endResetModel()
        self.countChanged.emit()
        self._recount()

    # -- what the registry reports (AlarmListener) ------------------------------------------
    def alarm_added(self, alarm: S7Alarm) -> None:
        """A new alarm of the application: shown from the next turn, unless alarms are given."""
        key = id(alarm)
        if self._given is not None or key in self._alarms:
            return
        self._alarms[key] = alarm
        snapshot = self._snapshots[key] = Snapshot.of(alarm)
        self._count(snapshot, 1)
        self._rearrange = self._regroup = True  # with every other alarm created in this turn
        self._flush_soon()

    def alarm_removed(self, alarm: S7Alarm) -> None:
        """An alarm is being destroyed: its row goes now (only its identity is used)."""
        key = id(alarm)
        if key not in self._alarms:
            return
        if key in self._rows:
            row = self._rows.index(key)
            self.beginRemoveRows(QModelIndex(), row, row)
            del self._rows[row]
            self.endRemoveRows()
            self.countChanged.emit()
        del self._alarms[key]
        self._count(self._snapshots.pop(key), -1)
        self._marked.pop(key, None)
        if self._given is not None:
            self._given = [a for a in self._given if a is not alarm]
        self._rearrange = self._regroup = True  # the counts with every other one going now
        self._flush_soon()

    def alarm_changed(self, alarm: S7Alarm) -> None:
        """Something ``alarm`` shows changed: announce it with the others, in the next turn."""
        key = id(alarm)
        if key in self._alarms:
            self._marked[key] = alarm
            self._flush_soon()

    # -- changes, announced once per event-loop turn -----------------------------------------
    def _flush_soon(self) -> None:
        if not self._flush_due:
            self._flush_due = True
            self._flush_timer.start(0)

    @Slot()  # a slot: a QML-made metaobject (a property of its own) drops plain callables
    def _flush(self) -> None:
        self._flush_due = False
        marked, self._marked = self._marked, {}
        rearrange, self._rearrange = self._rearrange, False
        regroup, self._regroup = self._regroup, False
        snapshots, counts, scope = self._snapshots, self._counts, self._filters[0]
        for key, alarm in marked.items():
            old, new = snapshots[key], Snapshot.of(alarm)
            if new != old:
                snapshots[key] = new
                if not scope or old.group == scope:
                    counts[:] = [c - n for c, n in zip(counts, old.tally, strict=True)]
                if not scope or new.group == scope:
                    counts[:] = [c + n for c, n in zip(counts, new.tally, strict=True)]
                regroup |= old.group != new.group
                rearrange = True
        if rearrange:
            self._arrange()
        if marked:
            row_of = {key: row for row, key in enumerate(self._rows)}
            rows = [row_of[key] for key in marked if key in row_of]
            if rows:
                self.dataChanged.emit(self.index(min(rows)), self.index(max(rows)), [])
        if rearrange or regroup:
            self._publish(regroup)

    # -- filtering and sorting --------------------------------------------------------------
    def _wanted(self) -> list[int]:
        """The ids of the alarms to show, in row order (ties: in registration order)."""
        group, active_only, unacknowledged_only, current_only = self._filters
        snapshots = self._snapshots
        wanted = [
            key
            for key, s in snapshots.items()
            if not (
                (group and s.group != group)
                or (active_only and not s.active)
                or (unacknowledged_only and not s.unacknowledged)
                or (current_only and s.state == State.Normal)
            )
        ]
        wanted.sort(key=lambda key: snapshots[key].key)
        return wanted

    def _arrange(self) -> None:
        """Turn the rows into what the filters and the order want, telling the views."""
        wanted = self._wanted()
        rows = self._rows
        if wanted == rows:
            return
        keep = set(wanted)
        for first, last in reversed(_runs([r for r, key in enumerate(rows) if key not in keep])):
            self.beginRemoveRows(QModelIndex(), first, last)
            del rows[first : last + 1]
            self.endRemoveRows()
        kept = set(rows)
        order = [key for key in wanted if key in kept]
        if order != rows:
            self.layoutAboutToBeChanged[_WITH_HINT].emit([], _VERTICAL)
            moved_to = {key: row for row, key in enumerate(order)}
            persistent = self.persistentIndexList()
            self.changePersistentIndexList(
                persistent, [self.index(moved_to[rows[p.row()]]) for p in persistent]
            )
            rows[:] = order
            self.layoutChanged[_WITH_HINT].emit([], _VERTICAL)
        for first, last in _runs([r for r, key in enumerate(wanted) if key not in kept]):
            self.beginInsertRows(QModelIndex(), first, last)
            rows[first:first] = wanted[first : last + 1]
            self.endInsertRows()
        self.countChanged.emit()

    # -- counts and the top alarm -------------------------------------------------------------
    def _count(self, snapshot: Snapshot, sign: int) -> None:
        scope = self._filters[0]
        if not scope or snapshot.group == scope:
            for i, n in enumerate(snapshot.tally):
                self._counts[i] += sign * n

    def _recount(self) -> None:
        self._counts = [0] * len(_COUNTS)
        for snapshot in self._snapshots.values():
            self._count(snapshot, 1)
        self._publish(regroup=True)

    def _publish(self, regroup: bool = False) -> None:
        """Show the counts, the top alarm and (``regroup``) the groups as they are now."""
        for name, value in zip(_COUNTS, self._counts, strict=True):
            assign(self, name, value)
        assign(self, "topAlarm", self._top())
        if regroup:
            groups = sorted({s.group for s in self._snapshots.values() if s.group})
            if groups != self._groups:
                self._groups = groups
                self.groupsChanged.emit()

    def _top(self) -> S7Alarm | None:
        """The newest unacknowledged alarm of the highest priority in scope; without one, the
        newest active one of the highest priority; None when neither exists."""
        best: tuple[bool, tuple[int, int]] | None = None
        top, scope = None, self._filters[0]
        for key, s in self._snapshots.items():
            if (s.unacknowledged or s.active) and (not scope or s.group == scope):
                candidate = (not s.unacknowledged, s.key)
                if best is None or candidate < best:
                    best, top = candidate, key
        return None if top is None else self._alarms[top]

    # -- properties ---------------------------------------------------------------------------
    def _get_count(self) -> int:
        return len(self._rows)

    # The rows that pass the filters.
    count = Property(int, _get_count, notify=countChanged)

    def _get_groups(self) -> list[str]:
        return list(self._groups)

    # The groups of the model's alarms, sorted (for a group filter's choices).
    groups = Property("QStringList", _get_groups, notify=groupsChanged)

    # -- QAbstractListModel -------------------------------------------------------------------
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = _DISPLAY) -> Any:
        row = index.row()
        if not index.isValid() or not 0 <= row < len(self._rows):
            return None
        reader = _READERS.get(role)
        return reader(self._alarms[self._rows[row]]) if reader is not None else None

    def roleNames(self) -> dict[int, QByteArray]:
        return {role: QByteArray(name) for role, name in _ROLES.items()}

    # -- what QML calls --------------------------------------------------------------------
    @Slot(int, result=QObject)
    def get(self, row: int) -> S7Alarm | None:
        """The alarm in row ``row`` (as sorted and filtered), or null."""
        if not 0 <= row < len(self._rows):
            return None
        return self._alarms[self._rows[row]]

    @Slot(result=int)
    @Slot(str, result=int)
    def acknowledgeAll(self, group: str = "") -> int:
        """Acknowledge every alarm of the model in ``group`` ("": every one), whatever the
        filters show; the number whose state changed."""
        alarms = [a for a in self._alarms.values() if not group or a.group == group]
        return sum(alarm.acknowledge() for alarm in alarms)
