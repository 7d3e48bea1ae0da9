"""S7Gateway in the test's own process: the simulator, a real Mosquitto, a plain paho client.

The paho client (:class:`Listener`) stands where a panel would: it hears every message of the
gateway ``line1``, sends write requests and notes what the simulator's memory holds at the
very moment each answer arrives (on paho's thread), so "confirmed only once it is in the
PLC" is asserted, not assumed.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import struct
import threading
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from PySide6.QtCore import QObject

from qml_s7 import S7Gateway, S7Variable
from qml_s7.core.quality import Quality
from qml_s7.gateway.topics import Topics
from qml_s7.history.journal import journal

TIMEOUT = 10_000
GOOD = int(Quality.Good)
LOST = int(Quality.BadNoCommunicationLastUsable)


class Listener:
    """A paho client in a panel's place: every message of one gateway, kept in order."""

    def __init__(self, port: int, gateway: str = "line1", panel: str = "panel-a") -> None:
        self.topics = Topics(gateway)
        self.reply = self.topics.reply(panel)
        self.messages: list[tuple[str, bytes, bool]] = []
        self.snapshot: Callable[[], Any] | None = None  # called as each answer arrives
        self.at_answer: dict[str, list[Any]] = {}  # request id -> snapshots
        self._cond = threading.Condition()
        self._subscribed = threading.Event()
        client = self.client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2,
            client_id=f"test-{panel}-{uuid.uuid4().hex[:8]}",
            protocol=mqtt.MQTTv311,
        )
        client.on_message = self._message
        client.on_connect = lambda c, *_: c.subscribe(self.topics.all, 1)
        client.on_subscribe = lambda *_: self._subscribed.set()
        client.connect("127.0.0.1", port)
        client.loop_start()
        assert self._subscribed.wait(TIMEOUT / 1000), "no SUBACK from the broker"

    def _message(self, client: mqtt.Client, userdata: object, message: mqtt.MQTTMessage) -> None:
        if message.topic == self.reply and self.snapshot is not None:
            answer = json.loads(message.payload)
            self.at_answer.setdefault(answer["id"], []).append(self.snapshot())
        with self._cond:
            self.messages.append((message.topic, message.payload, bool(message.retain)))
            self._cond.notify_all()

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()

    # -- what came -----------------------------------------------------------------------------
    def all(self, topic: str) -> list[bytes]:
        with self._cond:
            return [payload for t, payload, _ in self.messages if t == topic]

    def last(self, topic: str) -> bytes | None:
        found = self.all(topic)
        return found[-1] if found else None

    def retained(self, topic: str) -> bool:
        with self._cond:
            return any(t == topic and kept for t, _, kept in self.messages)

    def value(self, tag: str) -> dict[str, Any] | None:
        """The last value message of ``tag``."""
        payload = self.last(self.topics.tag(tag))
        return json.loads(payload) if payload is not None else None

    def catalog(self) -> dict[str, Any] | None:
        payload = self.last(self.topics.catalog)
        return json.loads(payload)["tags"] if payload is not None else None

    def answers(self, ident: str) -> list[dict[str, Any]]:
        return [a for a in map(json.loads, self.all(self.reply)) if a["id"] == ident]

    def index(self, topic: str, payload_has: str) -> int:
        """Where the first message of ``topic`` containing ``payload_has`` came."""
        with self._cond:
            for i, (t, payload, _) in enumerate(self.messages):
                if t == topic and payload_has.encode() in payload:
                    return i
        return -1

    def wait(self, predicate: Callable[[], bool], timeout: float = TIMEOUT / 1000) -> bool:
        """Wait (bounded) for ``predicate``, for a gateway in another process."""
        with self._cond:
            return self._cond.wait_for(predicate, timeout)

    # -- requests ------------------------------------------------------------------------------
    def write(self, ident: str, tag: str, value: Any, user: str = "", **extra: Any) -> None:
        request = {"id": ident, "tag": tag, "value": value, "user": user, "reply": self.reply}
        self.send(json.dumps({**request, **extra}).encode())

    def send(self, payload: bytes) -> None:
        self.client.publish(self.topics.write, payload, qos=1).wait_for_publish(TIMEOUT / 1000)


