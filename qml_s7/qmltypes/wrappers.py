"""Drop what the Python side of a destroyed QML object holds: PySide6 keeps the wrapper.

When QML destroys an object of a type registered from Python, PySide6 (6.11) leaves its Python
wrapper alive, with two references that are never released. Everything the wrapper's
attributes reach stays with it: for an S7Variable its session, member, address and signal
instances, about 12 KB and 23 tracked objects each. A panel loaded again and again (a screen
in a Loader) grows by that much per load, and every full garbage collection walks the lot.

So each qml-s7 object drops its attributes once destroyed: on the next turn of the event loop,
after every ``destroyed()`` handler ran (those may still read them). The empty wrapper stays.
``tests/test_wrappers.py`` shows the PySide6 fact and the fix.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, QTimer

_doomed: list[dict[str, Any]] = []  # attributes of objects destroyed since the last drop


def drop_attributes_when_destroyed(obj: QObject) -> None:
    """Once ``obj`` is destroyed, drop its Python attributes (on the next event-loop turn)."""
    obj.destroyed.connect(partial(_doom, obj.__dict__))


def _doom(attributes: dict[str, Any]) -> None:
    app = QCoreApplication.instance()
    if app is None:
        return  # no event loop to run the drop after the other handlers: keep them
    if not _doomed:
        QTimer.singleShot(0, app, _drop)  # in the GUI thread, whichever thread destroyed it
    _doomed.append(attributes)


def _drop() -> None:
    while _doomed:
        _doomed.pop().clear()
