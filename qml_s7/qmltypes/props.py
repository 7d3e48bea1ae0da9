"""Notified Qt properties in one line: a change emits the NOTIFY signal, an equal value does not."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Property, Signal


def notified(
    name: str,
    ptype: type | str,
    default: Any,
    notify: Signal,
    *,
    readonly: bool = False,
    after: Callable[[Any], None] | None = None,
) -> Property:
    """Property ``name`` whose setter stores the value and emits ``notify`` on a real change.

    ``after(self)`` runs after a change made through the property (from QML or
    ``setProperty``). Python code updates read-only ones with :func:`assign`.
    """

    key = storage_key(name)

    def getter(self: Any) -> Any:
        return self.__dict__.get(key, default)

    def setter(self: Any, value: Any) -> None:
        if assign(self, name, value) and after is not None:
            after(self)

    return Property(ptype, getter, None if readonly else setter, notify=notify)


def storage_key(name: str) -> str:
    """The key under which property ``name`` keeps its value in the instance's ``__dict__``.

    Part of this module's contract: a hot path (S7Variable applying thousands of poll results)
    may read and write the value there directly, skipping the property machinery.
    """
    return "_p_" + name


def assign(obj: Any, name: str, value: Any) -> bool:
    """Store ``value`` as property ``name`` of ``obj``; emit ``<name>Changed`` if it changed.

    A change of type counts (``1`` after ``True``), so a QML binding sees every real change.
    """
    values = obj.__dict__
    key = storage_key(name)
    old = values.get(key, _UNSET)
    if old is _UNSET:
        old = getattr(obj, name)  # never set: the property's default
    if type(old) is type(value) and old == value:
        return False
    values[key] = value
    getattr(obj, name + "Changed").emit()
    return True


_UNSET = object()