@pytest.fixture
def listen(broker):
    """Listener(s) on the test's broker, closed at the end."""
    made: list[Listener] = []

    def make(gateway: str = "line1", panel: str = "panel-a") -> Listener:
        listener = Listener(broker.port, gateway, panel)
        made.append(listener)
        return listener

    yield make
    for listener in made:
        listener.close()


@pytest.fixture(autouse=True)
def no_operator():
    """No test leaves an operator name behind."""
    journal().operator = ""
    yield
    journal().operator = ""


LEVEL = "DB1.DBD2:REAL"
SETPOINT = "DB1.DBW6:INT"
PUMP = "DB1.DBX0.1"
VARIABLES = f"""
        S7Variable {{
            id: level; objectName: "level"; name: "{LEVEL}"
            description: "Tank level"; property string unit: "%"
        }}
        S7Variable {{ id: setpoint; objectName: "setpoint"; name: "{SETPOINT}" }}
        S7Variable {{ id: pump; objectName: "pump"; name: "{PUMP}" }}
"""


def panel(port: int, broker_url: str, gateway: str = "", extra: str = "") -> str:
    return f"""
import QtQuick
import QmlS7
Item {{
    S7Client {{
        id: plc; hostname: "127.0.0.1"; port: {port}; pollInterval: 20
{VARIABLES}
    }}
    S7Gateway {{
        objectName: "gateway"; broker: "{broker_url}"; name: "line1"
        writable: [setpoint, pump]
        {gateway}
    }}
{extra}
}}
"""


def child(root: QObject, cls: type, name: str) -> Any:
    found = root.findChild(cls, name)
    assert found is not None, name
    return found


def plc_memory(simulator) -> None:
    simulator.write("DB", 2, struct.pack(">f", 12.5), db=1)
    simulator.write("DB", 6, struct.pack(">h", 7), db=1)
    simulator.write_bit("DB", 0, 1, True, db=1)


def setpoint_in_plc(simulator) -> int:
    return struct.unpack(">h", simulator.read("DB", 6, 2, db=1))[0]


def start(qml, qtbot, simulator, broker, gateway: str = "", extra: str = ""):
    """The panel with its gateway, connected to the PLC and the broker."""
    root = qml(panel(simulator.port, broker.url, gateway, extra))
    gw = child(root, S7Gateway, "gateway")
    qtbot.waitUntil(lambda: gw.property("connected"), timeout=TIMEOUT)
    return root, gw


def good(listener: Listener, tag: str, value: Any) -> Callable[[], bool]:
    def check() -> bool:
        found = listener.value(tag)
        return found is not None and found["q"] == GOOD and found["v"] == value

    return check


# -- publishing --------------------------------------------------------------------------------
def test_a_late_subscriber_gets_state_catalog_and_every_value_retained(
    qml, qtbot, simulator, broker, listen
):
    plc_memory(simulator)
    early = listen(panel="early")
    start(qml, qtbot, simulator, broker)
    for tag, value in ((LEVEL, 12.5), (SETPOINT, 7), (PUMP, True)):
        qtbot.waitUntil(good(early, tag, value), timeout=TIMEOUT)
    late = listen(panel="late")
    for tag, value in ((LEVEL, 12.5), (SETPOINT, 7), (PUMP, True)):
        assert late.wait(good(late, tag, value))  # the broker's, right after subscribing
        assert late.retained(late.topics.tag(tag))
        assert late.value(tag)["ts"] > 0
    assert late.last(late.topics.state) == b"online" and late.retained(late.topics.state)
    assert late.retained(late.topics.catalog)
    assert late.catalog() == {
        LEVEL: {"type": "REAL", "writable": False, "comment": "Tank level", "unit": "%"},
        SETPOINT: {"type": "INT", "writable": True, "comment": "", "unit": ""},
        PUMP: {"type": "BOOL", "writable": True, "comment": "", "unit": ""},
    }


def test_a_change_in_the_plc_arrives_as_a_tag_message(qml, qtbot, simulator, broker, listen):
    plc_memory(simulator)
    listener = listen()
    _, gw = start(qml, qtbot, simulator, broker)
    qtbot.waitUntil(good(listener, LEVEL, 12.5), timeout=TIMEOUT)
    published = gw.property("published")
    assert published >= 5  # state, catalog, a value of each tag
    with qtbot.waitSignal(gw.publishedChanged, timeout=TIMEOUT):
        simulator.write("DB", 2, struct.pack(">f", 30.25), db=1)
    qtbot.waitUntil(good(listener, LEVEL, 30.25), timeout=TIMEOUT)
    assert gw.property("published") > published
    assert not listener.retained(listener.topics.tag(LEVEL))  # live, as the broker passes it on


