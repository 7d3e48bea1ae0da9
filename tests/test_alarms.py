"""S7Alarm through the QML engine against the simulator: ISA-18.2 transitions, deadbands,
delays, a source that goes bad, the acknowledge bit, shelving, bad input."""

from __future__ import annotations

import struct
import time

import pytest
from PySide6.QtCore import QObject
from PySide6.QtQml import QJSValue
from support import run_qml_s7

from qml_s7 import S7Alarm, S7Variable
from qml_s7.core.quality import Quality, Severity, severity
from qml_s7.qmltypes.alarm import registry

TIMEOUT = 10_000
NORMAL, UNACK, ACKED, RETURNED, SHELVED = range(5)  # S7Alarm.State


def panel(port: int, alarms: str, variables: str = "", interval: int = 20) -> str:
    """An Item with an S7Client polling ``variables`` every ``interval`` ms, and ``alarms``."""
    return f"""
import QtQuick
import QmlS7
Item {{
    id: root
    property var log: []
    S7Client {{
        id: plc
        objectName: "plc"
        hostname: "127.0.0.1"; port: {port}; pollInterval: {interval}
        S7Variable {{ id: level; objectName: "level"; name: "DB1.DBD0:REAL" }}
{variables}
    }}
{alarms}
}}
"""


def alarm_of(root: QObject, name: str) -> S7Alarm:
    found = root.findChild(S7Alarm, name)
    assert found is not None, name
    return found


def write_real(simulator, value: float, start: int = 0) -> None:
    simulator.write("DB", start, struct.pack(">f", value), db=1)


def judged(qtbot, alarm: S7Alarm, value) -> None:
    """Wait until ``alarm`` has judged ``value`` (it evaluates each value as it arrives)."""
    qtbot.waitUntil(lambda: alarm.value == value and alarm.conditionKnown, timeout=TIMEOUT)


def state_is(qtbot, alarm: S7Alarm, state: int) -> None:
    qtbot.waitUntil(lambda: alarm.state == state, timeout=TIMEOUT)


def high_alarm(qml, qtbot, simulator, props: str = "", value: float = 95) -> S7Alarm:
    """A High alarm at 90 on the level (with ``props``), once it judged the PLC's ``value``."""
    write_real(simulator, value)
    alarm = (
        f'S7Alarm {{ objectName: "high"; source: level; kind: S7Alarm.High; limit: 90; {props} }}'
    )
    high = alarm_of(qml(panel(simulator.port, alarm)), "high")
    judged(qtbot, high, float(value))
    return high


def js(value):
    return value.toVariant() if isinstance(value, QJSValue) else value


class Recorder:
    """The signals of an alarm, in order, with the wall time (ms) each was heard."""

    def __init__(self, alarm: S7Alarm) -> None:
        self.events: list[tuple[str, float]] = []
        for name in ("came", "went", "acknowledgement", "conditionKnownChanged", "valueChanged"):
            getattr(alarm, name).connect(lambda name=name: self._note(alarm, name))

    def _note(self, alarm: S7Alarm, name: str) -> None:
        if name == "conditionKnownChanged":
            name = f"known={alarm.conditionKnown}"
        elif name == "valueChanged":
            name = f"value={alarm.value}"
        self.events.append((name, time.time() * 1000))

    def names(self, *kinds: str) -> list[str]:
        return [n for n, _ in self.events if not kinds or n.split("=")[0] in kinds]

    def at(self, name: str) -> float:
        """When ``name`` was last heard."""
        return [t for n, t in self.events if n == name][-1]


# -- ISA-18.2 -----------------------------------------------------------------------------------

ISA_ALARM = """
    S7Alarm {
        objectName: "high"
        source: level; kind: S7Alarm.High; limit: 90
        text: "Level high: %1 %"
        onCame: root.log.push("came")
        onWent: root.log.push("went")
        onAcknowledgement: root.log.push("acknowledgement")
        onStateChanged: root.log.push("state " + state)
    }
"""


