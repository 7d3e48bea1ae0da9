"""S7Variable semantics through QML: batched polls, write order and accounting, quality, errors."""

from __future__ import annotations

import struct

import pytest

from qml_s7.core.readplan import ReadPlan, ReadSpec
from qml_s7.qmltypes.variable import VariableError
from qml_s7.simulator import Simulator

TIMEOUT = 10_000


def panel(port: int, body: str, client: str = "") -> str:
    return f"""
import QtQml
import QmlS7
S7Client {{
    id: plc
    hostname: "127.0.0.1"; port: {port}
    {client}
    function pollAll() {{ for (let i = 0; i < objects.length; ++i) objects[i].pollData() }}
{body}
}}
"""


def connected(qtbot, client) -> None:
    qtbot.waitUntil(lambda: client.property("connected") is True, timeout=TIMEOUT)


def variables(client) -> list:
    return client.childObjects()


@pytest.fixture
def big_simulator():
    """A simulator with DBs large enough for a thousand spread-out variables."""
    sim = Simulator(dbs={1: 8192, 2: 8192, 3: 8192})
    sim.start()
    yield sim
    sim.stop()


def spread_names(count: int) -> list[str]:
    """INT variables 8 bytes apart (gaps of 6 are not merged) over three DBs and I/Q/M."""
    names = []
    for i in range(count):
        if i % 10 == 9:
            area = "IQM"[i % 3]
            names.append(f"{area}W{(i // 10) * 8}:INT")
        else:
            names.append(f"DB{1 + i % 3}.DBW{(i // 3) * 8}:INT")
    return names


def expected_plan(client, names) -> ReadPlan:
    addresses = [v.plcAddress for v in variables(client)]
    assert len(addresses) == len(names)
    specs = [ReadSpec(int(a.area), a.db, a.start, a.size) for a in addresses]
    return ReadPlan(specs, client.property("pduLength"))


def test_one_poll_of_1000_variables_takes_the_fewest_requests(qml, qtbot, big_simulator):
    names = spread_names(1000)
    body = "\n".join(f'    S7Variable {{ name: "{n}" }}' for n in names)
    client = qml(panel(big_simulator.port, body))
    connected(qtbot, client)
    plan = expected_plan(client, names)
    stats = big_simulator.stats
    stats.reset()
    client.pollAll()
    qtbot.waitUntil(lambda: all(v.property("valid") for v in variables(client)), timeout=TIMEOUT)
    assert stats.read_requests == plan.lower_bound == plan.request_count
    assert max(stats.read_item_counts) <= 20
    assert stats.read_requests < 100  # and certainly not one per variable


def test_own_polling_objects_cost_the_same_as_one_poll(qml, qtbot, big_simulator):
    names = spread_names(1000)
    polling = "Polling on data { interval: 100; running: plc.connected }"
    body = "\n".join(f'    S7Variable {{ name: "{n}"; {polling} }}' for n in names)
    client = qml(panel(big_simulator.port, body))
    connected(qtbot, client)
    plan = expected_plan(client, names)
    stats = big_simulator.stats
    stats.reset()
    qtbot.waitUntil(lambda: stats.read_requests >= 3 * plan.lower_bound, timeout=TIMEOUT)
    client.setProperty("connected", False)
    counts = stats.read_item_counts
    cycles = len(counts) // plan.lower_bound
    # Every cycle read every block, in exactly the fewest requests.
    assert cycles >= 3
    assert sum(counts[: cycles * plan.lower_bound]) == cycles * sum(plan_sizes(plan))
    assert max(counts) <= 20


def plan_sizes(plan: ReadPlan) -> list[int]:
    return [len(request) for request in plan.requests]


def test_polls_asked_for_in_one_turn_share_a_request(qml, qtbot, simulator):
    body = """
    S7Variable { name: "DB1.DBW0" }
    S7Variable { name: "MW10" }
    S7Variable { name: "Q0.3" }
"""
    client = qml(panel(simulator.port, body))
    connected(qtbot, client)
    simulator.stats.reset()
    client.pollAll()
    qtbot.waitUntil(lambda: all(v.property("valid") for v in variables(client)), timeout=TIMEOUT)
    assert simulator.stats.read_item_counts == [3]


def test_client_wide_poll_interval_reads_enabled_variables_only(qml, qtbot, simulator):
    simulator.write("DB", 0, b"\x00\x05\x00\x06", db=1)
    body = """
    S7Variable { objectName: "on"; name: "DB1.DBW0" }
    S7Variable { objectName: "off"; name: "DB1.DBW2"; enabled: false }
"""
    client = qml(panel(simulator.port, body, "pollInterval: 50"))
    on, off = variables(client)
    qtbot.waitUntil(lambda: on.property("data") == 5, timeout=TIMEOUT)
    simulator.write("DB", 0, b"\x00\x07", db=1)
    qtbot.waitUntil(lambda: on.property("data") == 7, timeout=TIMEOUT)
    assert off.property("valid") is False and off.property("data") is None
    off.setProperty("enabled", True)
    qtbot.waitUntil(lambda: off.property("data") == 6, timeout=TIMEOUT)


