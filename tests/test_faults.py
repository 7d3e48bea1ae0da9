"""Fault tolerance: PLC restarts, silent and hostile PLCs, outages, bad input, teardown.

Every server here is local (127.0.0.1): the simulator, or the hostile fake PLC of
tests/hostile.py (which also plays the PLC that accepts and never answers). Lengths are cut
down for CI; ``bench/faults.py`` runs the full lengths and prints the figures
(docs/RELIABILITY.md). Timing assertions are generous bounds that a loaded machine meets; the
exact figures belong to the bench.
"""

from __future__ import annotations

import json
import random
import struct
import subprocess
import sys
import time

import pytest
import shiboken6
from PySide6.QtCore import QTimer

from qml_s7.core.address import parse_address
from qml_s7.core.codec import decode
from qml_s7.core.errors import ClientError
from qml_s7.qmltypes.variable import VariableError
from qml_s7.session.session import running_workers
from qml_s7.simulator import Simulator
from qml_s7.testing.hostile import (
    MUTATIONS,
    QUIT_SCRIPT,
    HostilePLC,
    Outages,
    RandomPolicy,
    StallMeter,
    WriteLedger,
    always,
    audit_writes,
    dint_log,
    expected_bytes,
    fuzz_worker,
    must_fail,
    spread_names,
)

TIMEOUT = 10_000
MARGIN = 1.5  # seconds of slack on every time bound (a loaded 2-core CI machine)
# Short timeouts keep the tests quick; the promises scale with them.
CONNECT_MS, REQUEST_MS, RECONNECT_MS = 500, 500, 1000
FAST_LINK = (
    f"connectTimeout: {CONNECT_MS}; requestTimeout: {REQUEST_MS}; reconnectInterval: {RECONNECT_MS}"
)


def panel(port: int, body: str, client: str = "", link: str = FAST_LINK) -> str:
    return f"""
import QtQml
import QmlS7
S7Client {{
    id: plc
    hostname: "127.0.0.1"; port: {port}
    {link}
    {client}
{body}
}}
"""


def variables(client) -> list:
    return client.childObjects()


def wait_connected(qtbot, client, value: bool = True, timeout: int = TIMEOUT) -> None:
    qtbot.waitUntil(lambda: client.property("connected") is value, timeout=timeout)


def check_ledger(ledger: WriteLedger, landed: list[int]) -> None:
    """No silent loss, no lie: ``landed`` is what the PLC logged as written, in order."""
    audit = audit_writes(ledger, landed)
    assert list(audit.values())[3:] == [0] * (len(audit) - 3), audit


# -- PLC restarts ----------------------------------------------------------------------------
RESTARTS = 4  # bench/faults.py: 20


def test_plc_restarts_are_survived_while_polling_and_writing(qml, qtbot, simulator):
    names = spread_names(200)
    body = "\n".join(f'    S7Variable {{ name: "{n}" }}' for n in names)
    body += '\n    S7Variable { name: "DB3.DBD1000:DINT"; enabled: false }'
    client = qml(panel(simulator.port, body, "pollInterval: 100"))
    *polled, writer = variables(client)
    ledger = WriteLedger(writer)
    counter = iter(range(1, 1_000_000))
    write_timer = QTimer()
    write_timer.setInterval(50)
    write_timer.timeout.connect(lambda: ledger.issue(next(counter)))
    events: list[tuple[bool, bool, int]] = []  # connected, simulator running, its links
    client.connectedChanged.connect(
        lambda: events.append(
            (client.property("connected"), simulator.running, simulator.connection_count)
        )
    )
    rng = random.Random(7)
    wait_connected(qtbot, client)
    write_timer.start()
    for restart in range(RESTARTS):
        # polling runs: every variable shows what the PLC holds now
        for i, name in enumerate(names):
            a = parse_address(name)
            simulator.write("DB", a.start, struct.pack(">h", restart * 1000 + i), db=a.db)
        qtbot.waitUntil(
            lambda r=restart: all(
                v.property("valid") and v.property("data") == r * 1000 + i
                for i, v in enumerate(polled)
            ),
            timeout=TIMEOUT,
        )
        simulator.stop()
        lost = time.monotonic()
        # noticed within a keep-alive period and a request timeout (polling: sooner)
        wait_connected(qtbot, client, False, timeout=int((1 + REQUEST_MS / 1000 + MARGIN) * 1000))
        assert time.monotonic() - lost < 1 + REQUEST_MS / 1000 + MARGIN
        assert not any(v.property("valid") for v in polled)
        qtbot.wait(rng.randrange(100, 800))  # the PLC stays off for a while
        assert client.property("connected") is False
        simulator.start()
        back = time.monotonic()
        # reconnected by itself within the back-off bound
        bound = (RECONNECT_MS + CONNECT_MS) / 1000 + MARGIN
        wait_connected(qtbot, client, timeout=int(bound * 1000))
        assert time.monotonic() - back < bound
        assert client.property("error") == ClientError.NoError
    write_timer.stop()
    qtbot.waitUntil(lambda: ledger.settled, timeout=TIMEOUT)
    # connected was true only while the PLC was there and had our link
    assert all(running and links for connected, running, links in events if connected)
    assert sum(1 for connected, *_ in events if connected) == RESTARTS + 1
    check_ledger(ledger, dint_log(simulator, 3, 1000))
    assert ledger.values("confirmed") and ledger.values("failed")