def test_every_isa_transition_is_a_state_and_a_signal(qml, qtbot, simulator):
    root = qml(panel(simulator.port, ISA_ALARM))
    high = alarm_of(root, "high")
    judged(qtbot, high, 0.0)
    assert (high.state, high.active, high.acknowledged) == (NORMAL, False, True)
    assert high.cameAt == high.wentAt == high.acknowledgedAt == 0

    # Acknowledged while active, then it goes: Normal -> Unacknowledged -> Acknowledged -> Normal
    write_real(simulator, 95)
    state_is(qtbot, high, UNACK)
    assert (high.active, high.acknowledged) == (True, False)
    first_came = high.cameAt
    assert first_came > 0
    assert high.acknowledge() is True
    assert (high.state, high.active, high.acknowledged) == (ACKED, True, True)
    assert high.acknowledgedAt >= first_came
    assert high.acknowledge() is False  # nothing left to acknowledge
    write_real(simulator, 50)
    state_is(qtbot, high, NORMAL)
    assert high.wentAt >= high.acknowledgedAt

    # Gone before acknowledged, comes again, goes, then acknowledged:
    # Normal -> Unacknowledged -> Returned -> Unacknowledged -> Returned -> Normal
    write_real(simulator, 96)
    state_is(qtbot, high, UNACK)
    assert high.cameAt >= first_came and (high.wentAt, high.acknowledgedAt) == (0, 0)
    write_real(simulator, 40)
    state_is(qtbot, high, RETURNED)
    assert (high.active, high.acknowledged) == (False, False)
    write_real(simulator, 97)
    state_is(qtbot, high, UNACK)
    write_real(simulator, 30)
    state_is(qtbot, high, RETURNED)
    assert high.acknowledge() is True
    assert (high.state, high.acknowledged) == (NORMAL, True)

    assert js(root.property("log")) == [
        "state 1", "came", "state 2", "acknowledgement", "state 0", "went",
        "state 1", "came", "state 3", "went", "state 1", "came", "state 3", "went",
        "state 0", "acknowledgement",
    ]  # fmt: skip


def test_a_bit_alarm_and_an_inverted_one(qml, qtbot, simulator):
    variables = '        S7Variable { id: bit; objectName: "bit"; name: "DB1.DBX8.3" }'
    alarms = """
    S7Alarm { objectName: "on"; source: bit; text: "Motor overload" }
    S7Alarm { objectName: "off"; source: bit; inverted: true; text: "No air pressure" }
"""
    root = qml(panel(simulator.port, alarms, variables))
    on, off = alarm_of(root, "on"), alarm_of(root, "off")
    judged(qtbot, on, False)
    assert (on.state, off.state) == (NORMAL, UNACK)
    simulator.write_bit("DB", 8, 3, True, db=1)
    state_is(qtbot, on, UNACK)
    state_is(qtbot, off, RETURNED)


# -- deadbands ------------------------------------------------------------------------------------


def test_hysteresis_at_both_edges(qml, qtbot, simulator):
    alarms = """
    S7Alarm { objectName: "high"; source: level; kind: S7Alarm.High; limit: 90; hysteresis: 2 }
    S7Alarm { objectName: "low"; source: level; kind: S7Alarm.Low; limit: 10; hysteresis: 2 }
"""
    write_real(simulator, 50)
    root = qml(panel(simulator.port, alarms))
    high, low = alarm_of(root, "high"), alarm_of(root, "low")
    # The high alarm comes at the limit and goes only below limit - hysteresis.
    for value, active in [(89.9, False), (90, True), (88.5, True), (88, True), (87.9, False),
                          (89.5, False)]:  # fmt: skip
        write_real(simulator, value)
        judged(qtbot, high, value)
        assert high.active is active, value
    # The low alarm comes at the limit and goes only above limit + hysteresis.
    for value, active in [(10.1, False), (10, True), (11.9, True), (12, True), (12.1, False),
                          (11, False)]:  # fmt: skip
        write_real(simulator, value)
        judged(qtbot, low, value)
        assert low.active is active, value
    assert high.active is False


# -- delays ---------------------------------------------------------------------------------------


