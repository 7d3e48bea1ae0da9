"""Polling (``Polling on data { interval: 100 }``) and the poll scheduler of a client.

Variables due at the same moment are read together: the scheduler keeps one timer per distinct
interval (not one per variable), and every read asked for in one event-loop turn (timers that
fired together, ``pollData()`` calls) goes out as one batch when the loop is next idle.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from enum import IntEnum
from typing import TYPE_CHECKING

from PySide6.QtCore import QEnum, QObject, Qt, QTimer, Signal, Slot
from PySide6.QtQml import QmlElement, QPyQmlPropertyValueSource, QQmlProperty

from .props import assign, notified

if TYPE_CHECKING:
    from .variable import S7Variable

QML_IMPORT_NAME = "QmlS7"
QML_IMPORT_MAJOR_VERSION = 1


class PollScheduler(QObject):
    """Decides which variables of one client are due; hands each batch to ``read``."""

    def __init__(self, read: Callable[[Iterable[S7Variable]], None], parent: QObject) -> None:
        super().__init__(parent)
        self._read = read
        self._timers: dict[int, QTimer] = {}
        self._members: dict[int, dict[int, S7Variable]] = {}  # interval -> key -> variable
        self._due: dict[int, S7Variable] = {}
        self._flush = QTimer(self)
        self._flush.setSingleShot(True)
        self._flush.setInterval(0)
        self._flush.timeout.connect(self._send)

    def set_intervals(self, variable: S7Variable, intervals: set[int]) -> None:
        """Poll ``variable`` at exactly these intervals (ms) from now on."""
        key = variable._key
        for interval, members in list(self._members.items()):
            if interval not in intervals and members.pop(key, None) is not None and not members:
                self._drop(interval)
        for interval in intervals:
            members = self._members.get(interval)
            if members is None:
                members = self._members[interval] = {}
                self._start(interval)
            members[key] = variable

    def forget(self, key: int) -> None:
        """Stop polling the variable registered as ``key``."""
        self._due.pop(key, None)
        for interval, members in list(self._members.items()):
            if members.pop(key, None) is not None and not members:
                self._drop(interval)

    def poll_now(self, variable: S7Variable) -> None:
        """Read ``variable`` with the batch of this event-loop turn."""
        self._due[variable._key] = variable
        if not self._flush.isActive():
            self._flush.start()

    def _start(self, interval: int) -> None:
        timer = QTimer(self)
        timer.setTimerType(Qt.TimerType.PreciseTimer)
        timer.setInterval(interval)
        timer.timeout.connect(lambda: self._tick(interval))
        timer.start()
        self._timers[interval] = timer

    def _drop(self, interval: int) -> None:
        del self._members[interval]
        timer = self._timers.pop(interval)
        timer.stop()
        timer.deleteLater()

    def _tick(self, interval: int) -> None:
        members = self._members.get(interval)
        if members:
            self._due.update(members)
            if not self._flush.isActive():
                self._flush.start()

    def _send(self) -> None:
        due, self._due = self._due, {}
        if due:
            self._read(due.values())


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
    timestamp = notified("timestamp", "qint64", 0, timestampChanged, readonly=True)
    error = notified("error", int, 0, errorChanged, readonly=True)
    errorString = notified("errorString", str, "", errorStringChanged, readonly=True)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._variable: S7Variable | None = None

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
        obj.timestampChanged.connect(self._on_read)
        self._apply()

    def _apply(self) -> None:
        variable = self._variable
        if variable is None:
            return
        if self.running:
            variable.subscribe(self, max(1, self.interval))
        else:
            variable.unsubscribe(self)

    @Slot()
    def _on_read(self) -> None:
        if self._variable is not None and self._variable.valid:
            assign(self, "timestamp", self._variable.timestamp)
