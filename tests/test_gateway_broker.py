"""The broker connection (qml_s7/gateway/broker.py) against a real Mosquitto on 127.0.0.1.

Broker URLs and TLS settings; connecting; retained messages for a later subscriber; the will
on a ``kill -9`` of a client process (and none on a clean close); reconnecting with the
subscriptions after a broker restart; an unreachable broker reported and retried; users, the
ACL and TLS as docs/GATEWAY.md configures them.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from mqtt_support import TIMEOUT, Broker, Inbox, free_port, mosquitto_path

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
    probe = "probe/" + connection.client_id
    inbox.until(probe, lambda: connection.publish(probe, b"probe"))
    return connection, inbox


# ---------------------------------------------------------------------- addresses


@pytest.mark.parametrize(
    ("url", "host", "port", "tls", "user", "password"),
    [
        ("mqtt://127.0.0.1", "127.0.0.1", 1883, False, "", ""),
        ("mqtt://broker.plant:1884", "broker.plant", 1884, False, "", ""),
        ("mqtts://broker.plant", "broker.plant", 8883, True, "", ""),
        ("MQTTS://broker.plant:9883/", "broker.plant", 9883, True, "", ""),
        ("mqtt://panel:s%40cret@broker.plant:1883", "broker.plant", 1883, False, "panel", "s@cret"),
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
    inbox = Inbox()

    def on_message(topic: str, payload: bytes) -> None:
        inbox.on_message(topic, payload)
        if len(inbox.messages) == 1:
            raise RuntimeError("a bug in the caller")

    fragile = Connection(
        BrokerAddress.parse(broker.url), on_state=inbox.on_state, on_message=on_message
    )
    fragile.start()
    try:
        inbox.wait_state(True)
        fragile.subscribe("plant/#")
        talker, _ = connected(connect, broker.url)
        inbox.until("plant/first", lambda: talker.publish("plant/first", b"1"))  # it raised
        assert talker.publish("plant/second", b"2")
        inbox.wait_message("plant/second")  # the thread goes on
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
    inbox.until("plant/after", lambda: talker.publish("plant/after", b"again"))
    assert since < len(inbox.messages)


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


def test_a_subscription_without_retained_messages_gets_live_ones_only(broker, connect):
    talker, _ = connected(connect, broker.url)
    assert talker.publish("line1/cmd/write", b"old request", retain=True)
    assert talker.publish("line1/tag/x", b"old value", retain=True)
    listener, inbox = connected(connect, broker.url)
    listener.subscribe("line1/cmd/write", retained=False)
    listener.subscribe("line1/tag/+")
    assert inbox.wait_message("line1/tag/x") == b"old value"  # subscriptions in place
    # a live request comes; the retained one never did
    inbox.until("line1/cmd/write", lambda: talker.publish("line1/cmd/write", b"new request"))
    assert b"old request" not in [p for _, p in inbox.messages]


# ---------------------------------------------------------------------- docs/GATEWAY.md's broker

DOC = Path(__file__).resolve().parent.parent / "docs" / "GATEWAY.md"
USERS = {"gateway-line1": "gw-secret", "panel-1": "p1-secret", "panel-2": "p2-secret"}


def doc_block(first_line: str) -> str:
    """The fenced block of docs/GATEWAY.md whose first line is ``first_line``."""
    blocks = re.findall(r"^```[a-z]*\n(.*?)^```", DOC.read_text(), re.MULTILINE | re.DOTALL)
    found = [block for block in blocks if block.splitlines()[0] == first_line]
    assert len(found) == 1, f"docs/GATEWAY.md has one block that begins with {first_line!r}"
    return found[0]


def make_certificates(folder: Path) -> None:
    """A CA, and a certificate for 127.0.0.1 signed by it (openssl, as the docs show)."""
    curve = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]

    def openssl(*arguments: str) -> None:
        subprocess.run(["openssl", *arguments], cwd=folder, check=True, capture_output=True)

    openssl("req", "-x509", *curve, "-days", "2", "-subj", "/CN=test CA",
            "-keyout", "ca.key", "-out", "ca.crt")  # fmt: skip
    openssl("req", *curve, "-subj", "/CN=127.0.0.1", "-keyout", "broker.key", "-out", "broker.csr")
    (folder / "san.ext").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    openssl("x509", "-req", "-in", "broker.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
            "-CAcreateserial", "-days", "2", "-extfile", "san.ext",
            "-out", "broker.crt")  # fmt: skip
    for name in ("ca.crt", "broker.crt", "broker.key"):
        (folder / name).chmod(0o644)  # Mosquitto reads them as its own user


@dataclass
class Plant:
    broker: Broker
    plain_port: int  # the loopback listener without TLS (for a gateway on the broker's machine)

    def plain(self, user: str) -> str:
        return f"mqtt://{user}:{USERS[user]}@127.0.0.1:{self.plain_port}"

    def tls(self, user: str) -> str:
        return f"mqtts://{user}:{USERS[user]}@127.0.0.1:{self.broker.port}"

    @property
    def ca(self) -> TlsFiles:
        return TlsFiles(ca_file=str(self.broker.folder / "ca.crt"))


@pytest.fixture
def plant() -> Iterator[Plant]:
    """Mosquitto as docs/GATEWAY.md configures it: its users, its ACL, TLS on the broker's
    port and plain MQTT on a second loopback port (paths and ports of the test's own)."""
    if mosquitto_path() is None:
        pytest.skip("Mosquitto is not installed")
    for tool in ("mosquitto_passwd", "openssl"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed")
    config = doc_block("# /etc/mosquitto/conf.d/qml-s7.conf")
    plain_port = free_port()
    assert "\nlistener 8883\n" in config and "\nlistener 1883 127.0.0.1\n" in config
    config = (
        config.replace("\nlistener 8883\n", "\nlistener {port} 127.0.0.1\n")
        .replace("\nlistener 1883 127.0.0.1\n", f"\nlistener {plain_port} 127.0.0.1\n")
        .replace("/etc/mosquitto/certs/", "{folder}/")
        .replace("/etc/mosquitto/", "{folder}/")
    )
    broker = Broker(config=config)
    password_file(broker.folder, USERS).rename(broker.folder / "qml-s7.passwd")
    (broker.folder / "qml-s7.acl").write_text(doc_block("# /etc/mosquitto/qml-s7.acl"))
    (broker.folder / "qml-s7.acl").chmod(0o644)
    make_certificates(broker.folder)
    with broker:
        broker.wait_ready(port=plain_port)  # Mosquitto opens its listeners one after the other
        yield Plant(broker, plain_port)


def test_the_documented_broker_lets_the_gateway_in_on_both_listeners(plant, connect):
    _, on_plain = connect(plant.plain("gateway-line1"))
    _, on_tls = connect(plant.tls("gateway-line1"), tls=plant.ca)
    on_plain.wait_state(True)
    assert on_tls.wait_state(True) == f"connected to mqtts://127.0.0.1:{plant.broker.port}"


def test_the_documented_broker_refuses_strangers(plant, connect):
    where = f"127.0.0.1:{plant.plain_port}"
    _, anonymous = connect(f"mqtt://{where}")
    assert anonymous.wait_state(False).endswith("refused the connection: not authorized")
    _, wrong = connect(f"mqtt://panel-1:wrong@{where}")
    assert wrong.wait_state(False).endswith("refused the connection: not authorized")


def test_tls_needs_a_trusted_certificate(plant, connect):
    # the system's CAs do not know the plant's CA
    connection, inbox = connect(plant.tls("panel-1"))
    text = inbox.wait_state(False)
    assert text.startswith(f"cannot reach the broker at mqtts://127.0.0.1:{plant.broker.port}: ")
    assert "certificate is not trusted" in text, text
    assert not connection.connected


def test_the_documented_acl_lets_panels_read_and_ask_and_nothing_else(plant, connect):
    gateway, gateway_inbox = connected(connect, plant.plain("gateway-line1"))
    gateway.subscribe("qmls7/v1/line1/#")
    level_topic, level = "qmls7/v1/line1/tag/Level", b'{"v":1,"q":128,"ts":1}'
    gateway_inbox.until(level_topic, lambda: gateway.publish(level_topic, level, retain=True))
    panel, panel_inbox = connected(connect, plant.tls("panel-1"), tls=plant.ca)
    panel.subscribe("qmls7/v1/#")
    assert panel_inbox.wait_message(level_topic) == level  # panels read
    other, other_inbox = connected(connect, plant.tls("panel-2"), tls=plant.ca)
    other.subscribe("qmls7/v1/line1/reply/panel-2")

    # forgeries first, then a request: what the broker let through would come before it
    forged = {
        level_topic: b'{"v":666,"q":128,"ts":2}',
        "qmls7/v1/line1/state": b"offline",
        "qmls7/v1/line1/catalog": b'{"tags":{},"ts":2}',
        "qmls7/v1/line1/reply/panel-2": b'{"id":"x","outcome":"confirmed","text":""}',
        "qmls7/v1/line2/tag/Level": b"elsewhere",
    }
    for topic, payload in forged.items():
        assert panel.publish(topic, payload, retain=True)
    assert panel.publish("qmls7/v1/line1/cmd/write", b"{}")
    assert gateway_inbox.wait_message("qmls7/v1/line1/cmd/write") == b"{}"  # panels ask
    panel_inbox.wait_message("qmls7/v1/line1/cmd/write")  # and read their own request
    for inbox in (gateway_inbox, panel_inbox):
        assert [(t, p) for t, p in inbox.messages if t in forged] == [(level_topic, level)]

    # the gateway answers panel-2: panel-2 gets that one, and never the forgery
    answer = b'{"id":"7","outcome":"confirmed","text":""}'
    assert gateway.publish("qmls7/v1/line1/reply/panel-2", answer)
    assert other_inbox.wait_message("qmls7/v1/line1/reply/panel-2") == answer
    assert [p for _, p in other_inbox.messages] == [answer]

    # a later reader gets the gateway's retained values (then a marker), none forged
    reader, later = connected(connect, plant.tls("panel-2"), tls=plant.ca)
    reader.subscribe("qmls7/v1/#")
    assert later.wait_message(level_topic) == level
    assert gateway.publish("qmls7/v1/line1/tag/Marker", b"m")
    later.wait_message("qmls7/v1/line1/tag/Marker")
    assert [(t, p) for t, p in later.messages if t in forged] == [(level_topic, level)]


RETAINED = 3000  # beyond Mosquitto's default queue of 1,000 QoS 1 messages per client


def publish_retained(connection: Connection, inbox: Inbox, root: str) -> None:
    """RETAINED retained values under ``root``, all taken by the broker (a marker after them
    came back through it)."""
    for number in range(RETAINED):
        assert connection.publish(f"{root}/tag/T{number}", b'{"v":1,"q":128,"ts":1}', retain=True)
    connection.subscribe(f"{root}/marker")
    inbox.until(f"{root}/marker", lambda: connection.publish(f"{root}/marker", b"m"))


def test_a_qos0_subscriber_gets_thousands_of_retained_values_from_a_default_mosquitto(
    broker, connect
):
    gateway, gateway_inbox = connected(connect, broker.url)
    publish_retained(gateway, gateway_inbox, "qmls7/v1/big")
    panel, inbox = connected(connect, broker.url)
    panel.subscribe("qmls7/v1/big/tag/+", qos=0)
    inbox.wait(lambda: len(inbox.messages) == RETAINED, f"{RETAINED} retained values")


def test_the_documented_broker_hands_thousands_of_retained_values_to_a_qos1_subscriber(
    plant, connect
):
    gateway, gateway_inbox = connected(connect, plant.plain("gateway-line1"))
    publish_retained(gateway, gateway_inbox, "qmls7/v1/line1")
    panel, inbox = connected(connect, plant.tls("panel-1"), tls=plant.ca)
    panel.subscribe("qmls7/v1/line1/tag/+", qos=1)
    inbox.wait(lambda: len(inbox.messages) == RETAINED, f"{RETAINED} retained values")
    assert "being dropped" not in plant.broker.log()
