"""S7RemoteClient through QML: a real Mosquitto, and a stand-in gateway in the test (a plain
paho client that publishes state, catalog and values as docs/GATEWAY.md says and answers write
requests as the test tells it), so that each of the panel's cases is made on purpose."""

from __future__ import annotations

import json
import struct
import threading
from collections.abc import Iterator
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from mqtt_support import Broker
from PySide6.QtCore import QObject
from qtitems import click, find, show

from qml_s7.core.quality import Quality
from qml_s7.gateway import messages
from qml_s7.gateway.topics import Topics
from qml_s7.qmltypes.remoteclient import RemoteError
from qml_s7.qmltypes.variable import VariableError

TIMEOUT = 10_000
GATEWAY = "line1"
CATALOG = {
    '"Tank".level': messages.TagInfo("REAL", True, "fill level", "%"),
    '"Tank".pump': messages.TagInfo("BOOL", True),
    "DB1.DBW0:INT": messages.TagInfo("INT", True),
    '"Tank".name': messages.TagInfo("STRING[20]", False),
}


class StandInGateway:
    """A gateway as the panel sees it: retained ``state`` (``offline`` its will), ``catalog``
    and ``tag/...``; requests on ``cmd/write`` answered with ``answer`` (None: never)."""

    def __init__(self, broker: Broker, name: str = GATEWAY) -> None:
        self.topics = Topics(name)
        self.values: dict[str, tuple[Any, int, int]] = {}
        self.requests: list[messages.WriteRequest] = []
        self.answer: tuple[messages.Outcome, str] | None = (messages.Outcome.CONFIRMED, "")
        self.catalog = dict(CATALOG)
        self._lock = threading.Lock()
        self._up = False
        self._dead = False
        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv311)
        client.will_set(self.topics.state, messages.OFFLINE, qos=1, retain=True)
        client.reconnect_delay_set(0.1, 0.5)
        client.on_connect = self._connected
        client.on_disconnect = self._disconnected
        client.on_message = self._request
        self.client = client
        self.broker = broker

    def start(self) -> StandInGateway:
        self.client.connect_async("127.0.0.1", self.broker.port, keepalive=5)
        self.client.loop_start()
        return self

    def _connected(self, client, userdata, flags, reason, properties) -> None:
        # as a gateway does at every connect: what it publishes, again
        client.subscribe(self.topics.write, qos=1)
        client.publish(self.topics.state, messages.ONLINE, qos=1, retain=True)
        client.publish(self.topics.catalog, messages.encode_catalog(self.catalog, 1), 1, True)
        with self._lock:
            self._up = True
            values = dict(self.values)
        for name, (value, quality, ts) in values.items():
            payload = messages.encode_tag_value(value, quality, ts)
            client.publish(self.topics.tag(name), payload, qos=1, retain=True)

    def _disconnected(self, client, userdata, flags, reason, properties) -> None:
        with self._lock:
            self._up = False

    def publish(self, name: str, value: Any, quality: int = Quality.Good, ts: int = 1000) -> None:
        """Publish now when connected (and wait until the broker has it), else at connecting."""
        with self._lock:
            self.values[name] = (value, int(quality), ts)
            if not self._up:
                return
            payload = messages.encode_tag_value(value, int(quality), ts)
            info = self.client.publish(self.topics.tag(name), payload, qos=1, retain=True)
        info.wait_for_publish(5)

    def _request(self, client, userdata, message) -> None:
        request = messages.parse_write_request(message.payload)
        assert isinstance(request, messages.WriteRequest), request
        self.requests.append(request)
        if self.answer is None:
            return
        outcome, text = self.answer
        if outcome is messages.Outcome.CONFIRMED:  # the new value first, as a gateway does
            self.publish(request.tag, request.value, Quality.Good, 2000)
        answer = messages.WriteResponse(request.id, outcome, text)
        client.publish(request.reply, messages.encode_write_response(answer), qos=1)

    def die(self) -> None:
        """Vanish without a word (kill -9): the broker publishes the will."""
        self.client.loop_stop()
        self.client.socket().close()
        self._dead = True

    def stop(self) -> None:
        if not self._dead:
            self.client.disconnect()
            self.client.loop_stop()


@pytest.fixture
def gateway(broker) -> Iterator[StandInGateway]:
    stand_in = StandInGateway(broker)
    yield stand_in
    stand_in.stop()