def test_only_the_chosen_variables_are_published(qml, qtbot, simulator, broker, listen):
    listener = listen()
    start(qml, qtbot, simulator, broker, gateway="variables: [level, setpoint]")
    qtbot.waitUntil(lambda: listener.catalog() is not None, timeout=TIMEOUT)
    assert set(listener.catalog()) == {LEVEL, SETPOINT}
    assert listener.catalog()[SETPOINT]["writable"]


def test_tag_names_and_comments_come_from_the_tag_table(
    qml, qtbot, simulator, broker, listen, tmp_path
):
    table = tmp_path / "tags.csv"
    table.write_text('"Tank".Level,DB1.DBD2:REAL,Level in the tank\n')
    plc_memory(simulator)
    listener = listen()
    extra = f"""
    S7Client {{
        hostname: "127.0.0.1"; port: {simulator.port}; pollInterval: 20
        S7TagTable {{ files: ["{table}"] }}
        S7Variable {{ name: '"Tank".Level' }}
    }}"""
    start(qml, qtbot, simulator, broker, extra=extra)
    qtbot.waitUntil(good(listener, '"Tank".Level', 12.5), timeout=TIMEOUT)
    assert listener.topics.tag('"Tank".Level').endswith("/tag/%22Tank%22%2ELevel")
    entry = listener.catalog()['"Tank".Level']
    assert entry == {"type": "REAL", "writable": False, "comment": "Level in the tank", "unit": ""}
    table.write_text('"Tank".Level,DB1.DBD2:REAL,Tank level in %\n')  # exported again

    def comment() -> str:
        return (listener.catalog() or {}).get('"Tank".Level', {}).get("comment", "")

    qtbot.waitUntil(lambda: comment() == "Tank level in %", timeout=TIMEOUT)


def test_changes_within_one_turn_are_one_message(qml, qtbot, simulator, broker, listen):
    plc_memory(simulator)
    listener = listen()
    root, _ = start(qml, qtbot, simulator, broker)
    qtbot.waitUntil(good(listener, PUMP, True), timeout=TIMEOUT)
    qtbot.waitUntil(good(listener, LEVEL, 12.5), timeout=TIMEOUT)
    level_topic = listener.topics.tag(LEVEL)
    before = len(listener.all(level_topic))
    level = child(root, S7Variable, "level")
    for _ in range(3):  # as thousands of results applied in one turn would
        level.dataChanged.emit()
        level.qualityChanged.emit()
    simulator.write_bit("DB", 0, 1, False, db=1)  # a later message: everything before is in
    qtbot.waitUntil(good(listener, PUMP, False), timeout=TIMEOUT)
    assert len(listener.all(level_topic)) == before + 1


def test_the_plc_link_is_published_as_quality(qml, qtbot, simulator, broker, listen):
    plc_memory(simulator)
    listener = listen()
    start(qml, qtbot, simulator, broker)
    qtbot.waitUntil(good(listener, LEVEL, 12.5), timeout=TIMEOUT)
    simulator.stop()

    def lost() -> bool:
        found = listener.value(LEVEL)
        return found is not None and found["q"] == LOST and found["v"] == 12.5

    qtbot.waitUntil(lost, timeout=TIMEOUT)
    listener.write("down", SETPOINT, 9)  # the link is down: not sent, nothing written
    qtbot.waitUntil(lambda: bool(listener.answers("down")), timeout=TIMEOUT)
    assert listener.answers("down")[0]["outcome"] == "not_sent"
    simulator.start()
    qtbot.waitUntil(good(listener, LEVEL, 12.5), timeout=TIMEOUT)
    assert setpoint_in_plc(simulator) == 7


