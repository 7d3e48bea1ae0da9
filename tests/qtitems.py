"""Helpers for the Qt Quick items of test windows: show, find and click them.

View delegates and popups are visual children only (``findChild`` does not see them), so
``find``, ``items_below`` and ``rows_of`` walk the visual tree as well.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6 import QtQuick  # noqa: F401  (so that created windows are QQuickWindows)
from PySide6.QtCore import QObject, QPointF, Qt
from PySide6.QtQuick import QQuickItem, QQuickWindow
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

TIMEOUT = 10_000


def show(
    qml: Callable[[str], QObject], qtbot: QtBot, source: str, *, timeout: int = TIMEOUT
) -> QObject:
    """The window that ``source`` creates (with the ``qml`` fixture), once it is exposed."""
    win = qml(source)
    qtbot.waitUntil(win.isExposed, timeout=timeout)
    return win


def child(root: QObject, name: str, *, kind: type[QObject] = QQuickItem) -> QObject:
    """The object of type ``kind`` called ``name`` among ``root``'s children (``findChild``)."""
    found = root.findChild(kind, name)
    assert found is not None, f"no object named {name!r}"
    return found


def find(root: QObject, name: str) -> QQuickItem:
    """The item called ``name`` below ``root``, also among view delegates (visual children)."""
    found = root.findChild(QObject, name)
    if found is not None:
        return found
    found = next((item for item in items_below(root) if item.objectName() == name), None)
    assert found is not None, f"no item named {name!r}"
    return found


def items_below(root: QObject) -> list[QQuickItem]:
    """Every item below ``root`` (a window: its content item, popups included), depth first."""
    found, todo = [], [root.contentItem() if isinstance(root, QQuickWindow) else root]
    while todo:
        item = todo.pop()
        found.append(item)
        todo.extend(reversed(item.childItems()))
    return found


def rows_of(table: QQuickItem, *, visible_only: bool = True) -> list[QQuickItem]:
    """The table's ``row<N>`` delegates, top to bottom (only those shown: ``visible_only``)."""
    rows = [
        i
        for i in items_below(table)
        if i.objectName().startswith("row")
        and i.objectName()[3:].isdigit()
        and (i.isVisible() or not visible_only)
    ]
    return sorted(rows, key=lambda r: r.y())


def click(window: QObject, item: QQuickItem) -> None:
    """A left click at the centre of ``item``."""
    point = item.mapToScene(QPointF(item.width() / 2, item.height() / 2)).toPoint()
    QTest.mouseClick(window, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, point)