def panel(broker: Broker, body: str, client: str = "") -> str:
    return f"""
import QtQml
import QmlS7
S7RemoteClient {{
    broker: "{broker.url}"; gateway: "{GATEWAY}"
    {client}
{body}
}}
"""


BODY = """
    S7Variable { objectName: "level"; name: '"Tank".level' }
    S7Variable { objectName: "count"; name: "DB1.DBW0:INT"; Polling on data { interval: 50 } }
"""


def child(client: QObject, name: str) -> QObject:
    found = client.findChild(QObject, name)
    assert found is not None, name
    return found


def wait_quality(qtbot, variable: QObject, quality: int) -> None:
    qtbot.waitUntil(lambda: variable.property("quality") == quality, timeout=TIMEOUT)


def test_values_arrive_with_the_gateways_quality(qml, qtbot, broker, gateway):
    gateway.publish('"Tank".level', 42.5, Quality.Good, ts=1234)
    gateway.publish("DB1.DBW0:INT", 7, Quality.UncertainLastUsableValue, ts=1235)
    gateway.start()
    client = qml(panel(broker, BODY))
    level, count = child(client, "level"), child(client, "count")
    qtbot.waitUntil(lambda: client.property("connected") is True, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: level.property("valid") is True, timeout=TIMEOUT)
    assert level.property("data") == 42.5
    assert level.property("timestamp") == 1234
    assert level.property("s7Type") == "REAL"  # from the catalog
    wait_quality(qtbot, count, Quality.UncertainLastUsableValue)  # the CPU in STOP, say
    assert count.property("data") == 7 and count.property("valid") is False
    assert client.property("error") == RemoteError.NoError

    # the gateway's PLC link went down: as the gateway reports it
    gateway.publish('"Tank".level', 42.5, Quality.BadNoCommunicationLastUsable, ts=1300)
    wait_quality(qtbot, level, Quality.BadNoCommunicationLastUsable)
    assert level.property("data") == 42.5 and level.property("valid") is False
    gateway.publish('"Tank".level', 43.0, Quality.Good, ts=1400)
    qtbot.waitUntil(lambda: level.property("data") == 43.0, timeout=TIMEOUT)
    assert level.property("valid") is True and level.property("connected") is True


def test_a_panel_started_later_gets_every_retained_value_at_once(qml, qtbot, broker, gateway):
    names = [f"DB2.DBW{2 * i}:INT" for i in range(300)]
    gateway.catalog |= {name: messages.TagInfo("INT") for name in names}
    gateway.start()
    for i, name in enumerate(names):
        gateway.publish(name, i)
    # the gateway publishes nothing more: the panel has only the broker's retained messages
    body = "\n".join(f'    S7Variable {{ name: "{name}" }}' for name in names)
    client = qml(panel(broker, body))
    variables = client.childObjects()
    qtbot.waitUntil(lambda: all(v.property("valid") for v in variables), timeout=TIMEOUT)
    assert [v.property("data") for v in variables] == list(range(300))


def test_the_gateways_will_leaves_the_last_value_not_good(qml, qtbot, broker, gateway):
    gateway.publish('"Tank".level', 12.5)
    gateway.start()
    client = qml(panel(broker, BODY))
    level = child(client, "level")
    qtbot.waitUntil(lambda: level.property("valid") is True, timeout=TIMEOUT)

    gateway.die()
    wait_quality(qtbot, level, Quality.BadNoCommunicationLastUsable)
    assert level.property("data") == 12.5
    assert client.property("connected") is False and level.property("connected") is False
    assert client.property("error") == RemoteError.GatewayOffline
    assert GATEWAY in client.property("errorString")

    # it comes back (a new process): online, and every value again
    again = StandInGateway(broker).start()
    try:
        again.publish('"Tank".level', 13.0)
        qtbot.waitUntil(lambda: level.property("valid") is True, timeout=TIMEOUT)
        assert level.property("data") == 13.0 and client.property("connected") is True
    finally:
        again.stop()