def test_data_changed_only_on_change_while_timestamp_moves(qml, qtbot, simulator):
    simulator.write("DB", 0, b"\x00\x2a", db=1)
    client = qml(panel(simulator.port, '    S7Variable { name: "DB1.DBW0" }'))
    connected(qtbot, client)
    (var,) = variables(client)
    changes, stamps = [], []
    var.dataChanged.connect(lambda: changes.append(var.property("data")))
    var.timestampChanged.connect(lambda: stamps.append(var.property("timestamp")))
    var.pollData()
    qtbot.waitUntil(lambda: len(changes) == 1, timeout=TIMEOUT)
    for _ in range(3):
        before = len(stamps)
        var.pollData()
        qtbot.waitUntil(lambda before=before: len(stamps) > before, timeout=TIMEOUT)
    assert changes == [42]
    assert stamps == sorted(stamps) and len(stamps) >= 2


def test_listeners_that_come_late_hear_every_later_update(qml, qtbot, simulator):
    """The poll path skips the dataChanged and timestampChanged nobody listens to: a QML
    binding, a QML handler and a Python slot made after values arrived unheard still hear
    every change from then on."""
    simulator.write("DB", 0, b"\x00\x01", db=1)
    body = '    S7Variable { name: "DB1.DBW0"; Polling on data { interval: 20 } }'
    client = qml(panel(simulator.port, body))
    (var,) = variables(client)
    qtbot.waitUntil(lambda: var.property("data") == 1, timeout=TIMEOUT)
    watcher = qml("""
import QtQml
QtObject {
    property QtObject source
    property var shown: source ? source.data : null
    property int stamps: 0
    property Connections onStamp: Connections {
        target: source
        function onTimestampChanged() { stamps++ }
    }
}
""")
    watcher.setProperty("source", var)
    heard = []
    var.dataChanged.connect(lambda: heard.append(var.property("data")))
    assert watcher.property("shown") == 1
    simulator.write("DB", 0, b"\x00\x07", db=1)
    qtbot.waitUntil(lambda: watcher.property("shown") == 7, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: watcher.property("stamps") >= 2, timeout=TIMEOUT)
    assert heard == [7]


def test_a_new_address_is_decoded_even_when_its_bytes_equal_the_old_ones(qml, qtbot, simulator):
    """The worker skips decoding bytes equal to a key's last read; a key that now stands for
    another address (and type) must not count as unchanged."""
    simulator.write("DB", 0, b"\xff\xff\xff\xff", db=1)
    body = '    S7Variable { name: "DB1.DBW0:INT"; Polling on data { interval: 20 } }'
    client = qml(panel(simulator.port, body))
    (var,) = variables(client)
    qtbot.waitUntil(lambda: var.property("data") == -1, timeout=TIMEOUT)
    var.setProperty("name", "DB1.DBW2:WORD")
    qtbot.waitUntil(lambda: var.property("data") == 0xFFFF, timeout=TIMEOUT)
    assert var.property("valid") is True


def test_valid_follows_reads_and_the_link(qml, qtbot, simulator):
    body = """
    S7Variable { objectName: "good"; name: "DB1.DBW0"; Polling on data { interval: 50 } }
"""
    client = qml(panel(simulator.port, body))
    (good,) = variables(client)
    assert good.property("valid") is False
    qtbot.waitUntil(lambda: good.property("valid") is True, timeout=TIMEOUT)
    simulator.stop()
    qtbot.waitUntil(lambda: good.property("valid") is False, timeout=TIMEOUT)
    simulator.start()
    qtbot.waitUntil(lambda: good.property("valid") is True, timeout=TIMEOUT)


def test_plc_side_failures_stay_on_their_variable(qml, qtbot, simulator):
    simulator.write("DB", 0, b"\x00\x0b", db=1)
    body = """
    S7Variable { objectName: "good"; name: "DB1.DBW0" }
    S7Variable { objectName: "missing"; name: "DB77.DBW0" }
    S7Variable { objectName: "beyond"; name: "DB1.DBD1022" }
    S7Variable { objectName: "edge"; name: "DB1.DBW1020" }
"""
    client = qml(panel(simulator.port, body))
    connected(qtbot, client)
    good, missing, beyond, edge = variables(client)
    client.pollAll()
    qtbot.waitUntil(lambda: beyond.property("error") != 0, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: edge.property("valid") is True, timeout=TIMEOUT)
    assert good.property("data") == 11 and good.property("valid") is True
    assert missing.property("error") == VariableError.ReadError
    assert "DB77.DBW0" in missing.property("errorString")
    assert beyond.property("error") == VariableError.ReadError
    assert missing.property("valid") is False and beyond.property("valid") is False
    assert client.property("connected") is True


WRITER = """
    S7Variable { objectName: "v"; name: "DB1.DBW0:INT" }
    function burst(count) { for (let i = 1; i <= count; ++i) objects[0].data = i }
"""


