"""S7AlarmModel through the QML engine: sort order, filters, counts, the top alarm,
acknowledgeAll, given lists, and one announcement for a thousand changes."""

from __future__ import annotations

import struct

from PySide6.QtCore import QObject

from qml_s7 import DataObject, S7Alarm, S7AlarmModel
from qml_s7.alarms import epoch_ms

TIMEOUT = 10_000
NORMAL, UNACK, ACKED, RETURNED, SHELVED = range(5)  # S7Alarm.State


def alarms_panel(alarms: list[tuple[str, int, str]], model: str = "") -> str:
    """Source-less alarms (name, priority, group) driven with set_condition, a model, and a
    Repeater whose delegates read the model's roles as QML sees them."""
    body = "\n".join(
        f'    S7Alarm {{ id: {name}; objectName: "{name}"; text: "{name} text"; '
        f"priority: {priority}; "
        f'group: "{group}" }}'
        for name, priority, group in alarms
    )
    return f"""
import QtQuick
import QmlS7
Item {{
    id: root
{body}
    S7AlarmModel {{ id: alarmModel; objectName: "model"; {model} }}
    Repeater {{
        id: rows
        objectName: "rows"
        model: alarmModel
        delegate: Item {{
            required property string name
            required property string text
            required property int priority
            required property string group
            required property bool active
            required property bool acknowledged
            required property double came
            required property var alarm
            required property var model  // ``state`` through it: a role named so is Item's
            property int alarmState: model.state
        }}
    }}
    function row(i) {{
        const it = rows.itemAt(i)
        return {{ text: it.text, priority: it.priority, group: it.group, came: it.came,
                  state: it.alarmState, alarm: it.alarm, active: it.active,
                  acknowledged: it.acknowledged }}
    }}
    function names() {{
        const out = []
        for (let i = 0; i < rows.count; ++i)
            out.push(rows.itemAt(i).name)
        return out
    }}
}}
"""


def alarm_of(root: QObject, name: str) -> S7Alarm:
    found = root.findChild(S7Alarm, name)
    assert found is not None, name
    return found


def names(root: QObject) -> list[str]:
    """The names the Repeater's delegates show, top to bottom."""
    return root.names().toVariant()


def model_of(root: QObject) -> S7AlarmModel:
    return root.findChild(S7AlarmModel, "model")


def shown(qtbot, root: QObject, expected: list[str]) -> None:
    """Wait until the Repeater shows ``expected`` (changes reach it in the next turn)."""
    qtbot.waitUntil(lambda: names(root) == expected, timeout=TIMEOUT)


def come(qtbot, *alarms: S7Alarm) -> None:
    """Let each alarm come in its own millisecond, in this order."""
    for alarm in alarms:
        last = epoch_ms()
        qtbot.waitUntil(lambda last=last: epoch_ms() > last, timeout=TIMEOUT)
        alarm.set_condition(True)


def test_rows_are_sorted_by_priority_then_newest_came_first(qml, qtbot):
    root = qml(alarms_panel([("a", 2, "Tank"), ("b", 1, "Tank"), ("c", 2, "Pump"),
                             ("d", 3, "Pump")]))  # fmt: skip
    a, b, c, d = (alarm_of(root, n) for n in "abcd")
    for alarm in (a, b, c, d):
        alarm.set_condition(False)
    come(qtbot, a, b, c, d)
    shown(qtbot, root, ["b", "c", "a", "d"])
    first = root.row(0).toVariant()
    assert first == {
        "text": "b text",
        "priority": 1,
        "group": "Tank",
        "came": b.cameAt,
        "state": UNACK,
        "alarm": b,
        "active": True,
        "acknowledged": False,
    }

    a.set_condition(False)
    come(qtbot, a)  # a new occurrence: the newest of priority 2 now
    shown(qtbot, root, ["b", "a", "c", "d"])
    d.setProperty("priority", 1)
    shown(qtbot, root, ["d", "b", "a", "c"])
    assert [model_of(root).get(i).objectName() for i in range(4)] == ["d", "b", "a", "c"]
    assert model_of(root).get(4) is None