def test_a_write_is_written_only_when_the_gateway_confirms(qml, qtbot, broker, gateway):
    gateway.publish('"Tank".level', 1.0)
    gateway.answer = None  # held back: the test answers
    gateway.start()
    client = qml(panel(broker, BODY))
    level = child(client, "level")
    qtbot.waitUntil(lambda: level.property("valid") is True, timeout=TIMEOUT)
    written: list[int] = []
    level.written.connect(lambda: written.append(1))

    level.setProperty("data", 55.5)
    qtbot.waitUntil(lambda: len(gateway.requests) == 1, timeout=TIMEOUT)
    request = gateway.requests[0]
    assert request.tag == '"Tank".level' and request.value == 55.5
    assert request.user and request.reply.startswith(Topics(GATEWAY).root + "/reply/")
    assert written == [] and level.property("data") == 55.5  # shown while in flight

    gateway.publish('"Tank".level', 55.5, Quality.Good, 3000)
    answer = messages.WriteResponse(request.id, messages.Outcome.CONFIRMED, "")
    gateway.client.publish(request.reply, messages.encode_write_response(answer), qos=1)
    qtbot.waitUntil(lambda: written == [1], timeout=TIMEOUT)
    assert level.property("data") == 55.5 and level.property("valid") is True
    assert level.property("error") == VariableError.NoError

    # a repeated answer (QoS 1 may deliver twice) finishes nothing a second time
    gateway.answer = (messages.Outcome.CONFIRMED, "")
    level.setProperty("data", 60.0)
    qtbot.waitUntil(lambda: written == [1, 1], timeout=TIMEOUT)
    gateway.client.publish(request.reply, messages.encode_write_response(answer), qos=1)
    level.setProperty("data", 61.0)
    qtbot.waitUntil(lambda: written == [1, 1, 1], timeout=TIMEOUT)
    assert [r.value for r in gateway.requests] == [55.5, 60.0, 61.0]
    assert len({r.id for r in gateway.requests}) == 3


def test_a_refused_write_is_a_write_error_and_the_value_returns(qml, qtbot, broker, gateway):
    gateway.publish("DB1.DBW0:INT", 5)
    gateway.answer = (messages.Outcome.REFUSED, "the PLC refused it: address out of range")
    gateway.start()
    client = qml(panel(broker, BODY))
    count = child(client, "count")
    qtbot.waitUntil(lambda: count.property("valid") is True, timeout=TIMEOUT)
    outcomes: list[tuple[str, str]] = []
    if hasattr(count, "writeFinished"):  # the write's outcome, where the signal exists
        count.writeFinished.connect(lambda _t, outcome, text: outcomes.append((outcome, text)))

    count.setProperty("data", 9)
    qtbot.waitUntil(lambda: count.property("error") == VariableError.WriteError, timeout=TIMEOUT)
    assert "refused" in count.property("errorString")
    assert "address out of range" in count.property("errorString")
    assert count.property("data") == 5
    if hasattr(count, "writeFinished"):
        assert [o for o, _ in outcomes] == ["refused"]


@pytest.mark.parametrize(
    ("outcome", "error"),
    [
        (messages.Outcome.NOT_WRITABLE, VariableError.WriteError),
        (messages.Outcome.NOT_SENT, VariableError.ConnectionError),
        (messages.Outcome.UNKNOWN, VariableError.ConnectionError),
    ],
)
def test_each_answer_ends_the_write_as_it_says(qml, qtbot, broker, gateway, outcome, error):
    gateway.publish("DB1.DBW0:INT", 5)
    gateway.answer = (outcome, "as the gateway says")
    gateway.start()
    client = qml(panel(broker, BODY))
    count = child(client, "count")
    qtbot.waitUntil(lambda: count.property("valid") is True, timeout=TIMEOUT)
    count.setProperty("data", 9)
    qtbot.waitUntil(lambda: count.property("error") == error, timeout=TIMEOUT)
    text = count.property("errorString")
    assert "as the gateway says" in text
    fate = "its outcome is unknown" if outcome is messages.Outcome.UNKNOWN else "it was not sent"
    assert fate in text
    assert count.property("data") == 5