def test_alarms_are_published_with_their_state(qml, qtbot, simulator, broker, listen):
    plc_memory(simulator)
    listener = listen()
    alarm = """
    S7Alarm {
        objectName: "TankHigh"; source: level; kind: S7Alarm.High; limit: 50
        text: "Tank level high"; priority: 1; group: "Tank"
    }"""
    root, _ = start(qml, qtbot, simulator, broker, extra=alarm)
    topic = listener.topics.alarm("TankHigh")

    def alarm_is(state: str) -> Callable[[], bool]:
        def check() -> bool:
            found = listener.last(topic)
            return found is not None and json.loads(found)["state"] == state

        return check

    qtbot.waitUntil(alarm_is("Normal"), timeout=TIMEOUT)
    simulator.write("DB", 2, struct.pack(">f", 75.0), db=1)
    qtbot.waitUntil(alarm_is("Unacknowledged"), timeout=TIMEOUT)
    came = json.loads(listener.last(topic))
    assert came["active"] and not came["acknowledged"] and came["ts"] > 0
    assert (came["priority"], came["text"], came["group"]) == (1, "Tank level high", "Tank")
    comm = listener.topics.alarm(f"127.0.0.1:{simulator.port}.commAlarm")
    assert json.loads(listener.last(comm))["state"] == "Normal"  # each client's, too
    late = listen(panel="late")
    assert late.wait(lambda: late.last(topic) == listener.last(topic))  # retained
    child(root, QObject, "TankHigh").deleteLater()
    qtbot.waitUntil(lambda: late.last(topic) == b"", timeout=TIMEOUT)  # gone: removed


# -- writes ------------------------------------------------------------------------------------
def test_a_write_is_confirmed_only_once_it_is_in_the_plc(qml, qtbot, simulator, broker, listen):
    plc_memory(simulator)
    listener = listen()
    start(qml, qtbot, simulator, broker)
    qtbot.waitUntil(good(listener, SETPOINT, 7), timeout=TIMEOUT)
    listener.snapshot = lambda: setpoint_in_plc(simulator)
    simulator.stats.reset()
    listener.write("w1", SETPOINT, 42, user="alice")
    qtbot.waitUntil(lambda: bool(listener.answers("w1")), timeout=TIMEOUT)
    assert listener.answers("w1") == [{"id": "w1", "outcome": "confirmed", "text": ""}]
    assert listener.at_answer["w1"] == [42]  # in the PLC when the answer came
    # The value went out before the answer: a panel that hears "confirmed" has it already.
    tag_topic = listener.topics.tag(SETPOINT)
    assert 0 <= listener.index(tag_topic, '"v":42') < listener.index(listener.reply, '"w1"')
    assert len(simulator.stats.writes) == 1


def test_a_retained_request_is_never_taken_from_the_brokers_memory(
    qml, qtbot, simulator, broker, listen
):
    plc_memory(simulator)
    listener = listen()
    request = {"id": "kept", "tag": SETPOINT, "value": 99, "user": "", "reply": listener.reply}
    kept = listener.client.publish(listener.topics.write, json.dumps(request), qos=1, retain=True)
    kept.wait_for_publish(TIMEOUT / 1000)  # in the broker's memory before the gateway comes
    _root, gw = start(qml, qtbot, simulator, broker)
    qtbot.waitUntil(good(listener, SETPOINT, 7), timeout=TIMEOUT)  # published, not written
    listener.write("live", SETPOINT, 8)  # a live request is written and answered
    qtbot.waitUntil(lambda: bool(listener.answers("live")), timeout=TIMEOUT)
    assert listener.answers("kept") == []
    assert setpoint_in_plc(simulator) == 8
    gw.restart()  # and not after a reconnect either
    qtbot.waitUntil(lambda: gw.property("connected"), timeout=TIMEOUT)
    listener.write("after", SETPOINT, 9)
    qtbot.waitUntil(lambda: bool(listener.answers("after")), timeout=TIMEOUT)
    assert listener.answers("kept") == [] and setpoint_in_plc(simulator) == 9


def test_a_bit_is_written_and_confirmed(qml, qtbot, simulator, broker, listen):
    plc_memory(simulator)
    listener = listen()
    start(qml, qtbot, simulator, broker)
    qtbot.waitUntil(good(listener, PUMP, True), timeout=TIMEOUT)
    listener.snapshot = lambda: simulator.read_bit("DB", 0, 1, db=1)
    listener.write("b1", PUMP, False)
    qtbot.waitUntil(lambda: bool(listener.answers("b1")), timeout=TIMEOUT)
    assert listener.answers("b1")[0]["outcome"] == "confirmed"
    assert listener.at_answer["b1"] == [False]
    qtbot.waitUntil(good(listener, PUMP, False), timeout=TIMEOUT)


