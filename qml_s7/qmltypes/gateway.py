"""S7Gateway: one process owns the PLC connections and shares them through an MQTT broker.

``S7Gateway { broker: "mqtt://127.0.0.1:1883"; name: "line1"; writable: [setpoint] }``,
declared in the same file as the S7Clients, publishes under ``qmls7/v1/<name>/``
(docs/GATEWAY.md; qml_s7/gateway/topics.py): ``state`` (``online``; ``offline`` is its MQTT
will and is said on a clean exit too), the ``catalog`` and every variable's value, all
retained, each value again whenever its data or quality changes (gatewaytags.py), and every
S7Alarm's state (gatewayalarms.py); it takes write requests on ``cmd/write``
(gatewaywrites.py). It starts one event-loop turn after
completion, when the file's other objects are complete, and connects in the background,
again and again with back-off while the broker cannot be reached. paho-mqtt's thread reports
here through queued calls (history.py's relay), so everything below runs on the GUI thread.
"""

from __future__ import annotations

import logging
import uuid
import weakref
from enum import IntEnum
from typing import Any

import shiboken6
from PySide6.QtCore import Property, QCoreApplication, QEnum, QObject, QTimer, Signal, Slot
from PySide6.QtQml import QmlElement

from ..gateway import messages
from ..gateway.broker import BrokerAddress, Connection, TlsFiles, Will
from ..gateway.topics import Topics
from .client import S7Client
from .dataobject import plain_value
from .gatewayalarms import AlarmPublisher
from .gatewaytags import TagPublisher, catalog_of, client_of, every_variable, make_tags
from .gatewaywrites import WriteDesk
from .history import deliver, relay
from .object import Object
from .props import assign, notified
from .variable import S7Variable

QML_IMPORT_NAME = "QmlS7"
QML_IMPORT_MAJOR_VERSION = 1

log = logging.getLogger(__name__)


class GatewayError(IntEnum):
    """S7Gateway.Error."""

    NoError = 0
    ConfigurationError = 1  # no name, a broker URL that is none, TLS files that cannot work
    BrokerError = 2  # the broker cannot be reached, refused the connection, or it broke


def _restart(self: S7Gateway) -> None:
    self.restart()


def _variables(value: Any) -> list[S7Variable] | None:
    """A QML list (or one object) as S7Variables; None for unset."""
    value = plain_value(value)
    if value is None:
        return None
    items = value if isinstance(value, list | tuple) else [value]
    return [v for v in items if isinstance(v, S7Variable)]


