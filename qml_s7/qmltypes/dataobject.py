"""DataObject (a named, timestamped value) and DataObjectView (its display hints)."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date, datetime
from datetime import time as dt_time
from enum import IntEnum
from typing import Any

from PySide6.QtCore import (
    Property,
    QDate,
    QDateTime,
    QEnum,
    QMetaMethod,
    QObject,
    QTime,
    Signal,
    Slot,
)
from PySide6.QtQml import QJSValue, QmlElement

from .object import Object
from .props import assign, notified, storage_key
from .wrappers import drop_attributes_when_destroyed

QML_IMPORT_NAME = "QmlS7"
QML_IMPORT_MAJOR_VERSION = 1


def now_ms() -> int:
    """Milliseconds since the epoch, the unit of every timestamp."""
    return int(time.time() * 1000)


def plain_value(value: Any) -> Any:
    """A value from QML as a plain Python value (QDateTime -> datetime, JS values -> variants)."""
    if isinstance(value, QJSValue):
        value = value.toVariant()
    to_python = getattr(value, "toPython", None)
    return to_python() if to_python is not None else value


_QINT64 = range(-(2**63), 2**63)
_AS_IS = frozenset({bool, float, str, type(None)})  # most PLC values: QML takes them unchanged


def for_qml(value: Any) -> Any:
    """``value`` as QML can hold it: dates and times as Qt types (JS Date), huge ints as float."""
    kind = type(value)
    if kind in _AS_IS:
        return value  # every QML binding on data reads it through here: keep it short
    if kind is int:
        return value if value in _QINT64 else float(value)
    if isinstance(value, datetime):
        return QDateTime(value)
    if isinstance(value, date):
        return QDate(value)
    if isinstance(value, dt_time):
        return QTime(value)
    if isinstance(value, int) and not isinstance(value, bool) and value not in _QINT64:
        return float(value)  # ULINT/LWORD >= 2**63: a QVariant cannot carry it as an integer
    return value


@QmlElement
class DataObjectView(QObject):
    """Display hints of a DataObject for generic UIs: hidden, readOnly, orderIndex, widget."""

    hiddenChanged = Signal()
    readOnlyChanged = Signal()
    orderIndexChanged = Signal()
    widgetChanged = Signal()

    hidden = notified("hidden", bool, False, hiddenChanged)
    readOnly = notified("readOnly", bool, False, readOnlyChanged)
    orderIndex = notified("orderIndex", int, 0, orderIndexChanged)
    widget = notified("widget", str, "", widgetChanged)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        drop_attributes_when_destroyed(self)


# The flags DataObject.connectNotify sets in the instance's __dict__ once something listens
# to dataChanged or timestampChanged; a subclass's hot path reads them there.
DATA_HEARD = "_data_heard"
TIMESTAMP_HEARD = "_timestamp_heard"
_HEARD = {b"dataChanged": DATA_HEARD, b"timestampChanged": TIMESTAMP_HEARD}
_TIMESTAMP = storage_key("timestamp")
# Set by showFrom(): where ``data`` and ``timestamp`` are read while not stored here.
_DATA_SOURCE = "_data_source"
_STAMP_SOURCE = "_stamp_source"


def _name_changed(obj: DataObject) -> None:
    obj.nameChanging()


@QmlElement
class DataObject(Object):
    """A named value with a type, a description and the time of its last update."""

    @QEnum
    class DataType(IntEnum):
        Invalid = 0
        Boolean = 1
        Date = 2
        Time = 3
        DateTime = 4
        Float = 5
        Double = 6
        SignedInteger = 7
        UnsignedInteger = 8
        SignedBigInteger = 9
        UnsignedBigInteger = 10
        String = 11
        StringList = 12
        SignedSmallInteger = 13
        UnsignedSmallInteger = 14

    dataChanged = Signal()
    dataTypeChanged = Signal()
    descriptionChanged = Signal()
    nameChanged = Signal()
    timestampChanged = Signal()
    uuidChanged = Signal()
    viewChanged = Signal()

    dataType = notified("dataType", int, 0, dataTypeChanged)
    description = notified("description", str, "", descriptionChanged)
    name = notified("name", str, "", nameChanged, after=_name_changed)
    uuid = notified("uuid", str, "", uuidChanged)
    view = notified("view", DataObjectView, None, viewChanged)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._data: Any = None

    def connectNotify(self, signal: QMetaMethod) -> None:
        """Note that dataChanged or timestampChanged has a listener (a QML binding or handler,
        a Python slot). The poll path emits them only then: thousands of emits per cycle that
        nobody hears cost more than the rest of applying a value. Never cleared, so a signal
        that was heard once is always emitted."""
        flag = _HEARD.get(signal.name().data())
        if flag is not None:
            self.__dict__[flag] = True
            self.listened()

    def listened(self) -> None:
        """Hook: dataChanged or timestampChanged has a new listener."""

    def _get_data(self) -> Any:
        state = self.__dict__  # every QML binding on data reads through here: one lookup
        source = state.get(_DATA_SOURCE)
        value = state["_data"] if source is None else source()
        kind = type(value)
        if kind in _AS_IS or (kind is int and value in _QINT64):
            return value
        return for_qml(value)

    def _set_data(self, value: Any) -> None:
        self.setData(plain_value(value))

    data = Property("QVariant", _get_data, _set_data, notify=dataChanged)

    def _get_timestamp(self) -> int:
        state = self.__dict__
        source = state.get(_STAMP_SOURCE)
        return state.get(_TIMESTAMP, 0) if source is None else source()

    def _set_timestamp(self, timestamp: int) -> None:
        assign(self, "timestamp", timestamp)

    timestamp = Property("qint64", _get_timestamp, _set_timestamp, notify=timestampChanged)

    def showFrom(self, data: Callable[[], Any] | None, timestamp: Callable[[], int] | None) -> None:
        """Let ``data`` and ``timestamp`` show what these functions return, kept elsewhere
        (S7Variable: in its client's table of values while nobody listens); None: what this
        object stores. The stored values are not updated meanwhile."""
        state = self.__dict__
        for key, source in ((_DATA_SOURCE, data), (_STAMP_SOURCE, timestamp)):
            if source is None:
                state.pop(key, None)
            else:
                state[key] = source

    def keepShown(self) -> Any:
        """Store what ``data`` and ``timestamp`` show (see showFrom) and show the stored values
        from now on, without a signal: nothing changes for a listener. Returns the value."""
        state = self.__dict__
        data, stamp = state.pop(_DATA_SOURCE, None), state.pop(_STAMP_SOURCE, None)
        if data is not None:
            state["_data"] = data()
        if stamp is not None:
            state[_TIMESTAMP] = stamp()
        return state["_data"]

    def setData(self, value: Any) -> None:
        """What assigning ``data`` does: here, store it; S7Variable writes it to the PLC."""
        self.updateData(value, now_ms())

    def updateData(self, value: Any, timestamp: int) -> None:
        """Store ``value`` read at ``timestamp``: dataChanged only on a change of value or type."""
        if self.storeData(value, timestamp):
            self.dataChanged.emit()

    def storeData(self, value: Any, timestamp: int) -> bool:
        """Store without emitting dataChanged; True when the value or its type changed.

        Lets a subclass update related state (S7Variable's ``valid``) before dataChanged, so
        handlers of either signal see both current.
        """
        assign(self, "timestamp", timestamp)
        old = self._data
        if type(old) is type(value) and old == value:
            return False
        self._data = value
        return True

    def nameChanging(self) -> None:
        """Hook: runs after ``name`` changed through the property."""

    @Slot()
    def touch(self) -> None:
        """Set the timestamp to now."""
        assign(self, "timestamp", now_ms())