def test_refused_requests_write_nothing(qml, qtbot, simulator, broker, listen):
    plc_memory(simulator)
    listener = listen()
    start(qml, qtbot, simulator, broker)
    qtbot.waitUntil(good(listener, LEVEL, 12.5), timeout=TIMEOUT)
    simulator.stats.reset()
    listener.write("n1", LEVEL, 99.0)  # published, not writable
    listener.write("i1", SETPOINT, "many")  # no number
    listener.write("i2", SETPOINT, 70000)  # beyond an INT
    listener.write("u1", "DB9.DBW0:INT", 1)  # no such tag
    for ident, outcome in (
        ("n1", "not_writable"),
        ("i1", "invalid"),
        ("i2", "invalid"),
        ("u1", "unknown_tag"),
    ):
        qtbot.waitUntil(lambda ident=ident: bool(listener.answers(ident)), timeout=TIMEOUT)
        (answer,) = listener.answers(ident)
        assert answer["outcome"] == outcome and answer["text"], answer
    listener.write("last", SETPOINT, 8)  # the PLC's writes are in order: this one ends them
    qtbot.waitUntil(lambda: bool(listener.answers("last")), timeout=TIMEOUT)
    assert [w.data for w in simulator.stats.writes] == [struct.pack(">h", 8)]
    assert struct.unpack(">f", simulator.read("DB", 2, 4, db=1))[0] == 12.5


def test_a_write_the_plc_refuses_is_answered_refused(qml, qtbot, simulator, broker, listen):
    plc_memory(simulator)
    listener = listen()
    start(qml, qtbot, simulator, broker)
    qtbot.waitUntil(good(listener, SETPOINT, 7), timeout=TIMEOUT)
    simulator.protect_db(1)
    listener.write("r1", SETPOINT, 11)
    qtbot.waitUntil(lambda: bool(listener.answers("r1")), timeout=TIMEOUT)
    assert listener.answers("r1")[0]["outcome"] == "refused"
    assert setpoint_in_plc(simulator) == 7
    qtbot.waitUntil(good(listener, SETPOINT, 7), timeout=TIMEOUT)


def test_a_repeated_id_is_answered_each_time_and_written_once(
    qml, qtbot, simulator, broker, listen
):
    plc_memory(simulator)
    first, second = listen(panel="a"), listen(panel="b")
    start(qml, qtbot, simulator, broker)
    qtbot.waitUntil(good(first, SETPOINT, 7), timeout=TIMEOUT)
    simulator.stats.reset()
    first.write("again", SETPOINT, 21)
    second.write("again", SETPOINT, 21)  # while the first is in flight, or just after
    qtbot.waitUntil(lambda: bool(first.answers("again")), timeout=TIMEOUT)
    qtbot.waitUntil(lambda: bool(second.answers("again")), timeout=TIMEOUT)
    first.write("again", SETPOINT, 21)  # long after: the first answer once more
    qtbot.waitUntil(lambda: len(first.answers("again")) == 2, timeout=TIMEOUT)
    answers = first.answers("again") + second.answers("again")
    assert [a["outcome"] for a in answers] == ["confirmed"] * 3
    second.write("again", SETPOINT, 22)  # the same id for another write
    qtbot.waitUntil(lambda: len(second.answers("again")) == 2, timeout=TIMEOUT)
    assert second.answers("again")[-1]["outcome"] == "bad_request"
    assert [w.data for w in simulator.stats.writes] == [struct.pack(">h", 21)]
    assert setpoint_in_plc(simulator) == 21


def test_bad_requests_are_answered_where_they_can_be(qml, qtbot, simulator, broker, listen):
    listener = listen()
    start(qml, qtbot, simulator, broker)
    simulator.stats.reset()
    listener.send(b"{not json")  # no reply topic to answer on
    listener.send(json.dumps({"id": "x1", "tag": SETPOINT, "reply": listener.reply}).encode())
    elsewhere = {"id": "x2", "tag": SETPOINT, "value": 1, "reply": "qmls7/v1/line1/tag/A"}
    listener.send(json.dumps(elsewhere).encode())  # answered over a tag? ignored
    listener.write("x3", SETPOINT, 3)
    qtbot.waitUntil(lambda: bool(listener.answers("x3")), timeout=TIMEOUT)
    (answer,) = listener.answers("x1")
    assert answer["outcome"] == "bad_request" and "'value' is missing" in answer["text"]
    assert listener.all("qmls7/v1/line1/tag/A") == []
    assert len(listener.all(listener.reply)) == 2
    assert [w.data for w in simulator.stats.writes] == [struct.pack(">h", 3)]