def test_client_wide_polling_reads_each_variable_once_and_not_after_it_is_gone(qml, qtbot):
    """Found by the silent-PLC test: ``pollInterval`` subscribed a variable before it had its
    key, so every cycle read it twice (two errors per failed read), and after the variable was
    destroyed the client went on reading it for good."""
    with HostilePLC(timeout=REQUEST_MS / 1000) as plc:
        plc.policy = always("close", ("read",))  # every read fails at once
        client = qml(panel(plc.port, '    S7Variable { name: "DB1.DBW2:INT" }', "pollInterval: 50"))
        (var,) = variables(client)
        errors: list[str] = []
        var.errorOccurred.connect(lambda: errors.append(var.property("errorString")))
        qtbot.waitUntil(lambda: plc.requests["read"] >= 3, timeout=TIMEOUT)
        client.setProperty("pollInterval", 0)
        qtbot.waitUntil(lambda: len(errors) >= plc.requests["read"], timeout=TIMEOUT)
        qtbot.wait(300)
        assert len(errors) == plc.requests["read"]  # one error per failed read
        plc.policy = None
        client.setProperty("pollInterval", 50)
        qtbot.waitUntil(lambda: var.property("valid"), timeout=TIMEOUT)
        var.deleteLater()
        qtbot.waitUntil(lambda: not shiboken6.isValid(var), timeout=TIMEOUT)
        qtbot.wait(100)
        reads = plc.requests["read"]
        qtbot.wait(300)
        assert plc.requests["read"] == reads  # nothing is polled any more


# -- silent PLC ------------------------------------------------------------------------------
def test_silent_plc_while_connecting_times_out_and_a_real_plc_is_taken_up(qml, qtbot):
    silent = HostilePLC()  # accepts, and never answers the connection request
    silent.policy = always("silence", ("cr",))
    port = silent.port
    client = qml(panel(port, '    S7Variable { name: "DB1.DBW0" }', "pollInterval: 100"))
    (var,) = variables(client)
    attempts: list[float] = []
    ends: list[tuple[float, int, str]] = []
    client.connectingChanged.connect(
        lambda: attempts.append(time.monotonic()) if client.property("connecting") else None
    )
    client.errorOccurred.connect(
        lambda: ends.append(
            (time.monotonic(), client.property("error"), client.property("errorString"))
        )
    )
    with StallMeter() as stall:
        qtbot.waitUntil(lambda: len(ends) >= 3, timeout=TIMEOUT)
    assert stall.worst < 0.5  # the GUI thread never waited on the network
    assert client.property("connected") is False
    # every attempt ended in a timeout error within the connect timeout
    for start, (end, error, text) in zip(attempts, ends, strict=False):
        assert error == ClientError.JobTimeout
        assert f"no answer within {CONNECT_MS} ms" in text
        assert end - start < CONNECT_MS / 1000 + MARGIN
    # a real PLC on that address: taken up at the next attempt
    assert silent.requests["cr"] >= 3 and silent.requests["setup"] == 0
    silent.close()
    with Simulator(port=port) as sim:
        sim.write("DB", 0, b"\x00\x2a", db=1)
        back = time.monotonic()
        with StallMeter() as stall:
            qtbot.waitUntil(lambda: var.property("data") == 42, timeout=TIMEOUT)
        assert time.monotonic() - back < (RECONNECT_MS + CONNECT_MS) / 1000 + MARGIN
        assert stall.worst < 0.5
        client.deleteLater()
        qtbot.waitUntil(lambda: not shiboken6.isValid(client), timeout=TIMEOUT)


