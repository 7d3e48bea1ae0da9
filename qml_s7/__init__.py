"""qml-s7: Siemens S7 PLCs in Qt Quick.

Importing the package registers the QML module ``QmlS7`` (Object, S7Client, ...).
"""

from __future__ import annotations

from importlib.resources import files

from PySide6.QtQml import QQmlEngine

from .qmltypes import pointers
from .qmltypes.alarm import S7Alarm
from .qmltypes.alarmmodel import S7AlarmModel
from .qmltypes.client import S7Client
from .qmltypes.collector import settle_imports
from .qmltypes.dataobject import DataObject, DataObjectView
from .qmltypes.diagnostics import S7Diagnostics
from .qmltypes.gateway import S7Gateway
from .qmltypes.history import S7History
from .qmltypes.historymodel import S7HistoryModel
from .qmltypes.logging import S7Logging
from .qmltypes.object import Object
from .qmltypes.operator import S7Operator
from .qmltypes.polling import Polling
from .qmltypes.remoteclient import S7RemoteClient
from .qmltypes.tagtable import S7TagTable
from .qmltypes.variable import S7Variable

__all__ = [
    "DataObject",
    "DataObjectView",
    "Object",
    "Polling",
    "S7Alarm",
    "S7AlarmModel",
    "S7Client",
    "S7Diagnostics",
    "S7Gateway",
    "S7History",
    "S7HistoryModel",
    "S7Logging",
    "S7Operator",
    "S7RemoteClient",
    "S7TagTable",
    "S7Variable",
    "install",
    "qml_import_path",
]

__version__ = "0.1.0"


def qml_import_path() -> str:
    """The folder that holds the QML module ``QmlS7.Controls`` (the package ``qml_s7.qml``)."""
    return str(files("qml_s7.qml"))


def install(engine: QQmlEngine) -> None:
    """Make ``QmlS7.Controls`` importable in ``engine``.

    Call it after your imports, before the panel loads: it also sets aside what the imports
    left for the garbage collector, so its pauses on the GUI thread stay short (see
    :mod:`qml_s7.qmltypes.collector`).
    """
    engine.addImportPath(qml_import_path())
    settle_imports()


# Every type of the QML module QmlS7 (``qml-s7 typeinfo`` describes these).
TYPES: tuple[type, ...] = (
    Object,
    DataObject,
    DataObjectView,
    S7Client,
    S7Variable,
    Polling,
    S7TagTable,
    S7Alarm,
    S7AlarmModel,
    S7Diagnostics,
    S7History,
    S7HistoryModel,
    S7Logging,
    S7Operator,
    S7Gateway,
    S7RemoteClient,
)

# Importing the classes registered them with QML. A property typed with one of them
# (``property S7Variable sp: level``) is now readable from Python too: ``root.property("sp")``.
pointers.register(*TYPES)
