"""Polling (``Polling on data { interval: 100; running: plc.connected }``): poll an S7Variable.

A Polling asks its variable for reads at its interval; the client's session batches every
read due at the same moment (see qml_s7/session/scheduler.py).
"""

from __future__ import annotations

from enum import IntEnum

from PySide6.QtCore import Property, QEnum, QObject, Signal
from PySide6.QtQml import QmlElement, QPyQmlPropertyValueSource, QQmlProperty

from .props import assign, notified
from .variable import S7Variable
from .wrappers import drop_attributes_when_destroyed

QML_IMPORT_NAME = "QmlS7"
QML_IMPORT_MAJOR_VERSION = 1


class PollingError(IntEnum):
    """Polling.Error."""

    NoError = 0
    NotSupportedError = 1


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

    def _apply(self) -> None:
        variable = self._variable
        if variable is None:
            return
        if self.running:
            variable.subscribe(self, max(1, self.interval))
        else:
            variable.unsubscribe(self)

    interval = notified("interval", int, 1000, intervalChanged, after=_apply)  # >= 1
    running = notified("running", bool, True, runningChanged, after=_apply)
    error = notified("error", int, 0, errorChanged, readonly=True)
    errorString = notified("errorString", str, "", errorStringChanged, readonly=True)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        drop_attributes_when_destroyed(self)
        self._variable: S7Variable | None = None

    def _get_timestamp(self) -> int:
        variable = self._variable
        return variable.timestamp if variable is not None else 0

    # The variable's timestamp moves on every successful read (and confirmed write); its
    # signal is forwarded signal-to-signal, so no Python runs per poll for this.
    timestamp = Property("qint64", _get_timestamp, notify=timestampChanged)

    def setTarget(self, target: QQmlProperty) -> None:
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
