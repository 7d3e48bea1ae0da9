"""``qml-s7 gateway FILE.qml`` as a user runs it: a real subprocess, a real Mosquitto, the
simulator, and a plain paho client (test_gateway_qml.Listener) in a panel's place."""

from __future__ import annotations

import re
import signal
from pathlib import Path

import pytest
from support import ROOT, Running, run_qml_s7
from test_gateway_qml import GOOD, Listener

TIMEOUT_S = 60
SAMPLE = ROOT / "docs" / "gateway-line1.qml"

GATEWAY = """
import QmlS7
Object {{
    S7Client {{
        hostname: "127.0.0.1"; port: {port}; pollInterval: 50
        S7Variable {{ id: level; name: "DB1.DBD2:REAL" }}
    }}
    S7Gateway {{ broker: "{broker}"; name: "line1" }}
}}
"""


@pytest.fixture
def running():
    """Start ``qml-s7 gateway`` processes; any still running at the end is killed."""
    started: list[Running] = []

    def start(*args: str) -> Running:
        started.append(Running("gateway", *args))
        return started[-1]

    yield start
    for each in started:
        if each.process.poll() is None:
            each.process.kill()
            each.process.wait(timeout=TIMEOUT_S)


@pytest.fixture
def listener(broker):
    made = Listener(broker.port)
    yield made
    made.close()


def gateway_file(tmp_path: Path, simulator, broker) -> Path:
    path = tmp_path / "line1.qml"
    path.write_text(GATEWAY.format(port=simulator.port, broker=broker.url))
    return path


def state_is(listener: Listener, state: bytes):
    return lambda: listener.last(listener.topics.state) == state


def level_is_good(listener: Listener) -> bool:
    found = listener.value("DB1.DBD2:REAL")
    return found is not None and found["q"] == GOOD


@pytest.mark.parametrize(("signum", "status"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_ends_the_gateway_cleanly_saying_offline(
    tmp_path, simulator, broker, listener, running, signum, status
):
    gateway = running(str(gateway_file(tmp_path, simulator, broker)))
    gateway.wait_for(f"S7Gateway line1: connected to {broker.url}")
    assert listener.wait(state_is(listener, b"online"))
    assert listener.wait(lambda: level_is_good(listener))
    assert gateway.stop(signum) == status
    assert listener.wait(state_is(listener, b"offline"))
    text = gateway.text()
    assert f"PLC 127.0.0.1:{simulator.port}: link up" in text
    assert f"S7Gateway line1: offline, disconnected from {broker.url}" in text
    assert "Traceback" not in text and "KeyboardInterrupt" not in text
    assert "QThread: Destroyed" not in text
    # A clean disconnect (the broker drops the will): the gateway said offline itself.
    assert re.search(r"Client qml-s7-gateway-\w+ disconnected\.", broker.log()), broker.log()


def test_a_killed_gateway_is_offline_by_its_will(tmp_path, simulator, broker, listener, running):
    gateway = running(str(gateway_file(tmp_path, simulator, broker)))
    assert listener.wait(state_is(listener, b"online"))
    assert listener.wait(lambda: level_is_good(listener))
    assert gateway.stop(signal.SIGKILL) == -signal.SIGKILL
    assert listener.wait(state_is(listener, b"offline"))
    late = Listener(broker.port, panel="late")
    try:  # the will is retained: a panel that comes later is told too
        assert late.wait(state_is(late, b"offline"))
    finally:
        late.close()


def test_the_sample_gateway_publishes_the_tank(simulator, tank, broker, listener, running):
    gateway = running(
        str(SAMPLE), "--set", f"plcPort={simulator.port}", "--set", f"broker={broker.url}"
    )
    assert listener.wait(lambda: listener.catalog() is not None)
    catalog = listener.catalog()
    assert len(catalog) == 8
    assert catalog["DB1.DBD2:REAL"] == {
        "type": "REAL",
        "writable": False,
        "comment": "Tank level",
        "unit": "%",
    }
    assert [name for name, entry in catalog.items() if entry["writable"]] == [
        "DB1.DBX0.0",
        "DB1.DBX0.1",
        "DB1.DBX0.2",
        "DB1.DBD14:REAL",
        "DB1.DBW18:INT",
    ]
    assert listener.wait(lambda: level_is_good(listener))
    listener.write("speed", "DB1.DBW18:INT", 55, user="alice")
    assert listener.wait(lambda: bool(listener.answers("speed")))
    assert listener.answers("speed")[0]["outcome"] == "confirmed"
    assert simulator.read("DB", 18, 2, db=1) == (55).to_bytes(2, "big")
    assert gateway.stop(signal.SIGTERM) == 143


def test_a_file_without_a_gateway_is_refused(tmp_path):
    path = tmp_path / "panel.qml"
    path.write_text("import QmlS7\nObject { S7Client { autoConnect: false } }\n")
    result = run_qml_s7("gateway", str(path))
    assert result.returncode == 2
    assert "panel.qml declares no S7Gateway" in result.stderr


def test_a_missing_file_is_refused(tmp_path):
    result = run_qml_s7("gateway", str(tmp_path / "nowhere.qml"))
    assert result.returncode == 2
    assert "no such file" in result.stderr


def test_a_file_that_does_not_load_is_refused(tmp_path):
    path = tmp_path / "broken.qml"
    path.write_text("import QmlS7\nS7Gateway { nosuch: 1 }\n")
    result = run_qml_s7("gateway", str(path))
    assert result.returncode == 1
    assert "could not load" in result.stderr


def test_help_names_the_command():
    result = run_qml_s7("gateway", "--help")
    assert result.returncode == 0
    assert "S7Gateway" in result.stdout and "--set" in result.stdout