def test_a_burst_of_1000_writes_lands_in_order_each_once(qml, qtbot, simulator):
    client = qml(panel(simulator.port, WRITER))
    connected(qtbot, client)
    (var,) = variables(client)
    confirmed = []
    var.written.connect(lambda: confirmed.append(1))
    simulator.stats.reset()
    client.burst(1000)
    qtbot.waitUntil(lambda: len(confirmed) == 1000, timeout=30_000)
    landed = [struct.unpack(">h", w.data)[0] for w in simulator.stats.writes]
    assert landed == list(range(1, 1001))
    assert var.property("data") == 1000 and var.property("error") == 0
    assert simulator.read("DB", 0, 2, db=1) == struct.pack(">h", 1000)


def test_writes_cut_off_by_a_stopped_plc_are_all_accounted_for(qml, qtbot, simulator):
    client = qml(
        panel(simulator.port, WRITER, "autoConnect: false; Component.onCompleted: connectToHost()")
    )
    connected(qtbot, client)
    (var,) = variables(client)
    confirmed, failed = [], []
    var.written.connect(lambda: confirmed.append(var.property("data")))
    var.errorOccurred.connect(lambda: failed.append(var.property("errorString")))
    simulator.stats.reset()
    stop_after = simulator.stats.wait_for
    client.burst(500)
    assert stop_after(lambda s: s.write_requests >= 100, timeout=10)
    simulator.stop()
    client.burst(500)  # more writes while the link goes down
    qtbot.waitUntil(lambda: len(confirmed) + len(failed) == 1000, timeout=30_000)
    landed = [struct.unpack(">h", w.data)[0] for w in simulator.stats.writes if w.ok]
    # Nothing silent: every confirmed write is in the PLC, in order, once.
    assert landed[: len(confirmed)] == list(range(1, len(confirmed) + 1))
    assert len(confirmed) >= 100 and failed
    assert all(text for text in failed)


def test_writing_while_disconnected_fails_at_once(qml, qtbot, closed_port):
    client = qml(panel(closed_port, WRITER, "autoConnect: false"))
    (var,) = variables(client)
    with qtbot.waitSignal(var.errorOccurred, timeout=1000):
        var.setProperty("data", 5)
    assert var.property("error") == VariableError.ConnectionError
    assert "not connected" in var.property("errorString")
    assert var.property("data") is None


def test_a_refused_write_returns_data_to_the_plc_value(qml, qtbot, simulator):
    body = """
    S7Variable { objectName: "v"; name: "DB1.DBW1022"; Polling on data { interval: 50 } }
"""
    simulator.write("DB", 1022, b"\x00\x03", db=1)
    client = qml(panel(simulator.port, body))
    (var,) = variables(client)
    qtbot.waitUntil(lambda: var.property("data") == 3, timeout=TIMEOUT)
    var.setProperty("name", "DB1.DBD1022")  # now runs past the end of DB1
    qtbot.waitUntil(lambda: var.property("error") == VariableError.ReadError, timeout=TIMEOUT)
    seen = []
    var.errorOccurred.connect(
        lambda: seen.append((var.property("error"), var.property("errorString")))
    )
    var.setProperty("data", 7)
    qtbot.waitUntil(lambda: any(e == VariableError.WriteError for e, _ in seen), timeout=TIMEOUT)
    text = next(t for e, t in seen if e == VariableError.WriteError)
    assert "DB1.DBD1022" in text and "refused" in text
    assert var.property("data") is None  # the PLC's value is unknown, not the refused 7


def test_a_variable_follows_the_link_of_the_client_it_uses(qml, qtbot, simulator):
    """``connected`` (an extension) is the state of the client the variable resolved: the one
    it is declared in, or the one its ``client`` names; panels need not bind it."""
    other = Simulator()
    other.start()
    try:
        root = qml(
            f"""
import QtQml
import QmlS7
QtObject {{
    property S7Client first: S7Client {{
        hostname: "127.0.0.1"; port: {simulator.port}
        S7Variable {{ objectName: "inside"; name: "DB1.DBW0" }}
    }}
    property S7Client second: S7Client {{
        hostname: "127.0.0.1"; port: {other.port}; autoConnect: false
    }}
    property S7Variable outside: S7Variable {{ name: "DB1.DBW0"; client: second }}
    property S7Variable orphan: S7Variable {{ name: "DB1.DBW0" }}
}}
"""
        )
        first, second = root.property("first"), root.property("second")
        (inside,) = variables(first)
        outside, orphan = root.property("outside"), root.property("orphan")
        qtbot.waitUntil(lambda: inside.property("connected") is True, timeout=TIMEOUT)
        assert outside.property("connected") is False and orphan.property("connected") is False
        with qtbot.waitSignal(outside.connectedChanged, timeout=TIMEOUT):
            second.connectToHost()
        assert outside.property("connected") is True
        with qtbot.waitSignal(inside.connectedChanged, timeout=TIMEOUT):
            simulator.stop()
        assert inside.property("connected") is False
        with qtbot.waitSignal(outside.connectedChanged, timeout=TIMEOUT):
            outside.setProperty("client", first)  # moves to a client that is down
        assert outside.property("connected") is False
    finally:
        other.stop()