def test_a_write_without_an_answer_ends_unknown(qml, qtbot, broker, gateway):
    gateway.publish("DB1.DBW0:INT", 5)
    gateway.answer = None
    gateway.start()
    client = qml(panel(broker, BODY, client="requestTimeout: 300"))
    count = child(client, "count")
    qtbot.waitUntil(lambda: count.property("valid") is True, timeout=TIMEOUT)
    count.setProperty("data", 9)
    qtbot.waitUntil(lambda: count.property("error") != VariableError.NoError, timeout=TIMEOUT)
    assert len(gateway.requests) == 1
    assert count.property("error") == VariableError.ConnectionError
    assert "its outcome is unknown" in count.property("errorString")
    assert "300 ms" in count.property("errorString")
    assert count.property("data") == 5


def test_a_write_while_the_gateway_is_offline_is_not_sent(qml, qtbot, broker, gateway):
    gateway.publish("DB1.DBW0:INT", 5)
    gateway.start()
    client = qml(panel(broker, BODY))
    count = child(client, "count")
    qtbot.waitUntil(lambda: count.property("valid") is True, timeout=TIMEOUT)
    gateway.die()
    qtbot.waitUntil(lambda: client.property("connected") is False, timeout=TIMEOUT)
    count.setProperty("data", 9)
    assert count.property("error") == VariableError.ConnectionError
    assert "not connected" in count.property("errorString")
    assert count.property("data") == 5 and gateway.requests == []


def test_the_broker_gone_is_not_connected_and_everything_recovers(qml, qtbot, broker, gateway):
    gateway.publish('"Tank".level', 3.5)
    gateway.start()
    client = qml(panel(broker, BODY, client="reconnectInterval: 500"))
    level = child(client, "level")
    qtbot.waitUntil(lambda: level.property("valid") is True, timeout=TIMEOUT)

    port = broker.port
    broker.stop()
    wait_quality(qtbot, level, Quality.BadNoCommunicationLastUsable)
    assert client.property("connected") is False and level.property("data") == 3.5
    qtbot.waitUntil(lambda: client.property("error") == RemoteError.BrokerError, timeout=TIMEOUT)
    assert str(port) in client.property("errorString")
    level.setProperty("data", 4.0)  # not sent: not connected
    assert level.property("error") == VariableError.ConnectionError

    broker.start()  # empty (no persistence): the gateway publishes everything again
    assert broker.port == port
    qtbot.waitUntil(lambda: level.property("valid") is True, timeout=TIMEOUT)
    assert level.property("data") == 3.5 and client.property("connected") is True
    assert client.property("error") == RemoteError.NoError
    level.setProperty("data", 4.0)
    qtbot.waitUntil(lambda: level.property("error") == VariableError.NoError, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: [r.value for r in gateway.requests] == [4.0], timeout=TIMEOUT)


def test_an_unanswered_write_is_not_sent_again_after_a_broker_restart(qml, qtbot, broker, gateway):
    gateway.publish("DB1.DBW0:INT", 5)
    gateway.answer = None  # the answer is lost with the broker: the gateway never sends it
    gateway.start()
    client = qml(panel(broker, BODY, client="reconnectInterval: 500; requestTimeout: 4000"))
    count = child(client, "count")
    qtbot.waitUntil(lambda: count.property("valid") is True, timeout=TIMEOUT)
    count.setProperty("data", 9)
    qtbot.waitUntil(lambda: len(gateway.requests) == 1, timeout=TIMEOUT)

    # killed: no will said (a broker that stops cleanly says every client's will first, and a
    # panel that hears its gateway went offline ends its writes as unknown: next test)
    broker.kill()
    qtbot.waitUntil(lambda: client.property("connected") is False, timeout=TIMEOUT)
    broker.start()
    qtbot.waitUntil(lambda: client.property("connected") is True, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: count.property("error") != VariableError.NoError, timeout=TIMEOUT)
    assert "its outcome is unknown" in count.property("errorString")
    assert len(gateway.requests) == 1  # never sent again: the gateway may have restarted
    assert count.property("data") == 5


def test_a_write_ends_unknown_when_the_gateway_goes_offline_before_answering(
    qml, qtbot, broker, gateway
):
    gateway.publish("DB1.DBW0:INT", 5)
    gateway.answer = None
    gateway.start()
    client = qml(panel(broker, BODY))
    count = child(client, "count")
    qtbot.waitUntil(lambda: count.property("valid") is True, timeout=TIMEOUT)
    count.setProperty("data", 9)
    qtbot.waitUntil(lambda: len(gateway.requests) == 1, timeout=TIMEOUT)
    gateway.die()  # a restarted gateway would not know the id: it is not sent again
    qtbot.waitUntil(lambda: count.property("error") != VariableError.NoError, timeout=TIMEOUT)
    assert "its outcome is unknown" in count.property("errorString")
    assert "offline" in count.property("errorString")
    assert count.property("data") == 5