@QmlElement
class S7Gateway(Object):
    """Publishes S7Variables to an MQTT broker and writes what panels ask (module doc)."""

    Error = QEnum(IntEnum("Error", {e.name: e.value for e in GatewayError}))

    brokerChanged = Signal()
    nameChanged = Signal()
    caFileChanged = Signal()
    certFileChanged = Signal()
    keyFileChanged = Signal()
    usernameChanged = Signal()
    passwordChanged = Signal()
    reconnectIntervalChanged = Signal()
    variablesChanged = Signal()
    writableChanged = Signal()
    historyChanged = Signal()
    connectedChanged = Signal()
    errorChanged = Signal()
    errorStringChanged = Signal()
    publishedChanged = Signal()
    errorOccurred = Signal()

    # mqtt://host:port, or mqtts://host:port for TLS (with caFile, certFile, keyFile).
    broker = notified("broker", str, "", brokerChanged, after=_restart)
    # The gateway's name: its topics are under qmls7/v1/<name>/.
    name = notified("name", str, "", nameChanged, after=_restart)
    caFile = notified("caFile", str, "", caFileChanged, after=_restart)
    certFile = notified("certFile", str, "", certFileChanged, after=_restart)
    keyFile = notified("keyFile", str, "", keyFileChanged, after=_restart)
    username = notified("username", str, "", usernameChanged, after=_restart)
    password = notified("password", str, "", passwordChanged, after=_restart)
    # The longest wait (ms) between two attempts to reach the broker (250 ms, doubling to it).
    reconnectInterval = notified(
        "reconnectInterval", int, 5000, reconnectIntervalChanged, after=_restart
    )
    # Requests into the S7History's audit trail, under the user each names (when one exists).
    history = notified("history", bool, True, historyChanged)
    connected = notified("connected", bool, False, connectedChanged, readonly=True)
    error = notified("error", int, 0, errorChanged, readonly=True)
    errorString = notified("errorString", str, "", errorStringChanged, readonly=True)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._given: list[S7Variable] | None = None  # None: every S7Variable of the file
        self._writable: list[S7Variable] = []
        self._topics: Topics | None = None
        self._published = 0
        self._generation = 0  # connections made: a late report of an old one is dropped
        self._clients: list[S7Client] = []  # whose tag tables the catalog depends on
        self._publisher = TagPublisher(self._publish_retained, self)
        self._alarms = AlarmPublisher(self._publish_retained, self)
        self._desk = WriteDesk(self._publisher, self._publish, self)
        keeper = self._keeper = _Keeper()
        self.destroyed.connect(keeper.close)  # no Qt calls on this object then: the keeper
        self._starter = QTimer(self)
        self._starter.setSingleShot(True)
        self._starter.timeout.connect(self.restart)
        self._catalog_timer = QTimer(self)
        self._catalog_timer.setSingleShot(True)
        self._catalog_timer.timeout.connect(self._send_catalog)
        self._count_timer = QTimer(self)  # publishedChanged once per turn, not per message
        self._count_timer.setSingleShot(True)
        self._count_timer.timeout.connect(self.publishedChanged)

    # -- which variables -------------------------------------------------------------------
    def _get_variables(self) -> Any:
        return None if self._given is None else list(self._given)

    def _set_variables(self, value: Any) -> None:
        given = _variables(value)
        if given != self._given:
            self._given = given
            self._retag()
            self.variablesChanged.emit()

    # The variables published; unset: every S7Variable of the file.
    variables = Property("QVariant", _get_variables, _set_variables, notify=variablesChanged)

    def _get_writable(self) -> Any:
        return list(self._writable)

    def _set_writable(self, value: Any) -> None:
        writable = _variables(value) or []
        if writable != self._writable:
            self._writable = writable
            self._retag()
            self.writableChanged.emit()

    # The variables panels may write (none by default).
    writable = Property("QVariant", _get_writable, _set_writable, notify=writableChanged)

    def _get_published(self) -> int:
        return self._published

    # Messages handed to the broker so far.
    published = Property("qint64", _get_published, notify=publishedChanged)

    # -- starting and stopping ---------------------------------------------------------------
    def onComplete(self) -> None:
        relay()  # made on the GUI thread, before paho's thread posts to it
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.close)
        self._starter.start(0)  # the file's other objects complete in this turn

    @Slot()
    def restart(self) -> None:
        """Disconnect (saying offline) and connect again with the current settings."""
        if not self.isComplete:
            return
        self._starter.stop()
        self.close()
        self._generation += 1
        me, number = weakref.ref(self), self._generation
        try:
            topics = Topics(self.name.strip())
            address = BrokerAddress.parse(self.broker, self.username, self.password)
            tls = TlsFiles(self.caFile.strip(), self.certFile.strip(), self.keyFile.strip())
            connection = Connection(
                address,
                on_state=deliver(me, "_broker_state", number),
                on_message=deliver(me, "_broker_message", number),
                tls=tls if tls else None,
                will=Will(topics.state, messages.OFFLINE),
                client_id=f"qml-s7-gateway-{uuid.uuid4().hex[:12]}",
                reconnect_max=max(0.25, self.reconnectInterval / 1000),
            )
        except ValueError as exc:
            name = self.name.strip()
            text = f"S7Gateway {name}: {exc}" if name else "S7Gateway needs a name (name: 'line1')"
            self._set_error(GatewayError.ConfigurationError, text)
            return
        self._topics = topics
        self._keeper.connection = connection
        self._retag()
        self._alarms.start(topics)
        # live requests only: a retained one would be written again at every reconnect
        connection.subscribe(topics.write, retained=False)
        connection.start()

    @Slot()
    def close(self) -> None:
        """Say offline, disconnect, and stop publishing (until restart())."""
        self._publisher.live = self._alarms.live = False
        self._desk.stop()
        self._publisher.unwatch()
        self._alarms.stop()
        connection = self._keeper.connection
        self._keeper.close()
        if self.connected and connection is not None:
            log.info("S7Gateway %s: offline, disconnected from %s", self.name, connection.address)
        assign(self, "connected", False)

    def _retag(self) -> None:
        """Watch the variables now selected; the catalog and values again when connected."""
        topics = self._topics
        if topics is None or self._keeper.connection is None:
            return
        chosen = every_variable(self) if self._given is None else self._given
        tags = make_tags(chosen, self._writable, topics.tag)
        self._publisher.watch(tags)
        self._desk.use(tags, topics)
        self._desk.client = f"gateway {topics.name}"
        clients = {id(c): c for c in (client_of(t.variable) for t in tags) if c is not None}
        for client in self._clients:
            if shiboken6.isValid(client):
                client.symbolsChanged.disconnect(self._catalog_timer.start)
        self._clients = list(clients.values())
        for client in self._clients:
            client.symbolsChanged.connect(self._catalog_timer.start)
        if self.connected:
            self._send_catalog()
            self._publisher.send_all()

    # -- what the broker connection reports (through the relay) ------------------------------
    def _broker_state(self, number: int, connected: bool, text: str) -> None:
        if number != self._generation or self._keeper.connection is None:
            return  # a connection closed since
        where = f"S7Gateway {self.name}"
        if connected:
            self._set_error(GatewayError.NoError, "", occurred=False)
            log.info("%s: %s", where, text)
            assign(self, "connected", True)
            self._publisher.live = self._alarms.live = True
            self._publish_retained(self._topics.state, messages.ONLINE)
            self._send_catalog()
            self._publisher.send_all()
            self._alarms.send_all()
            return
        self._publisher.live = self._alarms.live = False
        assign(self, "connected", False)
        self._set_error(GatewayError.BrokerError, f"{where}: {text}")

    def _broker_message(self, number: int, topic: str, payload: bytes) -> None:
        topics = self._topics
        if number == self._generation and topics is not None and topic == topics.write:
            self._desk.audit = self.history
            self._desk.take(payload)

    # -- publishing --------------------------------------------------------------------------
    @Slot()
    def _send_catalog(self) -> None:
        if self.connected and self._topics is not None:
            self._publish_retained(self._topics.catalog, catalog_of(self._publisher.tags))

    def _publish_retained(self, topic: str, payload: bytes) -> None:
        self._count(self._keeper.publish(topic, payload, retain=True))

    def _publish(self, topic: str, payload: bytes) -> None:
        self._count(self._keeper.publish(topic, payload, retain=False))

    def _count(self, taken: bool) -> None:
        if taken:
            self._published += 1
            if not self._count_timer.isActive():
                self._count_timer.start(0)

    def _set_error(self, error: GatewayError, text: str, occurred: bool = True) -> None:
        changed = assign(self, "error", int(error))
        changed = assign(self, "errorString", text) or changed
        if changed and text:
            log.warning("%s", text)  # once per change, not per reconnect attempt
        if occurred:
            self.errorOccurred.emit()


class _Keeper:
    """The broker connection, reachable without the QObject (closed when it is destroyed)."""

    def __init__(self) -> None:
        self.connection: Connection | None = None

    def publish(self, topic: str, payload: bytes, retain: bool) -> bool:
        connection = self.connection
        return connection is not None and connection.publish(topic, payload, retain=retain)

    def close(self, *_: object) -> None:
        """Say offline (a clean disconnect drops the will) and disconnect."""
        connection, self.connection = self.connection, None
        if connection is not None:
            connection.publish_will()
            connection.close()
