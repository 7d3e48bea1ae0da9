"""A remote variable's quality while its write is in flight, and after the write failed.

Found by tests/test_gateway_system.py. While a write of an S7RemoteClient's variable is in
flight, its answer decides what ``data`` shows, but the quality follows the gateway's
messages (S7Variable.remote_value). A failed write then shows the gateway's last value with
the gateway's quality: polling after the failure, as a variable of an S7Client does, learns
nothing from a gateway, which pushes its values.
"""

from __future__ import annotations

import pytest
from test_remote_client import BODY, TIMEOUT, StandInGateway, child, panel

from qml_s7.core.quality import Quality
from qml_s7.gateway import messages
from qml_s7.qmltypes.variable import VariableError


@pytest.fixture
def gateway(broker):
    stand_in = StandInGateway(broker)
    yield stand_in
    stand_in.stop()


def test_the_gateways_quality_shows_after_a_failed_write(qml, qtbot, broker, gateway):
    gateway.publish("DB1.DBW0:INT", 5)
    gateway.answer = None  # the test answers
    gateway.start()
    client = qml(panel(broker, BODY))
    count = child(client, "count")
    qtbot.waitUntil(lambda: count.property("valid") is True, timeout=TIMEOUT)
    count.setProperty("data", 9)
    qtbot.waitUntil(lambda: len(gateway.requests) == 1, timeout=TIMEOUT)
    # the gateway's PLC link goes down while the write is in flight
    gateway.publish("DB1.DBW0:INT", 5, Quality.BadNoCommunicationLastUsable, ts=2000)
    request = gateway.requests[0]
    answer = messages.WriteResponse(request.id, messages.Outcome.NOT_SENT, "no PLC link")
    gateway.client.publish(request.reply, messages.encode_write_response(answer), qos=1)
    qtbot.waitUntil(
        lambda: count.property("error") == VariableError.ConnectionError, timeout=TIMEOUT
    )
    assert count.property("data") == 5
    qtbot.waitUntil(
        lambda: count.property("quality") == Quality.BadNoCommunicationLastUsable,
        timeout=2000,
    )


def test_a_good_value_is_good_again_after_a_write_lost_with_the_broker(qml, qtbot, broker, gateway):
    gateway.publish("DB1.DBW0:INT", 5)
    gateway.answer = None  # never answered: the write ends unknown
    gateway.start()
    client = qml(panel(broker, BODY, client="reconnectInterval: 500; requestTimeout: 1500"))
    count = child(client, "count")
    qtbot.waitUntil(lambda: count.property("valid") is True, timeout=TIMEOUT)
    count.setProperty("data", 9)
    qtbot.waitUntil(lambda: len(gateway.requests) == 1, timeout=TIMEOUT)
    broker.kill()
    qtbot.waitUntil(lambda: client.property("connected") is False, timeout=TIMEOUT)
    broker.start()  # the gateway publishes 5, good, again
    qtbot.waitUntil(lambda: client.property("connected") is True, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: count.property("error") != VariableError.NoError, timeout=TIMEOUT)
    assert "its outcome is unknown" in count.property("errorString")
    assert count.property("data") == 5
    qtbot.waitUntil(lambda: count.property("valid") is True, timeout=2000)