def test_tag_names_come_from_the_catalog(qml, qtbot, broker, gateway):
    gateway.publish('"Tank".name', "pump A")
    gateway.start()
    body = """
    S7Variable { objectName: "forgiving"; name: 'Tank.NAME' }
    S7Variable { objectName: "unknown"; name: '"Tank".levle' }
    S7Variable { objectName: "absent"; name: "DB9.DBW0:INT" }
"""
    client = qml(panel(broker, body))
    forgiving, unknown, absent = (child(client, n) for n in ("forgiving", "unknown", "absent"))
    qtbot.waitUntil(lambda: forgiving.property("data") == "pump A", timeout=TIMEOUT)
    assert forgiving.property("s7Type") == "STRING[20]"
    qtbot.waitUntil(
        lambda: unknown.property("error") == VariableError.NameParseError, timeout=TIMEOUT
    )
    assert '"Tank".level' in unknown.property("errorString")  # did you mean
    assert unknown.property("quality") == Quality.BadConfigurationError
    qtbot.waitUntil(lambda: absent.property("error") == VariableError.ReadError, timeout=TIMEOUT)
    assert "not in the catalog" in absent.property("errorString")
    assert absent.property("quality") == Quality.BadConfigurationError


def test_before_the_catalog_a_tag_name_waits_without_an_error(qml, qtbot, broker):
    client = qml(panel(broker, '    S7Variable { objectName: "level"; name: \'"Tank".level\' }'))
    level = child(client, "level")
    assert level.property("error") == VariableError.NoError
    assert level.property("quality") == Quality.BadNotConnected
    gateway = StandInGateway(broker).start()  # nothing retained: the value comes later
    try:
        qtbot.waitUntil(lambda: client.property("connected") is True, timeout=TIMEOUT)
        qtbot.waitUntil(lambda: level.property("s7Type") == "REAL", timeout=TIMEOUT)
        assert level.property("quality") == Quality.BadWaitingForInitialData
        assert level.property("error") == VariableError.NoError
        gateway.publish('"Tank".level', 2.0)
        qtbot.waitUntil(lambda: level.property("valid") is True, timeout=TIMEOUT)
    finally:
        gateway.stop()


def test_bad_settings_say_what_is_wrong(qml, qtbot):
    client = qml(
        """
import QmlS7
S7RemoteClient { broker: "127.0.0.1:1883"; gateway: "line1"
    S7Variable { objectName: "v"; name: "DB1.DBW0:INT" } }
"""
    )
    assert client.property("error") == RemoteError.InvalidParam
    assert "mqtt://" in client.property("errorString")
    assert client.property("connecting") is False
    variable = child(client, "v")
    assert variable.property("quality") == Quality.BadNotConnected
    client.setProperty("broker", "mqtt://127.0.0.1:1")
    client.setProperty("gateway", "")
    assert "gateway" in client.property("errorString")


def test_messages_that_are_no_messages_are_ignored(qml, qtbot, broker, gateway):
    gateway.publish("DB1.DBW0:INT", 5)
    gateway.start()
    client = qml(panel(broker, BODY))
    count = child(client, "count")
    qtbot.waitUntil(lambda: count.property("valid") is True, timeout=TIMEOUT)
    topic = gateway.topics.tag("DB1.DBW0:INT")
    gateway.client.publish(topic, b"{not json", qos=1).wait_for_publish(5)
    gateway.client.publish(topic, json.dumps({"v": 1}).encode(), qos=1).wait_for_publish(5)
    gateway.publish("DB1.DBW0:INT", 6)
    qtbot.waitUntil(lambda: count.property("data") == 6, timeout=TIMEOUT)
    assert count.property("valid") is True


