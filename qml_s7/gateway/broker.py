"""One MQTT connection: a broker address, TLS files, and a paho-mqtt client on its own thread.

``Connection`` wraps one paho-mqtt 2.x client (MQTT 3.1.1, clean session) that runs its
network loop on a thread of its own (``loop_start``). It connects in the background, retries
after 250 ms, then twice the previous wait up to ``reconnect_max``, subscribes again after
every reconnect, and reports through two callbacks called on paho's thread (the Qt layer
hands them on as queued signals):

- ``on_state(connected, text)``: on connecting, on losing the connection, and on every
  failed attempt (the text says why: refused, unreachable, bad credentials, TLS);
- ``on_message(topic, payload)``: every message of a subscription.

Network errors never raise into the caller: they become ``on_state(False, text)``. Settings
that cannot work (a TLS file that cannot be read, TLS files with ``mqtt://``) raise
``ValueError`` from the constructor, before anything is started.

``close()`` is a clean disconnect: the broker then drops the will. Whoever wants the will's
message said on a clean exit too calls ``publish_will()`` first.
"""

from __future__ import annotations

import contextlib
import logging
import ssl
import sys
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

import paho.mqtt.client as mqtt

__all__ = ["BrokerAddress", "Connection", "TlsFiles", "Will"]

log = logging.getLogger("qml_s7")

DEFAULT_PORTS = {"mqtt": 1883, "mqtts": 8883}
RECONNECT_MIN = 0.25  # seconds: as the S7 link (docs/DESIGN.md, "The link state machine")
CLOSE_TIMEOUT = 2.0

StateCallback = Callable[[bool, str], None]
MessageCallback = Callable[[str, bytes], None]


