"""S7Client.commAlarm: losing the PLC is an alarm, through QML against the simulator."""

from __future__ import annotations

from qml_s7.qmltypes.alarm import S7Alarm

TIMEOUT = 10_000
State = S7Alarm.State


def panel(port: int, client: str = "", extra: str = "") -> str:
    return f"""
import QtQml
import QmlS7
S7Client {{
    id: plc
    hostname: "127.0.0.1"; port: {port}; pollInterval: 50
    requestTimeout: 500; reconnectInterval: 250
    {client or "connectTimeout: 500"}
    property S7Alarm high: S7Alarm {{
        source: level; kind: S7Alarm.High; limit: 90; text: "Level high"
    }}
    property S7AlarmModel alarms: S7AlarmModel {{ }}
    S7Variable {{ id: level; objectName: "level"; name: "DB1.DBD2:REAL" }}
{extra}
}}
"""


def state_is(qtbot, alarm, state) -> None:
    qtbot.waitUntil(lambda: alarm.property("state") == state, timeout=TIMEOUT)


def test_losing_the_plc_raises_the_comm_alarm_and_returning_it_ends_it(qml, qtbot, simulator):
    client = qml(panel(simulator.port))
    comm = client.property("commAlarm")
    assert client.findChild(S7Alarm, "commAlarm") is comm
    high = client.property("high")
    qtbot.waitUntil(lambda: high.property("conditionKnown") is True, timeout=TIMEOUT)
    assert comm.property("state") == State.Normal
    assert comm.property("priority") == 1
    assert comm.property("group") == "Communication"
    assert comm.property("text") == f"No connection to the PLC at 127.0.0.1:{simulator.port}"
    model = client.property("alarms")
    assert comm in [model.get(row) for row in range(model.property("count"))]

    with qtbot.waitSignal(comm.came, timeout=TIMEOUT):
        simulator.stop()
    assert comm.property("state") == State.Unacknowledged
    assert comm.property("active") is True
    assert comm.property("cameAt") > 0
    # meanwhile the alarms on the client's values do not know their condition
    qtbot.waitUntil(lambda: high.property("conditionKnown") is False, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: model.property("topAlarm") is comm, timeout=TIMEOUT)  # next turn

    with qtbot.waitSignal(comm.went, timeout=TIMEOUT):
        simulator.start()
    assert comm.property("state") == State.ReturnedUnacknowledged
    assert client.property("connected") is True
    assert comm.acknowledge() is True
    assert comm.property("state") == State.Normal


def test_a_plc_that_never_answers_is_an_alarm_until_the_client_is_told_to_stop(
    qml, qtbot, closed_port
):
    client = qml(panel(closed_port))
    comm = client.property("commAlarm")
    state_is(qtbot, comm, State.Unacknowledged)
    assert client.property("error") != 0
    with qtbot.waitSignal(comm.went, timeout=TIMEOUT):
        client.disconnectFromHost()  # not wanted any more: no fault
    assert comm.property("active") is False


def test_connecting_is_not_an_alarm_until_it_fails(qml, qtbot, silent_peer):
    client = qml(panel(silent_peer.port, client="connectTimeout: 60000"))
    comm = client.property("commAlarm")
    qtbot.waitUntil(lambda: client.property("connecting") is True, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: len(silent_peer.accepted) == 1, timeout=TIMEOUT)
    assert comm.property("state") == State.Normal


def test_settings_from_qml_hold_and_the_text_follows_the_host(qml, qtbot, closed_port):
    client = qml(panel(closed_port, client="commAlarm.onDelay: 600000; commAlarm.priority: 2"))
    comm = client.property("commAlarm")
    qtbot.waitUntil(lambda: client.property("error") != 0, timeout=TIMEOUT)
    assert comm.property("priority") == 2
    assert comm.property("state") == State.Normal  # the delay has not run out
    client.setProperty("port", closed_port + 1)  # a port nobody checked: only the text moves
    assert comm.property("text").endswith(f":{closed_port + 1}")
    comm.setProperty("text", "Line 3 PLC offline")
    client.setProperty("hostname", "127.0.0.1 ")
    assert comm.property("text") == "Line 3 PLC offline"


def test_a_disabled_comm_alarm_is_in_no_list_and_never_comes(qml, qtbot, closed_port):
    client = qml(panel(closed_port, client="commAlarmEnabled: false"))
    comm = client.property("commAlarm")
    model = client.property("alarms")
    qtbot.waitUntil(lambda: client.property("error") != 0, timeout=TIMEOUT)
    assert comm.property("state") == State.Normal
    listed = [model.get(row) for row in range(model.property("count"))]
    assert comm not in listed and client.property("high") in listed

    client.setProperty("commAlarmEnabled", True)  # the link is down: it comes at once
    assert comm.property("state") == State.Unacknowledged
    # the model takes in changes once per event-loop turn
    qtbot.waitUntil(lambda: model.property("totalCount") == len(listed) + 1, timeout=TIMEOUT)
    client.setProperty("commAlarmEnabled", False)
    assert comm.property("active") is False
    qtbot.waitUntil(lambda: model.property("totalCount") == len(listed), timeout=TIMEOUT)