def test_on_delay_ignores_a_flicker_and_then_waits(qml, qtbot, simulator):
    high = high_alarm(qml, qtbot, simulator, "onDelay: 1500", value=0)
    record = Recorder(high)
    write_real(simulator, 95)
    judged(qtbot, high, 95.0)
    write_real(simulator, 50)  # back before the on-delay ran out
    judged(qtbot, high, 50.0)
    assert record.at("value=50.0") - record.at("value=95.0") < 1500  # it was a flicker
    assert high.state == NORMAL

    write_real(simulator, 95)
    state_is(qtbot, high, UNACK)
    assert record.names("came", "value") == ["value=95.0", "value=50.0", "value=95.0", "came"]
    # Stamped when the delay ran out: 1.5 s after the value that stayed was judged.
    assert high.cameAt - record.at("value=95.0") >= 1500 - 2


def test_off_delay_ignores_a_flicker_and_then_waits(qml, qtbot, simulator):
    high = high_alarm(qml, qtbot, simulator, "offDelay: 1500")
    assert high.state == UNACK
    record = Recorder(high)
    write_real(simulator, 50)
    judged(qtbot, high, 50.0)
    write_real(simulator, 95)
    judged(qtbot, high, 95.0)
    assert record.at("value=95.0") - record.at("value=50.0") < 1500
    assert high.state == UNACK

    write_real(simulator, 50)
    state_is(qtbot, high, RETURNED)
    assert record.names("went", "value") == ["value=50.0", "value=95.0", "value=50.0", "went"]
    assert high.wentAt - record.at("value=50.0") >= 1500 - 2


# -- a source that is not good ------------------------------------------------------------------


def test_a_source_that_goes_bad_leaves_the_condition_unknown_and_the_state_as_it_was(
    qml, qtbot, simulator
):
    alarms = """
    S7Alarm { objectName: "high"; source: level; kind: S7Alarm.High; limit: 90 }
    S7Alarm { objectName: "low"; source: level; kind: S7Alarm.Low; limit: 10 }
"""
    write_real(simulator, 95)
    root = qml(panel(simulator.port, alarms))
    high, low = alarm_of(root, "high"), alarm_of(root, "low")
    level = root.findChild(S7Variable, "level")
    state_is(qtbot, high, UNACK)
    assert low.state == NORMAL and high.quality == low.quality == Quality.Good
    records = Recorder(high), Recorder(low)

    simulator.stop()
    qtbot.waitUntil(lambda: not high.conditionKnown and not low.conditionKnown, timeout=TIMEOUT)
    assert severity(high.quality) != Severity.Good
    assert high.quality == low.quality == level.quality  # the alarm mirrors its source
    assert (high.state, high.active) == (UNACK, True)  # an active alarm stays active
    assert low.state == NORMAL  # a normal one does not come
    assert high.value == 95.0  # the last value, as the variable keeps it

    write_real(simulator, 5)  # what the PLC holds when it is back
    simulator.start()
    qtbot.waitUntil(lambda: high.conditionKnown and low.conditionKnown, timeout=TIMEOUT)
    assert (high.state, low.state) == (RETURNED, UNACK)  # evaluated once good again
    assert high.quality == Quality.Good
    # Nothing came or went while the condition was unknown.
    assert records[0].names("known", "went", "came") == ["known=False", "known=True", "went"]
    assert records[1].names("known", "went", "came") == ["known=False", "known=True", "came"]


def test_a_cpu_in_stop_makes_the_condition_unknown(qml, qtbot, simulator):
    high = high_alarm(qml, qtbot, simulator)
    assert high.state == UNACK
    simulator.set_cpu_state("STOP")  # the memory is still read, but no program keeps it current
    qtbot.waitUntil(lambda: not high.conditionKnown, timeout=TIMEOUT)
    assert high.quality == Quality.UncertainLastUsableValue and high.state == UNACK
    write_real(simulator, 50)
    simulator.set_cpu_state("RUN")
    state_is(qtbot, high, RETURNED)
    assert high.conditionKnown and high.quality == Quality.Good


def test_an_alarm_without_a_source_takes_its_condition_from_python(qml, qtbot):
    root = qml(
        """
import QtQuick
import QmlS7
Item { S7Alarm { objectName: "link"; text: "PLC not reachable"; priority: 1 } }
"""
    )
    link = alarm_of(root, "link")
    assert (link.conditionKnown, link.state) == (False, NORMAL)
    link.set_condition(True)
    assert (link.conditionKnown, link.state, link.quality) == (True, UNACK, Quality.Good)
    link.set_condition(None)
    assert (link.conditionKnown, link.state, link.quality) == (False, UNACK, Quality.Bad)
    link.set_condition(False)
    assert link.state == RETURNED
    with_source = qml(panel(1, '    S7Alarm { objectName: "a"; source: level }'))
    with pytest.raises(ValueError, match="without a source"):
        alarm_of(with_source, "a").set_condition(True)