def test_silent_plc_mid_request_times_out_every_request_and_recovers(qml, qtbot):
    with HostilePLC(timeout=REQUEST_MS / 1000) as plc:
        plc.policy = always("silence", ("read", "write"))  # the handshake is answered
        body = """
    S7Variable { name: "DB1.DBW2:INT" }
    S7Variable { name: "DB4.DBD0:DINT"; enabled: false }
"""
        client = qml(panel(plc.port, body, "pollInterval: 100"))
        var, writer = variables(client)
        ledger = WriteLedger(writer)
        client.connectedChanged.connect(  # one write, on the first connect
            lambda: ledger.issue(1) if client.property("connected") and not ledger.issued else None
        )
        timeouts: list[float] = []

        def on_error() -> None:
            text = var.property("errorString")
            if text.startswith("Reading from") and "no answer within" in text:
                timeouts.append(time.monotonic())

        var.errorOccurred.connect(on_error)
        with StallMeter() as stall:
            qtbot.waitUntil(lambda: len(timeouts) >= 3 and ledger.settled, timeout=TIMEOUT)
            # each read ended in its timeout error within the request timeout
            reads = [t for t, r in plc.received if r.kind == "read"]
            for end in timeouts:
                sent = max((t for t in reads if t < end), default=0)
                assert end - sent < REQUEST_MS / 1000 + MARGIN
            assert var.property("error") == VariableError.ConnectionError
            assert var.property("valid") is False
            # a write whose answer never came: failed, and its outcome is unknown
            assert ledger.values("failed", "outcome is unknown")
            assert not ledger.values("confirmed")
            plc.policy = None  # the PLC answers again
            want = decode(var.plcAddress, expected_bytes(0x84, 1, 2, 2))
            qtbot.waitUntil(lambda: var.property("data") == want, timeout=TIMEOUT)
            assert var.property("valid") is True and var.property("error") == 0
        assert stall.worst < 0.5


# -- hostile PLC -----------------------------------------------------------------------------
def test_hostile_answers_to_a_worker_end_in_errors_within_the_timeout():
    """A sweep of every mutation for every request kind, then seeded random cases."""
    report = fuzz_worker(600, seed=1, timeout_ms=300, slow_kinds=("read", "write"))
    assert not report.problems, "\n".join(report.problems[:20])
    outcomes = report.by_outcome
    assert outcomes["error"] > 300 and report.frames >= 550
    assert {c.mutation for c in report.cases} == set(MUTATIONS)


SPOILT = 60  # bench/faults.py: 1,000


def test_a_trickled_answer_ends_at_the_request_timeout(qml, qtbot):
    """Found by the fuzzer: python-snap7's timeout bounds each recv(), so an answer trickled
    a byte at a time (each byte well within the timeout) kept a request waiting for minutes."""
    with HostilePLC(timeout=0.3) as plc:
        plc.policy = always("trickle", ("read",))  # the whole answer takes some 3 s
        link = "connectTimeout: 300; requestTimeout: 300; reconnectInterval: 1000"
        client = qml(panel(plc.port, '    S7Variable { name: "DB1.DBW2:INT" }', link=link))
        (var,) = variables(client)
        wait_connected(qtbot, client)
        started = time.monotonic()
        with qtbot.waitSignal(var.errorOccurred, timeout=TIMEOUT):
            var.pollData()
        assert time.monotonic() - started < 0.3 + MARGIN
        assert "no answer within 300 ms" in var.property("errorString")