@dataclass(frozen=True, slots=True)
class BrokerAddress:
    """Where the broker is: ``mqtt://[user[:password]@]host[:port]`` (1883) or ``mqtts://``
    (TLS, 8883). The password never shows in ``str()`` or ``repr()``."""

    host: str
    port: int
    tls: bool = False
    username: str = ""
    password: str = field(default="", repr=False)

    @classmethod
    def parse(cls, url: str, username: str = "", password: str = "") -> BrokerAddress:
        """The address of ``url``; ``username`` and ``password``, when given, replace those of
        the URL. ValueError with a text for the user when the URL is not one."""
        text = url.strip()
        shown = f"broker {text!r}" if text else "the broker's URL is empty"
        if "://" not in text:
            raise ValueError(f"{shown}: write mqtt://host:port, or mqtts://host:port for TLS")
        try:
            parts = urlsplit(text)
            port = parts.port
        except ValueError as error:  # a port that is no number or beyond 65535
            raise ValueError(f"{shown}: {error}") from None
        scheme = parts.scheme.lower()
        if scheme not in DEFAULT_PORTS:
            raise ValueError(
                f"{shown}: the scheme {parts.scheme + '://'!r} is not supported; "
                "write mqtt:// (plain TCP) or mqtts:// (TLS)"
            )
        if not parts.hostname:
            raise ValueError(f"{shown}: the host is missing (mqtt://host:port)")
        if parts.path not in ("", "/") or parts.query or parts.fragment:
            raise ValueError(
                f"{shown}: only a host and a port belong in it, no path or query "
                "(the gateway's name is a property of its own)"
            )
        if port == 0:
            raise ValueError(f"{shown}: port 0 is not a port to connect to")
        try:  # what the socket layer would raise later on the network thread, as ValueError
            parts.hostname.encode("idna")
        except UnicodeError:
            raise ValueError(f"{shown}: {parts.hostname!r} is no host name") from None
        return cls(
            host=parts.hostname,
            port=port or DEFAULT_PORTS[scheme],
            tls=scheme == "mqtts",
            username=username or unquote(parts.username or ""),
            password=password or unquote(parts.password or ""),
        )

    @property
    def url(self) -> str:
        """The URL without credentials, for messages and logs."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{'mqtts' if self.tls else 'mqtt'}://{host}:{self.port}"

    def __str__(self) -> str:
        return self.url


@dataclass(frozen=True, slots=True)
class TlsFiles:
    """TLS for ``mqtts://``: the CA that signed the broker's certificate (empty: the system's
    CAs), and a client certificate with its key for brokers that ask for one."""

    ca_file: str = ""
    cert_file: str = ""
    key_file: str = ""

    def __bool__(self) -> bool:
        return bool(self.ca_file or self.cert_file or self.key_file)

    def context(self) -> ssl.SSLContext:
        """A client context that checks the broker's certificate and host name. ValueError
        naming the file when one cannot be used."""
        if self.key_file and not self.cert_file:
            raise ValueError("a client key needs its certificate (certFile)")
        context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH)
        context.sslsocket_class = _ClosingSSLSocket
        try:
            if self.ca_file:
                context.load_verify_locations(cafile=self.ca_file)
        except (OSError, ssl.SSLError) as error:
            raise ValueError(f"cannot use the CA file {self.ca_file!r}: {_reason(error)}") from None
        try:
            if self.cert_file:
                context.load_cert_chain(self.cert_file, self.key_file or None)
        except (OSError, ssl.SSLError) as error:
            files = " and ".join(repr(f) for f in (self.cert_file, self.key_file) if f)
            raise ValueError(
                f"cannot use the client certificate {files}: {_reason(error)}"
            ) from None
        return context


class _ClosingSSLSocket(ssl.SSLSocket):
    """An SSL socket that closes itself when its handshake fails: paho 2.2 leaves it open
    after a failed attempt (a refused certificate), one file descriptor per retry."""

    def do_handshake(self, block: bool = False) -> None:
        try:
            super().do_handshake(block)
        except BaseException:
            self.close()
            raise


@dataclass(frozen=True, slots=True)
class Will:
    """What the broker publishes for a client that vanished without a clean disconnect."""

    topic: str
    payload: bytes
    qos: int = 1
    retain: bool = True


def _reason(error: BaseException) -> str:
    if isinstance(error, ssl.SSLError) and error.reason:
        return str(error.reason).replace("_", " ").lower()
    if isinstance(error, OSError) and error.strerror:
        return error.strerror[:1].lower() + error.strerror[1:]
    return str(error) or type(error).__name__


def _failed_attempt_text(address: BrokerAddress, error: BaseException | None) -> str:
    where = f"cannot reach the broker at {address.url}"
    if isinstance(error, ssl.SSLCertVerificationError):
        return f"{where}: its certificate is not trusted ({error.verify_message})"
    if isinstance(error, ssl.SSLError):
        return f"{where}: TLS failed ({_reason(error)})"
    if error is None:
        return where
    return f"{where}: {_reason(error)}"


class Connection:
    """One MQTT 3.1.1 client connection with its own network thread.

    ``start()`` begins connecting (in the background). ``subscribe`` and ``publish`` may be
    called from any thread, before or after the connection is up; subscriptions are made
    again on every reconnect (the session is clean). Callbacks run on paho's thread; an
    exception in one is logged (logger ``qml_s7``) and the thread goes on.
    """

    def __init__(
        self,
        address: BrokerAddress,
        *,
        on_state: StateCallback,
        on_message: MessageCallback,
        tls: TlsFiles | None = None,
        will: Will | None = None,
        client_id: str = "",
        keepalive: int = 30,
        reconnect_max: float = 30.0,
        max_inflight: int = 100,
        max_queued: int = 100_000,
    ) -> None:
        """``client_id``: empty picks ``qml-s7-`` and a random part. ``keepalive``: seconds
        between pings (the broker fires the will after 1.5 times that without a word).
        ``max_inflight``: QoS 1 messages sent and not yet acknowledged; ``max_queued``: the
        most messages waiting for an acknowledgement or their turn (``publish`` answers
        False beyond it)."""
        if tls and not address.tls:
            raise ValueError(
                f"TLS files are set but the broker's URL is {address.url}; "
                "write mqtts:// to connect with TLS"
            )
        if reconnect_max < RECONNECT_MIN:
            raise ValueError(f"reconnect_max must be at least {RECONNECT_MIN} s")
        self.address = address
        self.client_id = client_id or f"qml-s7-{uuid.uuid4().hex[:12]}"
        self._keepalive = keepalive
        self._on_state = on_state
        self._on_message = on_message
        self._will = will
        self._lock = threading.Lock()
        self._subscriptions: dict[str, int] = {}
        self._live_only: frozenset[str] = frozenset()  # their retained messages are dropped
        self._connected = False
        self._started = False
        self._closed = False

        client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2,
            client_id=self.client_id,
            clean_session=True,
            protocol=mqtt.MQTTv311,
            reconnect_on_failure=True,
        )
        if address.tls:
            client.tls_set_context((tls or TlsFiles()).context())
        if address.username:
            client.username_pw_set(address.username, address.password or None)
        if will is not None:
            client.will_set(will.topic, will.payload, will.qos, will.retain)
        client.reconnect_delay_set(RECONNECT_MIN, reconnect_max)  # type: ignore[arg-type]
        client.max_inflight_messages_set(max_inflight)
        client.max_queued_messages_set(max_queued)
        client.on_connect = self._connected_cb
        client.on_connect_fail = self._connect_failed_cb
        client.on_disconnect = self._disconnected_cb
        client.on_message = self._message_cb
        self._client = client

    # ------------------------------------------------------------------ the caller's side

    @property
    def connected(self) -> bool:
        return self._connected

    def start(self) -> None:
        """Begin connecting; returns at once (results come through ``on_state``)."""
        with self._lock:
            if self._started or self._closed:
                return
            self._started = True
        try:
            # resolves nothing and opens no socket: the loop's thread connects (and retries)
            self._client.connect_async(self.address.host, self.address.port, self._keepalive)
        except (OSError, ValueError) as error:
            self._report(False, _failed_attempt_text(self.address, error))
            return
        self._client.loop_start()

    def subscribe(self, topic: str, qos: int = 1, retained: bool = True) -> None:
        """Subscribe now if connected, and again after every reconnect. ``retained=False``
        drops the retained messages the broker hands over on subscribing to a topic that
        matches ``topic`` (a write request must not be taken again from the broker's memory
        after a restart); messages published while subscribed still come."""
        with self._lock:
            self._subscriptions[topic] = qos
            live_only = set(self._live_only) - {topic}
            if not retained:
                live_only.add(topic)
            self._live_only = frozenset(live_only)
            if not self._connected:
                return
            self._client.subscribe(topic, qos)

    def unsubscribe(self, topic: str) -> None:
        with self._lock:
            self._live_only = self._live_only - {topic}
            if self._subscriptions.pop(topic, None) is None or not self._connected:
                return
            self._client.unsubscribe(topic)

    def publish(self, topic: str, payload: bytes, qos: int = 1, retain: bool = False) -> bool:
        """Hand a message to the network thread. False when it was not taken: not connected
        (nothing is kept for later: whoever publishes state publishes it again on
        reconnecting) or the queue is full. A QoS 1 message taken while connected is sent
        again after a reconnect until the broker acknowledges it (so it may arrive twice)."""
        if not self._connected or self._closed:
            return False
        try:
            info = self._client.publish(topic, payload, qos, retain)
        except ValueError as error:  # a topic with a wildcard, an oversized payload
            log.warning("MQTT: not published to %r: %s", topic, error)
            return False
        # NO_CONN for QoS 1: the link went down a moment ago; paho keeps it for the reconnect
        return info.rc == mqtt.MQTT_ERR_SUCCESS or (qos > 0 and info.rc == mqtt.MQTT_ERR_NO_CONN)

    def publish_will(self, timeout: float = CLOSE_TIMEOUT) -> bool:
        """Publish the will's message now (for a clean exit, which makes the broker drop the
        will) and wait up to ``timeout`` s for the broker to take it; whether it did."""
        will = self._will
        if will is None or not self._connected or self._closed:
            return False
        try:
            info = self._client.publish(will.topic, will.payload, will.qos, will.retain)
            info.wait_for_publish(timeout)
        except (ValueError, RuntimeError):  # not connected any more, queue full
            return False
        return info.is_published()

    def close(self, timeout: float = CLOSE_TIMEOUT) -> None:
        """Disconnect cleanly (the broker drops the will) and end the network thread. No
        callback is called any more once this begins. Waits at most about ``timeout`` s: a
        thread caught in a connection attempt ends on its own after the attempt."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._connected = False
            started = self._started
        if not started:
            return
        with contextlib.suppress(Exception):  # paho may raise on a socket already gone
            self._client.disconnect()
        # paho's loop_stop joins without a bound: a helper waits for it, this waits a while
        stopper = threading.Thread(target=self._client.loop_stop, daemon=True)
        stopper.start()
        stopper.join(timeout)

    # ------------------------------------------------------------------ paho's thread

    def _report(self, connected: bool, text: str) -> None:
        if self._closed:
            return
        try:
            self._on_state(connected, text)
        except Exception:  # the network thread must live on
            log.exception("MQTT: on_state raised")

    def _connected_cb(
        self,
        client: mqtt.Client,
        userdata: object,
        flags: mqtt.ConnectFlags,
        reason: mqtt.ReasonCode,
        properties: object,
    ) -> None:
        if reason.is_failure:
            # paho closes the socket and tries again after the back-off
            self._report(False, f"the broker at {self.address.url} refused the connection: "
                         f"{str(reason).lower()}")  # fmt: skip
            return
        with self._lock:
            if self._closed:
                return
            self._connected = True
            if self._subscriptions:
                client.subscribe(list(self._subscriptions.items()))
        self._report(True, f"connected to {self.address.url}")

    def _connect_failed_cb(self, client: mqtt.Client, userdata: object) -> None:
        # paho calls this from inside its ``except OSError`` around the attempt without
        # passing the error on: the exception being handled is the reason
        self._report(False, _failed_attempt_text(self.address, sys.exc_info()[1]))

    def _disconnected_cb(
        self,
        client: mqtt.Client,
        userdata: object,
        flags: mqtt.DisconnectFlags,
        reason: mqtt.ReasonCode,
        properties: object,
    ) -> None:
        with self._lock:
            was_connected = self._connected
            self._connected = False
        # a refused CONNACK also ends here: it was reported already
        if was_connected:
            self._report(False, f"lost the connection to the broker at {self.address.url}")

    def _message_cb(self, client: mqtt.Client, userdata: object, message: mqtt.MQTTMessage) -> None:
        if self._closed:
            return
        try:
            topic = message.topic
        except UnicodeDecodeError:  # not UTF-8: no topic of ours
            return
        # the broker sets retain only on what it hands over from its memory on subscribing
        if message.retain and any(mqtt.topic_matches_sub(f, topic) for f in self._live_only):
            return
        try:
            self._on_message(topic, message.payload)
        except Exception:
            log.exception("MQTT: on_message raised for %r", topic)
