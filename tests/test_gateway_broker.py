"""The broker connection (qml_s7/gateway/broker.py) against a real Mosquitto on 127.0.0.1.

Broker URLs and TLS settings; connecting; retained messages for a later subscriber; the will
on a ``kill -9`` of a client process (and none on a clean close); reconnecting with the
subscriptions after a broker restart; an unreachable broker reported and retried; users, the
ACL and TLS as docs/GATEWAY.md configures them.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from mqtt_support import TIMEOUT, Broker, Inbox

from qml_s7.gateway.broker import BrokerAddress, Connection, TlsFiles


@pytest.fixture
def connect() -> Iterator:
    """``connect(url, **options) -> (Connection, Inbox)``, started; all closed at the end."""
    made: list[Connection] = []

    def make(url: str, **options) -> tuple[Connection, Inbox]:
        inbox = Inbox()
        connection = Connection(
            BrokerAddress.parse(url), on_state=inbox.on_state, on_message=inbox.on_message,
            **options,
        )  # fmt: skip
        made.append(connection)
        connection.start()
        return connection, inbox

    yield make
    for connection in made:
        connection.close()


def connected(connect, url: str, **options) -> tuple[Connection, Inbox]:
    connection, inbox = connect(url, **options)
    inbox.wait_state(True)
    return connection, inbox


def subscribed(connect, url: str, topic: str) -> tuple[Connection, Inbox]:
    """A connection subscribed to ``topic``, the subscription in place at the broker (a
    message it published to itself came back)."""
    connection, inbox = connected(connect, url)
    connection.subscribe(topic)
    connection.subscribe("probe/" + connection.client_id)
    probe = b"probe"
    while True:  # the SUBACK is not reported: a probe through the broker shows it is in place
        assert connection.publish("probe/" + connection.client_id, probe)
        try:
            inbox.wait_message("probe/" + connection.client_id, timeout=0.5)
            return connection, inbox
        except AssertionError:
            continue


# ---------------------------------------------------------------------- addresses


@pytest.mark.parametrize(
    ("url", "host", "port", "tls", "user", "password"),
    [
        ("mqtt://127.0.0.1", "127.0.0.1", 1883, False, "", ""),
        ("mqtt://broker.plant:1884", "broker.plant", 1884, False, "", ""),
        ("mqtts://broker.plant", "broker.plant", 8883, True, "", ""),
        ("MQTTS://broker.plant:9883/", "broker.plant", 9883, True, "", ""),
        ("mqtt://panel:s%40cret@10.0.0.5:1883", "10.0.0.5", 1883, False, "panel", "s@cret"),
        ("mqtt://gateway@host", "host", 1883, False, "gateway", ""),
        ("mqtt://[::1]:1883", "::1", 1883, False, "", ""),
        ("  mqtt://host  ", "host", 1883, False, "", ""),
    ],
)
def test_broker_urls(url, host, port, tls, user, password):
    address = BrokerAddress.parse(url)
    assert (address.host, address.port, address.tls) == (host, port, tls)
    assert (address.username, address.password) == (user, password)


def test_explicit_credentials_replace_those_of_the_url_and_the_password_never_shows():
    address = BrokerAddress.parse("mqtt://a:b@host", username="gateway", password="secret")
    assert (address.username, address.password) == ("gateway", "secret")
    assert "secret" not in repr(address) and "secret" not in str(address)
    assert str(address) == address.url == "mqtt://host:1883"
    assert BrokerAddress.parse("mqtts://[::1]").url == "mqtts://[::1]:8883"


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("", "empty"),
        ("localhost:1883", "write mqtt://host:port"),
        ("tcp://localhost:1883", "'tcp://' is not supported"),
        ("ws://localhost", "'ws://' is not supported"),
        ("mqtt://", "host is missing"),
        ("mqtt://:1883", "host is missing"),
        ("mqtt://host:port", "Port could not be cast"),
        ("mqtt://host:70000", "out of range"),
        ("mqtt://host:0", "port 0"),
        ("mqtt://host:1883/line1", "no path"),
        ("mqtt://host?x=1", "no path"),
        ("mqtt://a..b", "is no host name"),
    ],
)
def test_a_bad_broker_url_says_what_is_wrong(url, says):
    with pytest.raises(ValueError, match="broker") as raised:
        BrokerAddress.parse(url)
    assert says in str(raised.value)


def test_tls_files_need_mqtts_and_must_be_readable(tmp_path):
    inbox = Inbox()
    plain = BrokerAddress.parse("mqtt://127.0.0.1")
    with pytest.raises(ValueError, match="write mqtts://"):
        Connection(plain, on_state=inbox.on_state, on_message=inbox.on_message,
                   tls=TlsFiles(ca_file="ca.crt"))  # fmt: skip
    missing = str(tmp_path / "nowhere.crt")
    with pytest.raises(ValueError, match=r"cannot use the CA file .*nowhere\.crt"):
        TlsFiles(ca_file=missing).context()
    with pytest.raises(ValueError, match=r"client certificate .*nowhere\.crt"):
        TlsFiles(cert_file=missing).context()
    with pytest.raises(ValueError, match="needs its certificate"):
        TlsFiles(key_file=missing).context()
    garbage = tmp_path / "garbage.crt"
    garbage.write_text("not a certificate")
    with pytest.raises(ValueError, match="cannot use the CA file"):
        TlsFiles(ca_file=str(garbage)).context()
    assert not TlsFiles() and TlsFiles(ca_file="x")
    assert TlsFiles().context().check_hostname  # the system's CAs, host name checked


# ---------------------------------------------------------------------- a real broker


def test_connect_publish_and_receive(broker, connect):
    listener, inbox = subscribed(connect, broker.url, "plant/#")
    assert listener.connected
    assert inbox.wait_state(True) == f"connected to mqtt://127.0.0.1:{broker.port}"
    talker, _ = connected(connect, broker.url)
    assert talker.publish("plant/level", b'{"v": 1.5}')
    assert inbox.wait_message("plant/level") == b'{"v": 1.5}'
    assert talker.publish("elsewhere/level", b"x")
    assert talker.publish("plant/end", b"")
    inbox.wait_message("plant/end")
    assert "elsewhere/level" not in [t for t, _ in inbox.messages]


def test_a_retained_message_reaches_a_later_subscriber(broker, connect):
    talker, _ = connected(connect, broker.url)
    assert talker.publish("plant/state", b"online", retain=True)
    assert talker.publish("plant/other", b"not retained")
    talker.close()  # a clean close: publishes went out before the DISCONNECT
    _, inbox = subscribed(connect, broker.url, "plant/#")
    assert inbox.wait_message("plant/state") == b"online"
    assert [t for t, _ in inbox.messages if t.startswith("plant/")] == ["plant/state"]


def test_publish_without_a_connection_is_refused_not_kept(closed_port, connect):
    connection, _ = connect(f"mqtt://127.0.0.1:{closed_port}")
    assert not connection.publish("plant/state", b"online")
    assert not connection.publish_will()
    assert not connection.connected


def test_an_exception_in_a_callback_does_not_end_the_network_thread(broker, connect, caplog):
    _, inbox = subscribed(connect, broker.url, "plant/#")
    raised: list[str] = []

    def on_message(topic: str, payload: bytes) -> None:
        if not raised:
            raised.append(topic)
            raise RuntimeError("a bug in the caller")
        inbox.on_message(topic, payload)

    fragile = Connection(
        BrokerAddress.parse(broker.url), on_state=inbox.on_state, on_message=on_message
    )
    fragile.start()
    try:
        inbox.wait_state(True, since=len(inbox.states))
        fragile.subscribe("plant/#")
        talker, _ = connected(connect, broker.url)
        while not raised:  # until the subscription is in place and the first one raised
            talker.publish("plant/first", b"1")
            inbox.wait_message("plant/first")  # the listener's copy: one round trip
        assert talker.publish("plant/second", b"2")
        inbox.wait(
            lambda: [t for t, _ in inbox.messages].count("plant/second") == 2,
            "plant/second at both",
        )
    finally:
        fragile.close()
    assert "on_message raised" in caplog.text


WILL_CLIENT = """
import sys, threading
from qml_s7.gateway.broker import BrokerAddress, Connection, Will