def test_a_setup_answer_that_is_not_one_fails_the_connection(qml, qtbot):
    """Found by the fuzzer: python-snap7 took any answer to Setup Communication (a read reply,
    say) and kept its own PDU length; the link counted as up with nothing negotiated."""
    with HostilePLC() as plc:
        plc.policy = always("wrong_answer", ("setup",))
        client = qml(panel(plc.port, "", "autoConnect: false"))
        with qtbot.waitSignal(client.errorOccurred, timeout=TIMEOUT):
            client.connectToHost()
        assert client.property("error") == ClientError.NegotiatingPDU
        assert "PDU negotiation failed" in client.property("errorString")
        qtbot.wait(100)
        assert client.property("connected") is False


@pytest.mark.parametrize(
    ("mutation", "says"),
    [
        ("junk_inside", "its outcome is unknown"),
        ("protocol_id", "its outcome is unknown"),
        ("item_count", "its outcome is unknown"),
        ("return_code", "refused by the PLC"),
        ("header_error", "refused by the PLC"),
    ],
)
def test_a_garbled_write_answer_is_an_unknown_outcome_not_a_refusal(qml, qtbot, mutation, says):
    """Found by the fuzzer: a write whose answer was malformed was reported "refused by the
    PLC", though the PLC may well have written. Only a clean refusal says refused."""
    with HostilePLC() as plc:
        var = '    S7Variable { name: "DB1.DBW2:INT"; enabled: false }'
        client = qml(panel(plc.port, var))
        (var,) = variables(client)
        wait_connected(qtbot, client)
        plc.arm("write", mutation, 1)
        with qtbot.waitSignal(var.errorOccurred, timeout=TIMEOUT):
            var.setProperty("data", 5)
        assert var.property("error") == VariableError.WriteError
        assert says in var.property("errorString")


HOSTILE_PANEL = """
    S7Variable { name: "DB1.DBW2:INT" }
    S7Variable { name: "DB1.DBD8:REAL" }
    S7Variable { name: "MB5" }
    S7Variable { name: "DB2.DBX3.4" }
    S7Variable { name: "QW6" }
    S7Variable { name: "DB3.DBB20:STRING[6]" }
    S7Variable { name: "DB4.DBD0:DINT"; enabled: false }
"""


def test_hostile_plc_under_a_qml_client_gives_errors_never_a_crash(qml, qtbot):
    with HostilePLC(timeout=0.3) as plc:
        plc.policy = RandomPolicy(seed=11, share=0.3, kinds=("read", "write"))
        link = "connectTimeout: 300; requestTimeout: 300; reconnectInterval: 1000"
        client = qml(panel(plc.port, HOSTILE_PANEL, "pollInterval: 30", link))
        *polled, writer = variables(client)
        ledger = WriteLedger(writer)
        write_timer = QTimer()
        write_timer.setInterval(40)
        write_timer.timeout.connect(lambda: ledger.issue(len(ledger.issued) + 1))
        errors: list[str] = []
        for v in polled:
            v.errorOccurred.connect(lambda v=v: errors.append(v.property("errorString")))
        worker = client.session.thread
        with StallMeter() as stall:
            write_timer.start()
            qtbot.waitUntil(lambda: plc.spoilt >= SPOILT, timeout=60_000)
            write_timer.stop()
            plc.policy = None
            qtbot.waitUntil(lambda: ledger.settled, timeout=TIMEOUT)
            # recovered: every variable reads what the PLC holds
            for v in polled:
                a = v.plcAddress
                want = decode(a, expected_bytes(int(a.area), a.db, a.start, a.size))
                qtbot.waitUntil(
                    lambda v=v, want=want: v.property("valid") and v.property("data") == want,
                    timeout=TIMEOUT,
                )
        assert worker.isRunning() and client.property("connected") is True
        assert errors and all(errors)  # errors were reported, each with a text
        # no write was confirmed on an answer that had to fail
        answered = {struct.unpack(">i", data)[0]: name for data, name in plc.writes}
        for value in ledger.values("confirmed"):
            assert not must_fail("write", answered[value]), (value, answered[value])
        assert len(ledger.outcomes) == len(ledger.issued)
        assert stall.worst < 0.5