# -- acknowledging into the PLC ---------------------------------------------------------------


def test_acknowledging_writes_true_to_the_ack_variable(qml, qtbot, simulator):
    variables = '        S7Variable { id: ack; objectName: "ack"; name: "DB1.DBX20.0" }'
    alarms = """
    S7Alarm { objectName: "high"; source: level; kind: S7Alarm.High; limit: 90; ackVariable: ack }
"""
    root = qml(panel(simulator.port, alarms, variables))
    high = alarm_of(root, "high")
    judged(qtbot, high, 0.0)
    assert high.acknowledge() is False  # a normal alarm: nothing to acknowledge, nothing written

    write_real(simulator, 95)
    state_is(qtbot, high, UNACK)
    assert high.acknowledge() is True
    qtbot.waitUntil(lambda: simulator.read_bit("DB", 20, 0, db=1) is True, timeout=TIMEOUT)
    writes = [w for w in simulator.stats.writes if w.area == "DB" and w.start == 20]
    assert [(w.data, w.transport, w.bit) for w in writes] == [(b"\x01", "bit", 0)]

    # PLC logic that latches the alarm resets the bit; an active, acknowledged alarm can be
    # acknowledged again for it (the PLC may still hold its latch).
    simulator.write_bit("DB", 20, 0, False, db=1)
    ack = root.findChild(S7Variable, "ack")
    qtbot.waitUntil(lambda: ack.data is False, timeout=TIMEOUT)
    assert high.acknowledge() is False
    qtbot.waitUntil(lambda: simulator.read_bit("DB", 20, 0, db=1) is True, timeout=TIMEOUT)


# -- shelving -------------------------------------------------------------------------------------


def test_a_shelved_alarm_is_suppressed_then_evaluated_again(qml, qtbot, simulator):
    high = high_alarm(qml, qtbot, simulator)
    assert high.state == UNACK
    record = Recorder(high)
    assert high.shelve(60_000) is True
    assert (high.state, high.shelved, high.active) == (SHELVED, True, False)
    assert high.acknowledged is True  # nothing awaits an acknowledgement while shelved
    assert high.shelvedUntil > high.cameAt
    write_real(simulator, 50)  # goes and comes while shelved: no signal
    judged(qtbot, high, 50.0)
    write_real(simulator, 95)
    judged(qtbot, high, 95.0)
    assert high.acknowledge() is False and high.state == SHELVED
    assert record.names("came", "went", "acknowledgement") == []

    assert high.shelve(200) is True  # shelving again counts from now
    state_is(qtbot, high, UNACK)  # the shelving ran out: still active, so it came again
    assert record.names("came", "went") == ["came"]
    assert (high.shelved, high.shelvedUntil) == (False, 0)

    assert high.shelve(60_000) is True
    write_real(simulator, 50)
    judged(qtbot, high, 50.0)
    high.unshelve()  # early; the condition no longer holds
    assert (high.state, high.shelved) == (NORMAL, False)


# -- bad input, the text, the registry -------------------------------------------------------