# -- the widgets, unchanged ----------------------------------------------------------------------
def test_the_widgets_work_under_a_remote_client(qml, qtbot, broker, gateway):
    gateway.publish('"Tank".level', 12.5)
    gateway.publish('"Tank".pump', False)
    gateway.start()
    source = f"""
import QtQuick
import QmlS7
import QmlS7.Controls
Window {{
    width: 480; height: 320; visible: true
    S7RemoteClient {{
        id: remote; broker: "{broker.url}"; gateway: "{GATEWAY}"
        S7Variable {{ id: level; objectName: "level"; name: '"Tank".level' }}
        S7Variable {{ id: pump; objectName: "pump"; name: '"Tank".pump' }}
    }}
    Column {{
        ConnectionBadge {{ objectName: "badge"; client: remote }}
        NumericDisplay {{ objectName: "display"; variable: level; decimals: 1 }}
        ToggleButton {{ objectName: "toggle"; variable: pump; text: "Pump" }}
    }}
}}
"""
    window = show(qml, qtbot, source)
    badge, display, toggle = (find(window, n) for n in ("badge", "display", "toggle"))
    qtbot.waitUntil(lambda: badge.property("stateText") == "connected", timeout=TIMEOUT)
    assert find(badge, "address").property("text") == f"127.0.0.1:{broker.port}"
    qtbot.waitUntil(lambda: display.property("displayText") == "12.5", timeout=TIMEOUT)
    qtbot.waitUntil(lambda: toggle.property("valid") is True, timeout=TIMEOUT)

    pump = find(window, "pump")
    written: list[int] = []
    pump.written.connect(lambda: written.append(1))
    click(window, toggle)
    qtbot.waitUntil(lambda: written == [1], timeout=TIMEOUT)
    assert [(r.tag, r.value) for r in gateway.requests] == [('"Tank".pump', True)]
    assert toggle.property("active") is True

    gateway.publish('"Tank".level', 13.0, Quality.BadNoCommunicationLastUsable)
    qtbot.waitUntil(lambda: display.property("valid") is False, timeout=TIMEOUT)
    assert find(window, "level").property("data") == 13.0


# -- the whole chain: simulator, S7Gateway, Mosquitto, S7RemoteClient ------------------------------
def test_through_a_real_gateway(qml, qtbot, simulator, broker):
    simulator.write("DB", 2, struct.pack(">f", 12.5), db=1)
    simulator.write("DB", 6, struct.pack(">h", 7), db=1)
    source = f"""
import QtQuick
import QmlS7
Item {{
    S7Client {{
        hostname: "127.0.0.1"; port: {simulator.port}; pollInterval: 20
        S7Variable {{ id: level; name: "DB1.DBD2:REAL" }}
        S7Variable {{ id: setpoint; name: "DB1.DBW6:INT" }}
    }}
    S7Gateway {{ broker: "{broker.url}"; name: "{GATEWAY}"; writable: [setpoint] }}
    S7RemoteClient {{
        objectName: "remote"; broker: "{broker.url}"; gateway: "{GATEWAY}"
        S7Variable {{ objectName: "level"; name: "DB1.DBD2:REAL" }}
        S7Variable {{ objectName: "setpoint"; name: "DB1.DBW6:INT" }}
    }}
}}
"""
    root = qml(source)
    remote = child(root, "remote")
    level, setpoint = child(remote, "level"), child(remote, "setpoint")
    qtbot.waitUntil(lambda: level.property("data") == 12.5, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: setpoint.property("valid") is True, timeout=TIMEOUT)
    assert setpoint.property("data") == 7

    simulator.write("DB", 2, struct.pack(">f", 20.25), db=1)
    qtbot.waitUntil(lambda: level.property("data") == 20.25, timeout=TIMEOUT)

    in_plc: list[int] = []  # what the PLC holds at the moment the panel hears "written"
    setpoint.written.connect(
        lambda: in_plc.append(struct.unpack(">h", simulator.read("DB", 6, 2, db=1))[0])
    )
    setpoint.setProperty("data", 42)
    qtbot.waitUntil(lambda: in_plc == [42], timeout=TIMEOUT)
    assert setpoint.property("error") == VariableError.NoError

    level.setProperty("data", 1.0)  # not writable through the gateway: refused, not written
    qtbot.waitUntil(lambda: level.property("error") == VariableError.WriteError, timeout=TIMEOUT)
    assert "it was not sent" in level.property("errorString")
    assert struct.unpack(">f", simulator.read("DB", 2, 4, db=1))[0] == 20.25
    qtbot.waitUntil(lambda: level.property("data") == 20.25, timeout=TIMEOUT)