# -- outage accounting -----------------------------------------------------------------------
def run_outage_writes(qtbot, qml, sim: Simulator, total: int, per_tick: int = 1):
    """Issue ``total`` writes (unique DINT values over 50 variables) while the PLC drops."""
    body = "\n".join(
        f'    S7Variable {{ name: "DB1.DBD{4 * j}:DINT"; enabled: false }}' for j in range(50)
    )
    client = qml(panel(sim.port, body))
    ledgers = [WriteLedger(v) for v in variables(client)]
    wait_connected(qtbot, client)
    issued = iter(range(total))

    def tick() -> None:
        for _ in range(per_tick):
            i = next(issued, None)
            if i is None:
                timer.stop()
                return
            ledgers[i % len(ledgers)].issue(i + 1)

    timer = QTimer()
    timer.setInterval(1)
    timer.timeout.connect(tick)
    outages = Outages(sim, seed=5)
    outages.start()
    timer.start()
    try:
        qtbot.waitUntil(lambda: not timer.isActive(), timeout=120_000)
    finally:
        outages.finish()
    qtbot.waitUntil(lambda: all(ledger.settled for ledger in ledgers), timeout=60_000)
    return client, ledgers, outages.count


def test_writes_through_outages_are_each_confirmed_or_reported(qml, qtbot, simulator):
    _client, ledgers, outages = run_outage_writes(qtbot, qml, simulator, 2000)
    assert outages >= 2
    confirmed = failed = 0
    for j, ledger in enumerate(ledgers):
        landed = dint_log(simulator, 1, 4 * j)
        check_ledger(ledger, landed)
        # and the PLC's memory holds the last write that landed
        held = struct.unpack(">i", simulator.read("DB", 4 * j, 4, db=1))[0]
        assert held == (landed[-1] if landed else 0)
        confirmed += len(ledger.values("confirmed"))
        failed += len(ledger.values("failed"))
    assert confirmed + failed == 2000  # lost: zero
    assert confirmed > 0 and failed > 0


# -- bad input -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "name",
    [
        "DB1.DBX0.8",
        "DB0.DBW0",
        "MW",
        "XYZ",
        "DB1.DBW-1",
        "DB70000.DBW0",
        "DB1.DBW4:FOO",
        "I0.9",
        "DB1.DBD99999999",
        "%%MW4",
        "DB1.DBB0:STRING[300]",
    ],
)
def test_malformed_names_are_errors_and_nothing_is_sent(qml, qtbot, simulator, name):
    body = f"""
    S7Variable {{ name: "DB1.DBW0" }}
    S7Variable {{ name: {json.dumps(name)} }}
"""
    client = qml(panel(simulator.port, body))
    good, bad = variables(client)
    assert bad.property("error") == VariableError.NameParseError
    assert name in bad.property("errorString")
    wait_connected(qtbot, client)
    simulator.stats.reset()
    good.pollData()
    bad.pollData()
    with qtbot.waitSignal(bad.errorOccurred, timeout=TIMEOUT):
        bad.setProperty("data", 1)
    qtbot.waitUntil(lambda: good.property("valid"), timeout=TIMEOUT)
    assert simulator.stats.read_item_counts == [1]  # the good variable only
    assert simulator.stats.write_requests == 0
    assert bad.property("error") == VariableError.NameParseError


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("db", "70000"),
        ("db", "-1"),
        ("bit", "8"),
        ("bit", "-1"),
        ("address", "-1"),
        ("address", "99999999"),
        ("type", "29"),
        ("type", "-3"),
    ],
)
def test_out_of_range_address_properties_are_errors(qml, qtbot, simulator, key, value):
    props = {"type": "S7Variable.DataBit", "db": "1", "address": "0", "bit": "0", key: value}
    body = "    S7Variable { " + "; ".join(f"{k}: {v}" for k, v in props.items()) + " }"
    client = qml(panel(simulator.port, body, "pollInterval: 50"))
    (var,) = variables(client)
    wait_connected(qtbot, client)
    simulator.stats.reset()
    var.setProperty("data", 1)
    qtbot.wait(200)
    assert var.property("error") == VariableError.NameParseError
    assert var.property("errorString")
    assert simulator.stats.read_requests == 0 and simulator.stats.write_requests == 0