def test_filters_and_counts(qml, qtbot):
    root = qml(alarms_panel([("t1", 1, "Tank"), ("t2", 2, "Tank"), ("t3", 3, "Tank"),
                             ("p1", 1, "Pump"), ("p2", 2, "Pump")]))  # fmt: skip
    model = model_of(root)
    t1, t2, t3, p1 = (alarm_of(root, n) for n in ("t1", "t2", "t3", "p1"))
    come(qtbot, t1, t2, p1)
    t2.acknowledge()  # active, acknowledged
    p1.set_condition(False)  # gone, unacknowledged
    t3.set_condition(False)  # normal, known
    # p2: normal, condition unknown
    counts = ("totalCount", "activeCount", "unacknowledgedCount", "shelvedCount", "unknownCount")
    qtbot.waitUntil(lambda: [model.property(n) for n in counts] == [5, 2, 2, 0, 1])
    assert names(root) == ["p1", "t1", "t2", "p2", "t3"]
    assert model.property("groups") == ["Pump", "Tank"]

    model.setProperty("activeOnly", True)
    assert names(root) == ["t1", "t2"] and model.property("count") == 2
    model.setProperty("activeOnly", False)
    model.setProperty("unacknowledgedOnly", True)
    assert names(root) == ["p1", "t1"]
    model.setProperty("unacknowledgedOnly", False)
    model.setProperty("currentOnly", True)
    assert names(root) == ["p1", "t1", "t2"]
    t3.shelve(60_000)
    shown(qtbot, root, ["p1", "t1", "t2", "t3"])  # shelved counts as current
    assert model.property("shelvedCount") == 1

    model.setProperty("group", "Tank")  # the counts follow the group, not the other filters
    assert names(root) == ["t1", "t2", "t3"]
    assert [model.property(n) for n in counts] == [3, 2, 1, 1, 0]
    model.setProperty("currentOnly", False)
    model.setProperty("group", "")
    assert model.property("count") == 5


def test_acknowledge_all_of_a_group_or_of_every_group(qml, qtbot):
    root = qml(alarms_panel([("t1", 1, "Tank"), ("t2", 2, "Tank"), ("p1", 1, "Pump")]))
    model = model_of(root)
    t1, t2, p1 = (alarm_of(root, n) for n in ("t1", "t2", "p1"))
    come(qtbot, t1, t2, p1)
    t2.set_condition(False)
    model.setProperty("activeOnly", True)  # filters do not limit acknowledgeAll
    assert model.acknowledgeAll("Tank") == 2
    assert (t1.state, t2.state, p1.state) == (ACKED, NORMAL, UNACK)
    assert model.acknowledgeAll("Tank") == 0
    assert model.acknowledgeAll() == 1
    assert p1.state == ACKED
    qtbot.waitUntil(lambda: model.property("unacknowledgedCount") == 0, timeout=TIMEOUT)


def test_the_top_alarm_is_what_a_banner_shows(qml, qtbot):
    root = qml(alarms_panel([("a", 2, "Tank"), ("b", 1, "Pump"), ("c", 1, "Tank")]))
    model = model_of(root)
    a, b, c = (alarm_of(root, n) for n in "abc")
    assert model.property("topAlarm") is None
    come(qtbot, a, b, c)
    qtbot.waitUntil(lambda: model.property("topAlarm") is c, timeout=TIMEOUT)  # newest of P1
    c.acknowledge()
    qtbot.waitUntil(lambda: model.property("topAlarm") is b, timeout=TIMEOUT)
    b.acknowledge()
    qtbot.waitUntil(lambda: model.property("topAlarm") is a, timeout=TIMEOUT)  # unacknowledged
    a.acknowledge()
    # None unacknowledged: the newest active of the highest priority.
    qtbot.waitUntil(lambda: model.property("topAlarm") is c, timeout=TIMEOUT)
    model.setProperty("group", "Pump")
    assert model.property("topAlarm") is b
    b.set_condition(False)
    qtbot.waitUntil(lambda: model.property("topAlarm") is None, timeout=TIMEOUT)


def test_a_model_of_given_alarms(qml, qtbot):
    root = qml(alarms_panel([("a", 1, ""), ("b", 2, ""), ("c", 3, "")], "alarms: [b, c]"))
    model = model_of(root)
    assert names(root) == ["b", "c"]
    model.setProperty("alarms", [alarm_of(root, "c"), alarm_of(root, "a"), root])
    assert names(root) == ["a", "c"]  # sorted; what is no S7Alarm is left out
    model.setProperty("alarms", None)
    assert names(root) == ["a", "b", "c"]


def test_a_destroyed_alarm_leaves_the_model(qml, qtbot):
    root = qml(alarms_panel([("a", 1, ""), ("b", 1, "")]))
    model = model_of(root)
    a = alarm_of(root, "a")
    a.set_condition(True)
    qtbot.waitUntil(lambda: model.property("unacknowledgedCount") == 1, timeout=TIMEOUT)
    a.deleteLater()
    qtbot.waitUntil(lambda: names(root) == ["b"], timeout=TIMEOUT)
    assert model.property("totalCount") == 1 and model.property("unacknowledgedCount") == 0


MANY = """
import QtQuick
import QmlS7
Item {
    Instantiator {
        model: 1000
        delegate: DataObject {
            id: value
            required property int index
            data: 0
            property S7Alarm alarm: S7Alarm {
                source: value; kind: S7Alarm.High; limit: 5000
                text: "value %1"; priority: value.index % 4 + 1
            }
        }
    }
    S7AlarmModel { objectName: "model" }
}
"""


