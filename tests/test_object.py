"""Object: ids, parents, nesting, completion and JSON round trips through QML."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import QObject

from qml_s7 import Object, S7Client

TREE = """
import QtQml
import QmlS7
Object {
    id: root
    objectId: "root"
    property var order: []
    onCompleted: order.push("root")
    S7Client { objectId: "plc"; hostname: "plc-a.invalid"; port: 1102; autoConnect: false
               onCompleted: root.order.push("plc") }
    Object { objectId: "other" }
}
"""


def test_children_nest_and_know_their_parent(qml):
    root = qml(TREE)
    children = root.childObjects()
    assert [c.property("objectId") for c in children] == ["plc", "other"]
    assert all(c.property("parent") is root for c in children)
    assert isinstance(children[0], S7Client)


def test_completed_fires_once_children_are_loaded(qml):
    root = qml(TREE)
    assert root.property("order").toVariant() == ["plc", "root"]


def test_completed_from_python_when_started_explicitly(qtbot):
    obj = Object()
    with qtbot.waitSignal(obj.completed, timeout=1000):
        obj.complete()
    with qtbot.assertNotEmitted(obj.completed):
        obj.complete()


def test_parent_is_writable(qml, qtbot):
    root = qml(TREE)
    plc, other = root.childObjects()
    with qtbot.waitSignal(plc.parentChanged, timeout=1000):
        plc.setProperty("parent", other)
    assert QObject.parent(plc) is other


def test_serialize_and_deserialize_round_trip(qml):
    root = qml(TREE)
    values = root.serializeProperties()
    assert values["objectId"] == "root"
    plc_values = values["objects"][0]
    assert plc_values["hostname"] == "plc-a.invalid" and plc_values["port"] == 1102
    assert "parent" not in plc_values

    plc_values["port"] = 2102
    plc_values["moduleName"] = "ignored: read-only"
    root.deserializeProperties(values)
    plc = root.childObjects()[0]
    assert plc.property("port") == 2102
    assert plc.property("moduleName") == ""


def test_to_json_and_from_json(qml):
    root = qml(TREE)
    text = root.toJson()
    data = json.loads(text)
    assert data["objects"][0]["hostname"] == "plc-a.invalid"
    data["objects"][0]["hostname"] = "127.0.0.1"
    root.fromJson(json.dumps(data))
    assert root.childObjects()[0].property("hostname") == "127.0.0.1"
    assert json.loads(root.toJson([1, "a", True])) == [1, "a", True]


def test_to_json_with_an_argument_from_qml(qml):
    obj = qml(
        'import QtQml\nimport QmlS7\nObject { property string out: toJson({"a": 1, "b": [true]}) }'
    )
    assert json.loads(obj.property("out")) == {"a": 1, "b": [True]}


@pytest.mark.qt_log_ignore("fromJson: ")
def test_malformed_json_changes_nothing_and_says_why(qml, qtlog):
    root = qml(TREE)
    before = root.serializeProperties()
    assert root.fromJson("{not json") is False
    assert root.fromJson("[1, 2]") is False
    assert root.serializeProperties() == before
    warnings = [r.message for r in qtlog.records]
    assert any("fromJson: not JSON" in w for w in warnings), warnings
    assert any("a JSON object was expected, not list" in w for w in warnings), warnings
    assert root.fromJson(root.toJson()) is True


def test_a_destroyed_child_leaves_the_list(qml, qtbot):
    root = qml(TREE)
    plc, other = root.childObjects()
    with qtbot.waitSignal(other.destroyed, timeout=1000):
        other.deleteLater()
    assert root.childObjects() == [plc]
    assert [c["objectId"] for c in root.serializeProperties()["objects"]] == ["plc"]