@pytest.mark.parametrize(
    "props",
    [
        "port: -1",
        "port: 65536",
        "slot: -1",
        "rack: 99",
        "remoteTsap: -1",
        "localTsap: 65536",
        "connectTimeout: 0",
        "requestTimeout: -5",
    ],
)
def test_out_of_range_client_parameters_send_nothing(qml, qtbot, props):
    plc = HostilePLC()
    port = "" if props.startswith("port") else f"port: {plc.port}; "
    source = (
        f'import QmlS7\nS7Client {{ autoConnect: false; hostname: "127.0.0.1"; {port}{props} }}'
    )
    client = qml(source)
    with qtbot.waitSignal(client.errorOccurred, timeout=TIMEOUT):
        client.connectToHost()
    assert client.property("error") == ClientError.InvalidParam
    assert props.split(":")[0] in client.property("errorString")
    qtbot.wait(200)
    plc.close()
    assert plc.connections == 0


BAD_VALUES = [  # (name, value): DB1 holds 1, 2, ... 16 from byte 0, a STRING "ab" at 20
    ("DB1.DBB0", 300),
    ("DB1.DBB0", -1),
    ("DB1.DBW0:INT", 40000),
    ("DB1.DBW0:INT", 1.5),
    ("DB1.DBW0:INT", True),
    ("DB1.DBW0:INT", "abc"),
    ("DB1.DBD0:DINT", 2**31),
    ("DB1.DBD0:REAL", "abc"),
    ("DB1.DBD0:REAL", 1e39),
    ("DB1.DBX0.0", "maybe"),
    ("DB1.DBX0.0", 2),
    ("DB1.DBB20:STRING[4]", "too long"),
    ("DB1.DBB26:CHAR", "ab"),
]


def test_values_that_do_not_fit_are_refused_before_sending(qml, qtbot, simulator):
    memory = bytes(range(1, 17)) + bytes(4) + b"\x04\x02ab\x00\x00x"
    simulator.write("DB", 0, memory, db=1)
    body = "\n".join(f'    S7Variable {{ name: "{name}" }}' for name, _ in BAD_VALUES)
    client = qml(panel(simulator.port, body))
    vs = variables(client)
    wait_connected(qtbot, client)
    for v in vs:
        v.pollData()
    qtbot.waitUntil(lambda: all(v.property("valid") for v in vs), timeout=TIMEOUT)
    simulator.stats.reset()
    for v, (name, value) in zip(vs, BAD_VALUES, strict=True):
        before = v.property("data")
        with qtbot.waitSignal(v.errorOccurred, timeout=1000):
            v.setProperty("data", value)
        assert v.property("error") == VariableError.InvalidValueError, name
        assert "Not written" in v.property("errorString")
        assert v.property("data") == before and v.property("valid") is True
    qtbot.wait(100)
    assert simulator.stats.write_requests == 0
    assert simulator.read("DB", 0, len(memory), db=1) == memory


def test_writes_the_plc_refuses_are_errors_and_change_nothing(qml, qtbot, simulator):
    """A missing DB, a range past the end of a DB, and a write-protected DB (access denied)."""
    simulator.protect_db(2)  # "access to the object not allowed", as for a read-only DB
    simulator.write("DB", 0, b"\x00\x07", db=2)
    body = """
    S7Variable { name: "DB77.DBW0"; enabled: false }
    S7Variable { name: "DB1.DBD1022"; enabled: false }
    S7Variable { name: "DB2.DBW0"; enabled: false }
    S7Variable { name: "DB1.DBW0" }
"""
    client = qml(panel(simulator.port, body))
    *refused, good = variables(client)
    wait_connected(qtbot, client)
    before = bytes(simulator.read("DB", 0, 1024, db=1))
    for v in refused:
        with qtbot.waitSignal(v.errorOccurred, timeout=TIMEOUT):
            v.setProperty("data", 5)
        assert v.property("error") == VariableError.WriteError
        text = v.property("errorString")
        assert "refused" in text and v.plcAddress.db and f"DB{v.plcAddress.db}" in text
        assert v.property("data") is None  # the PLC's value is not the refused 5
    with qtbot.waitSignal(good.written, timeout=TIMEOUT):
        good.setProperty("data", 9)  # and the link is still good
    assert simulator.read("DB", 0, 2, db=2) == b"\x00\x07"
    assert simulator.read("DB", 2, 1022, db=1) == before[2:]
    assert [w.ok for w in simulator.stats.writes] == [False, False, False, True]


