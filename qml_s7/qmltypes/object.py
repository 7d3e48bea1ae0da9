"""Object: the QML base type of qml-s7 (objectId, parent, nested children, JSON round trips)."""

from __future__ import annotations

import json
from functools import partial
from typing import Any

from PySide6.QtCore import ClassInfo, Property, QObject, Signal, Slot, qWarning
from PySide6.QtQml import ListProperty, QJSValue, QmlElement, QPyQmlParserStatus

from .props import notified
from .wrappers import drop_attributes_when_destroyed

QML_IMPORT_NAME = "QmlS7"
QML_IMPORT_MAJOR_VERSION = 1

# Properties that describe the object tree rather than its state.
_NOT_SERIALIZED = frozenset({"objectName", "parent", "objects"})


def _plain(value: Any) -> Any:
    """``value`` as something JSON can hold, or ``None`` when it is an object reference."""
    if isinstance(value, QObject):
        return None
    if isinstance(value, bool | int | float | str) or value is None:
        return value
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, QJSValue):
        return _plain(value.toVariant())
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "toPython"):  # QDate, QTime, QDateTime
        return _plain(value.toPython())
    return str(value)


@QmlElement
@ClassInfo(DefaultProperty="objects")
class Object(QPyQmlParserStatus):
    """Base of every qml-s7 type: an optional id, a writable parent, children declared inside.

    ``completed()`` fires once the object and its children are loaded: from QML at
    componentComplete, from Python after :meth:`complete`.
    """

    objectIdChanged = Signal()
    parentChanged = Signal()
    completed = Signal()

    objectId = notified("objectId", str, "", objectIdChanged)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._children: list[QObject] = []
        self._complete = False
        drop_attributes_when_destroyed(self)

    # -- parent: QObject.parent() exposed as a writable, notified property ----------------
    def _get_parent(self) -> QObject | None:
        return QObject.parent(self)

    def _set_parent(self, parent: QObject | None) -> None:
        if parent is QObject.parent(self):
            return
        self.setParent(parent)
        self.parentChanged.emit()

    parent = Property(QObject, _get_parent, _set_parent, notify=parentChanged)

    # -- children declared inside the object in QML ---------------------------------------
    def _append(self, child: QObject) -> None:
        self.appendChild(child)

    def _count(self) -> int:
        return len(self._children)

    def _at(self, index: int) -> QObject:
        return self._children[index]

    def _clear(self) -> None:
        self._children.clear()

    objects = ListProperty(QObject, append=_append, count=_count, at=_at, clear=_clear)

    def appendChild(self, child: QObject) -> None:
        """Adopt ``child`` (what a child declared inside this object in QML goes through)."""
        self._children.append(child)
        child.destroyed.connect(partial(self._drop_child, child))
        if QObject.parent(child) is not self:
            child.setParent(self)
            if isinstance(child, Object):
                child.parentChanged.emit()

    def _drop_child(self, child: QObject, *_: object) -> None:
        # Identity only, no Qt calls: safe while this object is being destroyed too.
        self._children = [c for c in self._children if c is not child]

    def childObjects(self) -> list[QObject]:
        """The children declared inside this object, in declaration order."""
        return list(self._children)

    # -- QQmlParserStatus -----------------------------------------------------------------
    def classBegin(self) -> None:
        pass

    def componentComplete(self) -> None:
        self.complete()

    @property
    def isComplete(self) -> bool:
        """True once completed() has been emitted."""
        return self._complete

    def complete(self) -> None:
        """Finish construction (QML calls this itself; Python code calls it once configured)."""
        if self._complete:
            return
        self._complete = True
        self.onComplete()
        self.completed.emit()

    def onComplete(self) -> None:
        """Hook for subclasses: runs once, just before completed() is emitted."""

    # -- serialization --------------------------------------------------------------------
    @Slot(result="QVariantMap")
    def serializeProperties(self) -> dict[str, Any]:
        """All properties of this object and its child objects as a map."""
        meta = self.metaObject()
        result: dict[str, Any] = {}
        for i in range(meta.propertyCount()):
            prop = meta.property(i)
            name = prop.name()
            if name in _NOT_SERIALIZED or not prop.isReadable():
                continue
            value = _plain(self.property(name))
            if value is not None or not isinstance(self.property(name), QObject):
                result[name] = value
        children = [c.serializeProperties() for c in self._children if isinstance(c, Object)]
        if children:
            result["objects"] = children
        return result

    @Slot("QVariantMap")
    def deserializeProperties(self, values: dict[str, Any]) -> None:
        """Set the writable properties named in ``values``, and those of the child objects."""
        meta = self.metaObject()
        for name, value in values.items():
            if name == "objects":
                continue
            index = meta.indexOfProperty(name)
            if index < 0 or name in _NOT_SERIALIZED or not meta.property(index).isWritable():
                continue
            self.setProperty(name, value)
        children = [c for c in self._children if isinstance(c, Object)]
        for child, child_values in zip(children, values.get("objects") or [], strict=False):
            if isinstance(child_values, dict):
                child.deserializeProperties(child_values)

    @Slot(result=str)
    @Slot("QVariant", result=str)
    def toJson(self, value: Any = None) -> str:
        """JSON of all properties (no argument), or of ``value`` as readable JSON."""
        if value is None:
            return json.dumps(self.serializeProperties(), indent=2, sort_keys=True)
        return json.dumps(_plain(value), indent=2, sort_keys=True)

    @Slot(str, result=bool)
    def fromJson(self, text: str) -> bool:
        """Load properties of this object and its children from JSON made by toJson().

        Text that is not a JSON object changes nothing: it returns false (an extension; the
        original returns nothing) and says why in a warning on the QML console.
        """
        try:
            values = json.loads(text)
        except ValueError as exc:
            qWarning(f"{type(self).__name__}.fromJson: not JSON, nothing loaded ({exc})")
            return False
        if not isinstance(values, dict):
            qWarning(
                f"{type(self).__name__}.fromJson: a JSON object was expected, not "
                f"{type(values).__name__}; nothing loaded"
            )
            return False
        self.deserializeProperties(values)
        return True