def test_a_thousand_changes_in_one_turn_are_announced_once(qml, qtbot):
    root = qml(MANY)
    model = model_of(root)
    qtbot.waitUntil(lambda: model.property("count") == 1000, timeout=TIMEOUT)
    data = root.findChildren(DataObject)
    assert len(data) == 1000
    changed, layouts, moves = [], [], []
    model.dataChanged.connect(lambda first, last, roles: changed.append((first.row(), last.row())))
    model.layoutChanged.connect(lambda *_: layouts.append(1))
    for signal in (model.rowsInserted, model.rowsRemoved, model.modelReset):
        signal.connect(lambda *_: moves.append(1))

    for i, obj in enumerate(data):  # every value changes, no alarm comes
        obj.setProperty("data", i + 1)
    qtbot.waitUntil(lambda: len(changed) > 0, timeout=TIMEOUT)
    assert changed == [(0, 999)]  # one range
    assert layouts == [] and moves == []  # the order did not change
    assert model.property("activeCount") == 0

    changed.clear()
    for obj in data:  # every alarm comes
        obj.setProperty("data", 5000)
    qtbot.waitUntil(lambda: model.property("activeCount") == 1000, timeout=TIMEOUT)
    assert changed == [(0, 999)] and layouts == [1] and moves == []  # sorted once
    assert model.property("unacknowledgedCount") == 1000
    assert [model.get(i).priority for i in (0, 249, 250, 999)] == [1, 1, 2, 4]


def test_filters_over_alarms_on_the_simulator(qml, qtbot, simulator):
    simulator.write("DB", 0, struct.pack(">ff", 95, 5), db=1)
    root = qml(
        f"""
import QtQuick
import QmlS7
Item {{
    S7Client {{
        hostname: "127.0.0.1"; port: {simulator.port}; pollInterval: 20
        S7Variable {{ id: level; name: "DB1.DBD0:REAL" }}
        S7Variable {{ id: temp; name: "DB1.DBD4:REAL" }}
        S7Variable {{ id: ack; name: "DB1.DBX20.0" }}
        S7Alarm {{ objectName: "high"; source: level; kind: S7Alarm.High; limit: 90
                   priority: 2; group: "Tank"; ackVariable: ack }}
        S7Alarm {{ objectName: "cold"; source: temp; kind: S7Alarm.Low; limit: 10
                   priority: 1; group: "Heater" }}
        S7Alarm {{ objectName: "empty"; source: level; kind: S7Alarm.LowLow; limit: 2
                   priority: 1; group: "Tank" }}
    }}
    S7AlarmModel {{ objectName: "model"; currentOnly: true }}
}}
"""
    )
    model = model_of(root)
    qtbot.waitUntil(lambda: model.property("unacknowledgedCount") == 2, timeout=TIMEOUT)
    assert [model.get(i).objectName() for i in range(model.property("count"))] == [
        "cold",
        "high",
    ]
    assert model.property("topAlarm").objectName() == "cold"
    assert model.acknowledgeAll("Tank") == 1
    qtbot.waitUntil(lambda: simulator.read_bit("DB", 20, 0, db=1) is True, timeout=TIMEOUT)
    simulator.write("DB", 0, struct.pack(">f", 50), db=1)
    qtbot.waitUntil(lambda: model.property("count") == 1, timeout=TIMEOUT)  # high went
    assert model.get(0).objectName() == "cold"


def test_a_view_keeps_its_delegates_when_the_rows_are_sorted_again(qml, qtbot):
    win = qml(
        """
import QtQuick
import QmlS7
Window {
    width: 200; height: 300; visible: true
    property int made: 0
    S7Alarm { id: a; objectName: "a"; text: "a" }
    S7Alarm { id: b; objectName: "b"; text: "b" }
    S7Alarm { id: c; objectName: "c"; text: "c" }
    ListView {
        id: view
        anchors.fill: parent
        model: S7AlarmModel { alarms: [a, b, c] }
        delegate: Text {
            required property string name
            text: name; height: 40
            Component.onCompleted: made++
        }
    }
    function shown() {
        const out = []
        for (let i = 0; i < view.count; ++i)
            out.push(view.itemAtIndex(i) ? view.itemAtIndex(i).text : null)
        return out
    }
}
"""
    )
    qtbot.waitUntil(win.isExposed, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: win.shown().toVariant() == ["a", "b", "c"], timeout=TIMEOUT)
    come(qtbot, *(alarm_of(win, n) for n in "abc"))  # c is the newest now
    qtbot.waitUntil(lambda: win.shown().toVariant() == ["c", "b", "a"], timeout=TIMEOUT)
    assert win.property("made") == 3  # sorted again, not made again


def test_a_model_with_a_property_of_its_own_follows_its_alarms(qml, qtbot):
    # QML gives such an object a metaobject of its own; a timer's signal must still reach it
    root = qml(alarms_panel([("a", 1, "G")], model="property int extra: 1"))
    come(qtbot, alarm_of(root, "a"))
    model = model_of(root)
    qtbot.waitUntil(lambda: model.property("activeCount") == 1, timeout=TIMEOUT)
    shown(qtbot, root, ["a"])
