"""A destroyed panel leaves no Python state behind: PySide6 keeps the wrappers of objects QML
created, so each qml-s7 object drops its attributes once destroyed."""

from __future__ import annotations

import gc
import weakref

import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent, QObject, QUrl
from PySide6.QtQml import QQmlComponent, QQmlEngine, qmlRegisterType

from qml_s7 import S7Client, S7Variable
from qml_s7.session.member import Member


class Held:
    """What an object's attribute reaches."""


class PlainType(QObject):
    """A QML type registered from Python with nothing of qml-s7's."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.held = Held()


qmlRegisterType(PlainType, "WrapperFact", 1, 0, "PlainType")


def destroy(obj: QObject) -> None:
    obj.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    QCoreApplication.processEvents()  # the attributes go on the next turn of the loop
    gc.collect()


def test_pyside_keeps_the_wrapper_of_an_object_qml_created(qapp):
    # The fact the fix is for; a PySide6 release that frees these wrappers shows here.
    engine = QQmlEngine()
    component = QQmlComponent(engine)
    component.setData(b"import WrapperFact\nPlainType {}", QUrl("fact.qml"))
    obj = component.create()
    held = weakref.ref(obj.held)
    wrapper = weakref.ref(obj)
    del obj
    destroy(wrapper())
    assert wrapper() is not None and not shiboken6.isValid(wrapper())
    assert held() is not None  # and all its attributes reach
    engine.deleteLater()


def test_a_destroyed_panel_frees_its_sessions_members_and_variables_state(qml, qtbot, simulator):
    root = qml(f"""
import QtQml
import QmlS7
QtObject {{
    property S7Client plc: S7Client {{
        hostname: "127.0.0.1"; port: {simulator.port}; pollInterval: 50
        S7Variable {{ name: "DB1.DBD2:REAL"; property var shown: data }}
        S7Variable {{ name: "DB1.DBW0:INT" }}
    }}
}}
""")
    client = root.property("plc")
    objects = [client, *(v for v in client.childObjects() if isinstance(v, S7Variable))]
    qtbot.waitUntil(lambda: all(v.valid for v in objects[1:]), timeout=5000)
    session = weakref.ref(client.session)
    members = sum(type(o) is Member for o in gc.get_objects())  # no weak references
    kept = [weakref.ref(o) for o in objects]
    objects.clear()
    del client
    destroy(root)
    assert session() is None
    assert sum(type(o) is Member for o in gc.get_objects()) == members - 2
    assert all(obj() is None or not vars(obj()) for obj in kept)
    assert not any(isinstance(o, S7Client) and vars(o) for o in gc.get_objects())