# -- teardown --------------------------------------------------------------------------------
def assert_stopped(qtbot, worker, remaining: int) -> None:
    qtbot.waitUntil(lambda: worker.isFinished(), timeout=5000)
    qtbot.waitUntil(lambda: running_workers() == remaining, timeout=5000)


def test_destroying_variables_in_flight_leaves_the_client_working(qml, qtbot, simulator):
    names = spread_names(60)
    body = "\n".join(f'    S7Variable {{ name: "{n}" }}' for n in names)
    client = qml(panel(simulator.port, body, "pollInterval: 20"))
    vs = variables(client)
    qtbot.waitUntil(lambda: all(v.property("valid") for v in vs), timeout=TIMEOUT)
    for i, v in enumerate(vs[:30]):
        v.setProperty("data", i)  # writes in flight
        v.deleteLater()  # and the variable goes while its reads and writes are under way
    gone = vs[:30]
    qtbot.waitUntil(lambda: not any(shiboken6.isValid(v) for v in gone), timeout=TIMEOUT)
    keep = vs[30:]
    simulator.write("DB", 800, b"\x00\x01", db=1)
    stats = simulator.stats
    seen = stats.read_requests
    qtbot.waitUntil(lambda: stats.read_requests > seen + 5, timeout=TIMEOUT)
    assert all(v.property("valid") for v in keep)
    assert client.property("connected") is True


def _mid_restart(qtbot, qml, simulator):
    client = qml(panel(simulator.port, '    S7Variable { name: "DB1.DBW0" }', "pollInterval: 50"))
    wait_connected(qtbot, client)
    simulator.stop()
    wait_connected(qtbot, client, False)  # now reconnecting against a PLC that is off
    return client


def _mid_silence(qtbot, qml, plc):
    plc.policy = always("silence", ("cr",))
    client = qml(panel(plc.port, "", link="connectTimeout: 30000"))
    qtbot.waitUntil(lambda: plc.requests["cr"] > 0, timeout=TIMEOUT)  # blocked in a read
    return client


def _mid_hostile(qtbot, qml, plc):
    plc.policy = always("endless_trickle", ("read",))
    var = '    S7Variable { name: "DB1.DBW0" }'
    client = qml(panel(plc.port, var, "pollInterval: 50", link="requestTimeout: 30000"))
    qtbot.waitUntil(lambda: plc.requests["read"] > 0, timeout=TIMEOUT)  # a trickle under way
    return client


def _mid_outage(qtbot, qml, simulator):
    body = "\n".join(f'    S7Variable {{ name: "DB1.DBD{4 * j}:DINT" }}' for j in range(20))
    client = qml(panel(simulator.port, body, "pollInterval: 10"))
    wait_connected(qtbot, client)
    for i in range(2000):  # a queue of writes
        variables(client)[i % 20].setProperty("data", i)
    simulator.stop()
    return client


@pytest.mark.parametrize("scenario", ["restart", "silence", "hostile", "outage"])
def test_destroying_a_client_in_the_middle_of_a_fault_stops_its_thread(
    qml, qtbot, simulator, scenario
):
    with HostilePLC(timeout=30) as plc:
        if scenario == "restart":
            client = _mid_restart(qtbot, qml, simulator)
        elif scenario == "silence":
            client = _mid_silence(qtbot, qml, plc)
        elif scenario == "hostile":
            client = _mid_hostile(qtbot, qml, plc)
        else:
            client = _mid_outage(qtbot, qml, simulator)
        worker = client.session.thread
        assert worker.isRunning()
        remaining = running_workers() - 1
        started = time.monotonic()
        client.deleteLater()
        assert_stopped(qtbot, worker, remaining)
        assert time.monotonic() - started < 3


def test_quitting_the_application_in_the_middle_of_each_fault_exits_cleanly():
    script = QUIT_SCRIPT.format()
    scenarios = ["restart", "silence", "hostile", "outage"]
    procs = {
        s: subprocess.Popen(
            [sys.executable, "-c", script, s],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for s in scenarios
    }
    for scenario, proc in procs.items():
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, (scenario, err)
        assert "QThread" not in err and "Traceback" not in err, (scenario, err)
        line = next(x for x in out.splitlines() if x.startswith("LEAKS "))
        assert json.loads(line[6:]) == {"workers": 0, "threads": []}, scenario