def query(db: Path, sql: str) -> list[tuple]:
    if not db.exists():
        return []
    with contextlib.closing(sqlite3.connect(db, timeout=5)) as conn:
        try:
            return conn.execute(sql).fetchall()
        except sqlite3.OperationalError as exc:
            if "no such table" in str(exc):
                return []
            raise


def test_requests_are_audited_under_their_user(qml, qtbot, simulator, broker, listen, tmp_path):
    db = tmp_path / "history.sqlite"
    plc_memory(simulator)
    listener = listen()
    history = f'S7History {{ file: "{db}"; batchInterval: 20 }}'
    start(qml, qtbot, simulator, broker, extra=history)
    qtbot.waitUntil(good(listener, SETPOINT, 7), timeout=TIMEOUT)
    journal().operator = "gateway-operator"
    listener.write("a1", SETPOINT, 5, user="alice")
    listener.write("a2", LEVEL, 1.0, user="bob")
    listener.write("a3", SETPOINT, "five", user="carol")
    qtbot.waitUntil(lambda: len(listener.all(listener.reply)) == 3, timeout=TIMEOUT)
    sql = "SELECT tag, new, outcome, user FROM writes ORDER BY id"
    expected = [
        (SETPOINT, 5, "confirmed", "alice"),
        (LEVEL, 1.0, "not_writable", "bob"),
        (SETPOINT, "five", "invalid", "carol"),
    ]
    qtbot.waitUntil(lambda: query(db, sql) == expected, timeout=TIMEOUT)
    assert query(db, f"SELECT old FROM writes WHERE tag = '{LEVEL}'") == [(12.5,)]
    assert journal().operator == "gateway-operator"  # each request's user only for its write


def test_without_history_the_requests_user_is_not_recorded(
    qml, qtbot, simulator, broker, listen, tmp_path
):
    db = tmp_path / "history.sqlite"
    plc_memory(simulator)
    listener = listen()
    extra = f'S7History {{ file: "{db}"; batchInterval: 20 }}'
    start(qml, qtbot, simulator, broker, gateway="history: false", extra=extra)
    qtbot.waitUntil(good(listener, SETPOINT, 7), timeout=TIMEOUT)
    journal().operator = "local"
    listener.write("h1", SETPOINT, 6, user="alice")
    listener.write("h2", LEVEL, 1.0, user="bob")
    qtbot.waitUntil(lambda: len(listener.all(listener.reply)) == 2, timeout=TIMEOUT)
    sql = "SELECT tag, outcome, user FROM writes"
    # the variable audits its own write as always (under this process's operator); the
    # gateway adds nothing of its own
    qtbot.waitUntil(lambda: query(db, sql) == [(SETPOINT, "confirmed", "local")], timeout=TIMEOUT)


def test_a_remote_client_reads_and_writes_through_the_gateway(
    qml, qtbot, simulator, broker, listen
):
    plc_memory(simulator)
    listener = listen()
    remote = f"""
    S7RemoteClient {{
        broker: "{broker.url}"; gateway: "line1"
        S7Variable {{ objectName: "remoteLevel"; name: "{LEVEL}" }}
        S7Variable {{ objectName: "remoteSetpoint"; name: "{SETPOINT}" }}
    }}"""
    root, _ = start(qml, qtbot, simulator, broker, extra=remote)
    level = child(root, S7Variable, "remoteLevel")
    setpoint = child(root, S7Variable, "remoteSetpoint")
    qtbot.waitUntil(lambda: level.property("valid") and setpoint.property("valid"), timeout=TIMEOUT)
    assert level.property("data") == 12.5
    qtbot.waitUntil(lambda: listener.catalog() is not None, timeout=TIMEOUT)
    assert set(listener.catalog()) == {LEVEL, SETPOINT, PUMP}  # the remote ones are not its own
    in_plc = []
    setpoint.written.connect(lambda: in_plc.append(setpoint_in_plc(simulator)))
    setpoint.setProperty("data", 33)
    qtbot.waitUntil(lambda: bool(in_plc), timeout=TIMEOUT)
    assert in_plc == [33]


