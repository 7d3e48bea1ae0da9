"""S7Client.diagnostics: round trips, traffic, poll cycles, overruns and failures.

The counting is checked with a given clock; the figures through QML against the simulator,
the overruns through a real TCP proxy that holds every request back (a slow plant network).
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from PySide6.QtCore import QObject
from support import ROOT

from qml_s7.link.stats import WINDOW_S, LinkStats

TIMEOUT = 10_000


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_nothing_known_reads_minus_one_and_rates_are_zero():
    report = LinkStats(Clock()).report()
    assert report["roundTrip"] == -1 and report["roundTripMean"] == -1
    assert report["cycleTime"] == -1
    assert report["requestsPerSecond"] == 0 and report["bytesPerSecond"] == 0
    assert report["failedRequests"] == 0


def test_a_reply_answers_the_oldest_request_in_flight():
    clock = Clock()
    stats = LinkStats(clock)
    stats.sent(30)
    clock.now += 0.002
    stats.sent(30)
    clock.now += 0.003
    stats.received(100)  # the first request's: 5 ms
    clock.now += 0.001
    stats.received(100)  # the second's: 4 ms
    stats.cycled(0.0065)
    clock.now += 0.994  # one second since the start
    report = stats.report()
    assert report["roundTrip"] == pytest.approx(4.0)
    assert report["roundTripMean"] == pytest.approx(4.5)
    assert report["requestsPerSecond"] == pytest.approx(2.0)
    assert report["bytesPerSecond"] == pytest.approx(260.0)
    assert report["cycleTime"] == pytest.approx(6.5)


def test_rates_count_since_the_last_report_and_the_mean_forgets_after_a_minute():
    clock = Clock()
    stats = LinkStats(clock)
    stats.sent(10)
    clock.now += 0.010
    stats.received(10)
    clock.now += 1.0
    stats.report()
    clock.now += WINDOW_S
    stats.sent(10)
    clock.now += 0.002
    stats.received(10)
    clock.now += 0.5
    report = stats.report()
    assert report["requestsPerSecond"] == pytest.approx(1 / (WINDOW_S + 0.502))
    assert report["roundTripMean"] == pytest.approx(2.0)  # the 10 ms trip is over a minute old


def test_a_closed_link_forgets_what_was_in_flight():
    clock = Clock()
    stats = LinkStats(clock)
    stats.sent(10)
    stats.closed()
    clock.now += 5
    stats.sent(10)
    clock.now += 0.001
    stats.received(10)  # answers the request after the reconnect, not the lost one
    assert stats.report()["roundTrip"] == pytest.approx(1.0)


def client_source(port: int, interval: int = 50, extra: str = "") -> str:
    return f"""
import QtQml
import QmlS7
S7Client {{
    hostname: "127.0.0.1"; port: {port}; pollInterval: {interval}
    requestTimeout: 3000
    S7Variable {{ objectName: "level"; name: "DB1.DBD2:REAL" }}
    S7Variable {{ objectName: "count"; name: "DB1.DBW10:INT" }}
{extra}
}}
"""


def named(root: QObject, name: str) -> QObject:
    found = root.findChild(QObject, name)
    assert found is not None, name
    return found


def test_the_figures_of_a_polling_client(qml, qtbot, simulator):
    client = qml(client_source(simulator.port))
    diagnostics = client.property("diagnostics")
    assert diagnostics.property("roundTrip") == -1  # nothing sent yet
    assert diagnostics.property("history") == []
    reports: list[int] = []
    diagnostics.updated.connect(lambda: reports.append(1))

    qtbot.waitUntil(
        lambda: diagnostics.property("requestsPerSecond") > 5 and len(reports) >= 2,
        timeout=TIMEOUT,
    )
    assert 0 <= diagnostics.property("roundTrip") < 1000
    assert 0 <= diagnostics.property("roundTripMean") < 1000
    assert 0 <= diagnostics.property("cycleTime") < 1000
    assert diagnostics.property("bytesPerSecond") > 100
    assert diagnostics.property("failedRequests") == 0
    history = diagnostics.property("history")
    assert history and all(rtt >= 0 for rtt in history)


def test_a_failed_write_counts(qml, qtbot, simulator):
    gone = 'S7Variable { objectName: "gone"; name: "DB99.DBW0:INT" }'  # no DB99 in the PLC
    client = qml(client_source(simulator.port, extra=gone))
    diagnostics = client.property("diagnostics")
    qtbot.waitUntil(lambda: client.property("connected") is True, timeout=TIMEOUT)
    gone = named(client, "gone")
    qtbot.waitUntil(lambda: gone.property("error") != 0, timeout=TIMEOUT)  # its reads fail
    with qtbot.waitSignal(diagnostics.updated, timeout=TIMEOUT):
        pass
    assert diagnostics.property("failedRequests") == 0  # an item the PLC refuses, not a request
    gone.setProperty("data", 5)
    qtbot.waitUntil(lambda: diagnostics.property("failedRequests") == 1, timeout=TIMEOUT)
    assert "DB99" in gone.property("errorString")


@pytest.fixture
def slow_network(simulator):
    """A real TCP proxy to the simulator that holds every request back 150 ms."""
    proxy = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "bench" / "proxy.py"),
            "--target-port",
            str(simulator.port),
            "--delay-ms",
            "150",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proxy.stdout is not None and proxy.stdin is not None
    yield json.loads(proxy.stdout.readline())["port"]
    proxy.stdin.close()  # the proxy exits when its stdin closes
    proxy.wait(timeout=10)
    proxy.stdout.close()


def test_a_poll_interval_shorter_than_the_round_trip_overruns(qml, qtbot, slow_network):
    client = qml(client_source(slow_network, interval=20))
    diagnostics = client.property("diagnostics")
    level = named(client, "level")
    qtbot.waitUntil(lambda: level.property("valid") is True, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: diagnostics.property("overruns") > 3, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: diagnostics.property("cycleTime") >= 150, timeout=TIMEOUT)
    assert diagnostics.property("roundTrip") >= 150
    # a tick that finds the last read in flight is skipped, so nothing piles up or fails
    assert diagnostics.property("failedRequests") == 0
    assert level.property("valid") is True


def test_the_diagnostics_widget_shows_the_figures(qml, qtbot, simulator):
    window = qml(f"""
import QtQuick
import QmlS7
import QmlS7.Controls
Window {{
    width: 640; height: 120; visible: true
    S7Client {{
        id: plc; objectName: "plc"
        hostname: "127.0.0.1"; port: {simulator.port}; pollInterval: 50
        S7Variable {{ name: "DB1.DBD2:REAL" }}
    }}
    ClientDiagnostics {{ objectName: "diag"; client: plc }}
}}
""")
    widget = named(window, "diag")
    assert widget.property("roundTripText") == "--"
    assert widget.property("overruns") == 0
    qtbot.waitUntil(lambda: widget.property("roundTripText").endswith(" ms"), timeout=TIMEOUT)
    qtbot.waitUntil(lambda: "req/s" in widget.property("trafficText"), timeout=TIMEOUT)
    qtbot.waitUntil(lambda: widget.property("cycleText").endswith(" ms"), timeout=TIMEOUT)
    figure = named(widget, "roundTrip")
    assert widget.property("roundTripText") in [
        t.property("text") for t in figure.findChildren(QObject) if t.property("text")
    ]
