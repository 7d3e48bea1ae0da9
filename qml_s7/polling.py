"""Polling (``Polling on data { interval: 100 }``) and the poll scheduler of a client.

Variables due at the same moment are read together: the scheduler keeps one timer per distinct
interval (not one per variable), and every read asked for in one event-loop turn (timers that
fired together, ``pollData()`` calls) goes out as one batch when the loop is next idle.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import IntEnum
from typing import TYPE_CHECKING

from PySide6.QtCore import Property, QEnum, QObject, Qt, QTimer, Signal
from PySide6.QtQml import QmlElement, QPyQmlPropertyValueSource, QQmlProperty

from .props import assign, notified

if TYPE_CHECKING:
    from .address import Address
    from .variable import S7Variable

QML_IMPORT_NAME = "QmlS7"
QML_IMPORT_MAJOR_VERSION = 1


class PollGroup:
    """The variables polled at one interval, with their timer and their cached batch part."""

    __slots__ = ("_part", "busy", "interval", "members", "timer")

    def __init__(self, interval: int, timer: QTimer) -> None:
        self.interval = interval
        self.timer = timer
        self.members: dict[int, S7Variable] = {}  # key -> variable, in subscription order
        self.busy = False  # a read of this group is in flight: its next tick is skipped
        self._part: tuple[tuple[int, ...], tuple[Address, ...]] | None = None

    def part(self) -> tuple[tuple[int, ...], tuple[Address, ...]]:
        """(keys, addresses) of the members that have an address, built once per change."""
        if self._part is None:
            live = [(key, v._address) for key, v in self.members.items() if v._address is not None]
            self._part = (tuple(k for k, _ in live), tuple(a for _, a in live))
        return self._part

    def invalidate(self) -> None:
        self._part = None


class PollScheduler(QObject):
    """Decides which variables of one client are due; hands each batch to ``read``.

    ``read(groups, variables)`` gets the groups whose timer fired and the variables asked for
    with pollData() in this event-loop turn. A group whose last read is still in flight is
    left out, so a slow PLC is never asked for the same values twice.
    """

    def __init__(
        self,
        read: Callable[[list[PollGroup], list[S7Variable]], None],
        parent: QObject,
    ) -> None:
        super().__init__(parent)
        self._read = read
        self._groups: dict[int, PollGroup] = {}  # interval -> group
        self._due_groups: dict[int, PollGroup] = {}
        self._due: dict[int, S7Variable] = {}
        self._flush = QTimer(self)
        self._flush.setSingleShot(True)
        self._flush.setInterval(0)
        self._flush.timeout.connect(self._send)

    def set_intervals(self, variable: S7Variable, intervals: set[int]) -> None:
        """Poll ``variable`` at exactly these intervals (ms) from now on."""
        key = variable._key
        for interval, group in list(self._groups.items()):
            if interval not in intervals and group.members.pop(key, None) is not None:
                self._changed(group)
        for interval in intervals:
            group = self._groups.get(interval) or self._start(interval)
            if group.members.get(key) is not variable:
                group.members[key] = variable
                group.invalidate()

    def address_changed(self, key: int) -> None:
        """The variable registered as ``key`` now reads another address (or none)."""
        for group in self._groups.values():
            if key in group.members:
                group.invalidate()

    def forget(self, key: int) -> None:
        """Stop polling the variable registered as ``key``."""
        self._due.pop(key, None)
        for group in list(self._groups.values()):
            if group.members.pop(key, None) is not None:
                self._changed(group)

    def poll_now(self, variable: S7Variable) -> None:
        """Read ``variable`` with the batch of this event-loop turn."""
        self._due[variable._key] = variable
        if not self._flush.isActive():
            self._flush.start()

    def _start(self, interval: int) -> PollGroup:
        timer = QTimer(self)
        timer.setTimerType(Qt.TimerType.PreciseTimer)
        timer.setInterval(interval)
        group = self._groups[interval] = PollGroup(interval, timer)
        timer.timeout.connect(lambda: self._tick(group))
        timer.start()
        return group

    def _changed(self, group: PollGroup) -> None:
        group.invalidate()
        if not group.members:
            del self._groups[group.interval]
            self._due_groups.pop(group.interval, None)
            group.timer.stop()
            group.timer.deleteLater()

    def _tick(self, group: PollGroup) -> None:
        if not group.busy:
            self._due_groups[group.interval] = group
            if not self._flush.isActive():
                self._flush.start()

    def _send(self) -> None:
        groups = [g for g in self._due_groups.values() if not g.busy]
        variables = list(self._due.values())
        self._due_groups.clear()
        self._due.clear()
        if groups or variables:
            self._read(groups, variables)


class PollingError(IntEnum):
    """Polling.Error."""

    NoError = 0
    NotSupportedError = 1


def _reschedule(polling: Polling) -> None:
    polling._apply()


@QmlElement
class Polling(QPyQmlPropertyValueSource):
    """``Polling on data { interval: 100; running: plc.connected }``: poll an S7Variable."""

    Error = QEnum(IntEnum("Error", {e.name: e.value for e in PollingError}))
    intervalChanged = Signal()
    runningChanged = Signal()
    timestampChanged = Signal()
    errorChanged = Signal()
    errorStringChanged = Signal()
    errorOccurred = Signal()

    interval = notified("interval", int, 1000, intervalChanged, after=_reschedule)  # >= 1
    running = notified("running", bool, True, runningChanged, after=_reschedule)
    error = notified("error", int, 0, errorChanged, readonly=True)
    errorString = notified("errorString", str, "", errorStringChanged, readonly=True)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._variable: S7Variable | None = None

    def _get_timestamp(self) -> int:
        variable = self._variable
        return variable.timestamp if variable is not None else 0

    # The variable's timestamp moves on every successful read (and confirmed write); its
    # signal is forwarded signal-to-signal, so no Python runs per poll for this.
    timestamp = Property("qint64", _get_timestamp, notify=timestampChanged)

    def setTarget(self, target: QQmlProperty) -> None:
        from .variable import S7Variable

        obj = target.object()
        if not isinstance(obj, S7Variable):
            kind = type(obj).__name__ if obj is not None else "nothing"
            assign(self, "error", int(PollingError.NotSupportedError))
            assign(self, "errorString", f"Polling works on S7Variable.data, not on {kind}")
            self.errorOccurred.emit()
            return
        self._variable = obj
        obj.timestampChanged.connect(self.timestampChanged)
        self._apply()

    def _apply(self) -> None:
        variable = self._variable
        if variable is None:
            return
        if self.running:
            variable.subscribe(self, max(1, self.interval))
        else:
            variable.unsubscribe(self)