def test_bad_input_becomes_an_error_not_an_exception(qml, qtbot, simulator):
    variables = '        S7Variable { id: label; name: "DB1.DBB30:STRING[8]" }'
    alarms = """
    S7Alarm { objectName: "text"; source: label; kind: S7Alarm.High; limit: 1
              property int errors: 0; onErrorOccurred: errors++ }
    S7Alarm { objectName: "kind"; source: level; kind: 42 }
    S7Alarm { objectName: "delay"; source: level; onDelay: -5 }
    S7Alarm { objectName: "client"; source: plc }
"""
    root = qml(panel(simulator.port, alarms, variables))
    text = alarm_of(root, "text")
    qtbot.waitUntil(lambda: text.error == S7Alarm.Error.InvalidValueError, timeout=TIMEOUT)
    assert "needs a number" in text.errorString and text.conditionKnown is False
    assert text.property("errors") == 1
    kind, delay, client = (alarm_of(root, n) for n in ("kind", "delay", "client"))
    assert kind.error == S7Alarm.Error.InvalidParameterError and "kind 42" in kind.errorString
    assert delay.error == S7Alarm.Error.InvalidParameterError and "onDelay" in delay.errorString
    assert client.error == S7Alarm.Error.InvalidSourceError
    assert not (kind.conditionKnown or delay.conditionKnown or client.conditionKnown)
    assert text.shelve(0) is False and text.error == S7Alarm.Error.InvalidParameterError
    assert text.property("errors") == 2

    delay.setProperty("onDelay", 0)  # fixed: the error clears and the alarm works
    assert delay.error == S7Alarm.Error.NoError and delay.conditionKnown


def test_the_text_shows_the_value(qml, qtbot, simulator):
    alarms = """
    S7Alarm { id: high; objectName: "high"; source: level; kind: S7Alarm.High; limit: 90
              text: "Level high: %1 % (limit %2 %)" }
    property string shown: high.textWithValue
"""
    write_real(simulator, 91.3)  # 91.30000305 as a float32
    root = qml(panel(simulator.port, alarms))
    high = alarm_of(root, "high")
    assert root.property("shown") == "Level high: -- % (limit 90 %)"  # no value yet
    qtbot.waitUntil(lambda: root.property("shown") == "Level high: 91.3 % (limit 90 %)")
    high.setProperty("decimals", 2)
    assert root.property("shown") == "Level high: 91.30 % (limit 90.00 %)"
    write_real(simulator, 92.5)
    qtbot.waitUntil(lambda: root.property("shown") == "Level high: 92.50 % (limit 90.00 %)")


def test_every_alarm_is_registered_while_it_exists(qml, qtbot, simulator):
    before = len(registry().alarms())
    alarms = """
    S7Alarm { objectName: "root"; source: level }
    Component { id: later; S7Alarm { objectName: "later" } }
    property var made: null
    function make() { made = later.createObject(root) }
    function drop() { made.destroy(); made = null }
"""
    inside = '        S7Alarm { objectName: "inside"; source: level }'
    root = qml(panel(simulator.port, alarms, inside))
    names = [a.objectName() for a in registry().alarms()[before:]]
    # declared at the root and inside the client, and the client's own communication alarm
    assert sorted(names) == ["commAlarm", "inside", "root"]
    root.make()
    assert [a.objectName() for a in registry().alarms()[before:]][-1] == "later"
    root.drop()  # destroyed once the event loop runs
    qtbot.waitUntil(lambda: len(registry().alarms()) == before + 3, timeout=TIMEOUT)
    assert sorted(a.objectName() for a in registry().alarms()[before:]) == [
        "commAlarm",
        "inside",
        "root",
    ]


LINTED = """
import QtQuick
import QtQuick.Controls
import QmlS7
import QmlS7.Controls

ApplicationWindow {
    S7Client {
        hostname: "127.0.0.1"
        S7Variable { id: level; name: "DB1.DBD2:REAL" }
    }
    S7Alarm {
        id: high
        source: level; kind: S7Alarm.High; limit: 90; hysteresis: 2; onDelay: 1000
        text: "Level high: %1 %"; priority: 2; group: "Tank"
        onCame: console.log(cameAt, textWithValue)
    }
    S7AlarmModel { id: alarms; unacknowledgedOnly: true }
    Column {
        AlarmBanner { model: alarms }
        AlarmTable { model: alarms }
        Button { text: alarms.unacknowledgedCount; onClicked: high.acknowledge() }
    }
}
"""


def test_qmllint_knows_the_alarm_types(tmp_path):
    panel = tmp_path / "panel.qml"
    panel.write_text(LINTED)
    result = run_qml_s7("lint", str(panel))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Warning" not in result.stdout
    panel.write_text(LINTED.replace("high.acknowledge()", "high.acknowlege()"))
    result = run_qml_s7("lint", str(panel))
    assert result.returncode == 1
    assert 'Member "acknowlege" not found on type "S7Alarm"' in result.stdout