# -- the broker ------------------------------------------------------------------------------
def test_after_a_broker_restart_everything_is_published_again(
    qml, qtbot, simulator, broker, listen
):
    plc_memory(simulator)
    _, gw = start(qml, qtbot, simulator, broker)
    lost = []
    gw.errorOccurred.connect(lambda: lost.append(gw.property("errorString")))
    first = listen(panel="first")
    qtbot.waitUntil(good(first, SETPOINT, 7), timeout=TIMEOUT)
    first.close()
    broker.restart()  # without persistence: it comes back with nothing retained
    qtbot.waitUntil(lambda: bool(lost), timeout=TIMEOUT)
    assert gw.property("error") == S7Gateway.Error.BrokerError
    qtbot.waitUntil(lambda: gw.property("connected"), timeout=TIMEOUT)
    assert gw.property("error") == 0
    late = listen(panel="late")
    assert late.wait(good(late, SETPOINT, 7))
    assert late.last(late.topics.state) == b"online"
    assert set(late.catalog()) == {LEVEL, SETPOINT, PUMP}


def test_reconnect_interval_bounds_the_wait_for_a_returning_broker(qml, qtbot, simulator, broker):
    # The default backs off up to 5 s: after a 4 s outage the next attempt could be 4 s away.
    _, gw = start(qml, qtbot, simulator, broker, gateway="reconnectInterval: 300")
    broker.stop()
    qtbot.waitUntil(lambda: not gw.property("connected"), timeout=TIMEOUT)
    qtbot.wait(4000)  # the outage itself (the gateway keeps trying meanwhile)
    broker.start()
    qtbot.waitUntil(lambda: gw.property("connected"), timeout=1500)


def test_close_says_offline_and_restart_online(qml, qtbot, simulator, broker, listen):
    listener = listen()
    _, gw = start(qml, qtbot, simulator, broker)
    qtbot.waitUntil(lambda: listener.last(listener.topics.state) == b"online", timeout=TIMEOUT)
    gw.close()
    qtbot.waitUntil(lambda: listener.last(listener.topics.state) == b"offline", timeout=TIMEOUT)
    assert not gw.property("connected")
    gw.restart()
    qtbot.waitUntil(lambda: listener.last(listener.topics.state) == b"online", timeout=TIMEOUT)


def test_a_destroyed_gateway_says_offline_and_leaves_its_variables_be(
    qml, qtbot, simulator, broker, listen
):
    plc_memory(simulator)
    listener = listen()
    alarm = 'S7Alarm { objectName: "High"; source: level; kind: S7Alarm.High; limit: 50 }'
    root, gw = start(qml, qtbot, simulator, broker, extra=alarm)
    qtbot.waitUntil(good(listener, LEVEL, 12.5), timeout=TIMEOUT)
    gw.deleteLater()
    qtbot.waitUntil(lambda: listener.last(listener.topics.state) == b"offline", timeout=TIMEOUT)
    level = child(root, S7Variable, "level")
    simulator.write("DB", 2, struct.pack(">f", 80.0), db=1)  # changes the value and the alarm
    qtbot.waitUntil(lambda: level.property("data") == 80.0, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: child(root, QObject, "High").property("active"), timeout=TIMEOUT)
    assert good(listener, LEVEL, 12.5)()  # nothing published any more


@pytest.mark.parametrize(
    ("settings", "text"),
    [
        ('broker: "mqtt://127.0.0.1:1883"', "needs a name"),
        ('broker: "127.0.0.1:1883"; name: "line1"', "write mqtt://host:port"),
        ('broker: "mqtt://127.0.0.1:1883"; name: "line1"; caFile: "ca.pem"', "mqtts://"),
    ],
)
def test_settings_that_cannot_work_are_a_configuration_error(qml, qtbot, settings, text):
    root = qml(f"import QmlS7\nS7Gateway {{ {settings} }}")
    qtbot.waitUntil(lambda: root.property("error") != 0, timeout=TIMEOUT)
    assert root.property("error") == S7Gateway.Error.ConfigurationError
    assert text in root.property("errorString")
    assert not root.property("connected")
