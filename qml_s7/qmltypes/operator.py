"""S7Operator: who operates the panel, recorded with every write and acknowledgement.

``onAccepted: S7Operator.name = loginDialog.user`` (the application's own login). With no
name set, the OS user is recorded (``S7Operator.user`` says which one applies).
"""

from __future__ import annotations

from functools import partial

import shiboken6
from PySide6.QtCore import Property, QObject, Signal
from PySide6.QtQml import QmlElement, QmlSingleton

from ..history.journal import journal
from .wrappers import drop_attributes_when_destroyed

QML_IMPORT_NAME = "QmlS7"
QML_IMPORT_MAJOR_VERSION = 1

# Every S7Operator (one per QML engine) shares the journal's operator; each notifies the
# others, so bindings on any of them follow a change made through another.
_INSTANCES: list[S7Operator] = []


@QmlElement
@QmlSingleton
class S7Operator(QObject):
    """The application's operator: ``name`` (set from QML, "" = none) and ``user``."""

    nameChanged = Signal()
    userChanged = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        drop_attributes_when_destroyed(self)
        _INSTANCES.append(self)
        self.destroyed.connect(partial(_forget, id(self)))  # identity only: it is going

    def _get_name(self) -> str:
        return journal().operator

    def _set_name(self, name: str) -> None:
        name = (name or "").strip()
        if name == journal().operator:
            return
        journal().operator = name
        for instance in [i for i in _INSTANCES if shiboken6.isValid(i)]:
            instance.nameChanged.emit()
            instance.userChanged.emit()

    # The operator's name ("" = none: the OS user is recorded).
    name = Property(str, _get_name, _set_name, notify=nameChanged)

    def _get_user(self) -> str:
        return journal().user()

    # Who is recorded now: the name, else the OS user.
    user = Property(str, _get_user, notify=userChanged)


def _forget(key: int, *_: object) -> None:
    _INSTANCES[:] = [i for i in _INSTANCES if id(i) != key]