up = threading.Event()
connection = Connection(
    BrokerAddress.parse(sys.argv[1]),
    on_state=lambda connected, text: connected and up.set(),
    on_message=lambda topic, payload: None,
    will=Will(sys.argv[2], b"offline"),
)
connection.start()
assert up.wait(10), "not connected"
connection.publish(sys.argv[2], b"online", retain=True)
print("up", flush=True)
if sys.stdin.readline().strip() == "close":
    if sys.argv[3] == "with-will":
        assert connection.publish_will()
    connection.close()
    print("closed", flush=True)
sys.stdin.readline()
"""


@pytest.fixture
def client_process() -> Iterator:
    """``start(url, topic, mode) -> Popen``: a process with one Connection that has a will."""
    started: list[subprocess.Popen[str]] = []

    def start(url: str, topic: str, mode: str = "") -> subprocess.Popen[str]:
        process = subprocess.Popen(
            [sys.executable, "-c", WILL_CLIENT, url, topic, mode or "plain"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        started.append(process)
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "up"
        return process

    yield start
    for process in started:
        process.kill()
        process.communicate(timeout=TIMEOUT)  # also closes its pipes


def test_the_will_fires_when_a_client_process_is_killed(broker, connect, client_process):
    _, inbox = subscribed(connect, broker.url, "line1/state")
    process = client_process(broker.url, "line1/state")
    inbox.wait_message("line1/state", b"online")
    since = len(inbox.messages)
    os.kill(process.pid, signal.SIGKILL)
    inbox.wait_message("line1/state", b"offline", since=since)
    process.wait(TIMEOUT)
    # retained: a panel that comes later sees it too
    _, later = subscribed(connect, broker.url, "line1/state")
    assert later.wait_message("line1/state") == b"offline"


@pytest.mark.parametrize("mode", ["plain", "with-will"])
def test_a_clean_close_drops_the_will_unless_it_is_published_first(
    broker, connect, client_process, mode
):
    _, inbox = subscribed(connect, broker.url, "line1/state")
    process = client_process(broker.url, "line1/state", mode)
    inbox.wait_message("line1/state", b"online")
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write("close\n")
    process.stdin.flush()
    assert process.stdout.readline().strip() == "closed"
    # a marker after the close: what the close made the broker send came before it
    marker, _ = connected(connect, broker.url)
    assert marker.publish("line1/state", b"marker")
    inbox.wait_message("line1/state", b"marker")
    said = [p for t, p in inbox.messages if t == "line1/state"]
    if mode == "plain":
        assert said == [b"online", b"marker"]
    else:
        assert said == [b"online", b"offline", b"marker"]


def test_reconnect_after_a_broker_restart_with_the_subscriptions(broker, connect):
    listener, inbox = subscribed(connect, broker.url, "plant/#")
    talker, talker_inbox = connected(connect, broker.url)
    states = len(inbox.states)
    broker.restart()
    lost = inbox.wait_state(False, since=states)
    assert lost == f"lost the connection to the broker at mqtt://127.0.0.1:{broker.port}"
    inbox.wait_state(True, since=states)
    talker_inbox.wait_state(True, since=2)  # its first report, then the loss, then this
    assert listener.connected and talker.connected
    # the listener subscribed again by itself: a message published now reaches it
    since = len(inbox.messages)
    while True:  # until its subscription is back at the broker (the SUBACK is not reported)
        assert talker.publish("plant/after", b"again")
        try:
            inbox.wait_message("plant/after", since=since, timeout=0.5)
            break
        except AssertionError:
            continue


def test_a_killed_broker_is_noticed_and_a_new_one_on_the_same_port_reconnected(broker, connect):
    listener, inbox = subscribed(connect, broker.url, "plant/#")
    states = len(inbox.states)
    broker.kill()
    inbox.wait_state(False, since=states)
    assert not listener.connected
    assert not listener.publish("plant/x", b"1")
    broker.start()
    inbox.wait_state(True, since=states)


def test_an_unreachable_broker_is_reported_and_retried(closed_port, connect):
    connection, inbox = connect(f"mqtt://127.0.0.1:{closed_port}")
    # attempts after 0 s, 0.25 s, 0.75 s, ...: several within a few seconds
    inbox.wait(lambda: len(inbox.states) >= 3, "three failed attempts")
    assert all(not ok for ok, _ in inbox.states)
    text = inbox.states[0][1]
    assert text == f"cannot reach the broker at mqtt://127.0.0.1:{closed_port}: connection refused"
    assert not connection.connected
    closing = time.monotonic()
    connection.close()
    assert time.monotonic() - closing < 5.0, "close() waits a bounded time"


def test_a_broker_that_comes_later_is_connected(connect):
    late = Broker()
    connection, inbox = connect(late.url)
    inbox.wait_state(False)
    with late:
        inbox.wait_state(True)
        assert connection.connected


# ---------------------------------------------------------------------- users, ACL, TLS

needs_mosquitto_passwd = pytest.mark.skipif(
    shutil.which("mosquitto_passwd") is None, reason="mosquitto_passwd is not installed"
)


def password_file(folder: Path, users: dict[str, str]) -> Path:
    path = folder / "passwd"
    for user, password in users.items():
        create = [] if path.exists() else ["-c"]
        subprocess.run(
            ["mosquitto_passwd", "-b", *create, str(path), user, password],
            check=True, capture_output=True,
        )  # fmt: skip
    path.chmod(0o644)
    return path


@needs_mosquitto_passwd
def test_a_broker_with_users_refuses_a_wrong_password_and_takes_the_right_one(connect):
    broker = Broker(config="allow_anonymous false\npassword_file {folder}/passwd")
    password_file(broker.folder, {"gateway": "gw-secret"})
    with broker:
        where = f"127.0.0.1:{broker.port}"
        _, wrong = connect(f"mqtt://gateway:nope@{where}")
        text = wrong.wait_state(False)
        assert text == f"the broker at mqtt://{where} refused the connection: not authorized"
        wrong.wait(lambda: len(wrong.states) >= 2, "a second attempt")
        _, anonymous = connect(broker.url)
        assert "not authorized" in anonymous.wait_state(False)
        right, inbox = connect(f"mqtt://gateway:gw-secret@{where}")
        inbox.wait_state(True)
        assert right.connected
