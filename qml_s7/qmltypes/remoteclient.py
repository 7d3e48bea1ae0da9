"""S7RemoteClient: a panel's client for a gateway's variables, through an MQTT broker.

``S7RemoteClient { broker: "mqtt://127.0.0.1:1883"; gateway: "line1" }`` takes the same
S7Variable children as an S7Client and the same widgets: a variable's ``name`` is a tag of the
gateway (as the S7Variable is named there, which its catalog lists). Values, their quality and
time stamp come from the gateway; writes go to it as requests and end when it answers (see
remotesession.py). Without a PLC link of its own it opens no connection to a PLC: many panels
share the gateway's one.
"""

from __future__ import annotations

import logging
from enum import IntEnum

from PySide6.QtCore import Property, QEnum, QObject, Signal, Slot
from PySide6.QtQml import QmlElement

from ..core.address import AddressError
from ..gateway.broker import BrokerAddress, TlsFiles
from ..link.snap7_client import CPU_UNKNOWN
from ..tags import Symbol
from .clientface import ClientFace
from .object import Object
from .props import assign, notified
from .remotesession import RemoteSession

QML_IMPORT_NAME = "QmlS7"
QML_IMPORT_MAJOR_VERSION = 1

log = logging.getLogger(__name__)


class RemoteError(IntEnum):
    """S7RemoteClient.Error."""

    NoError = 0
    InvalidParam = 1  # no broker URL or gateway name, or TLS files that cannot work
    BrokerError = 2  # the broker cannot be reached, refused the connection, or it broke
    GatewayOffline = 3  # the broker is reached, but the gateway is offline (its will fired)


def _reopen(self: S7RemoteClient) -> None:
    self._open()


def _timeout_changed(self: S7RemoteClient) -> None:
    self.session.request_timeout_ms = max(1, self.requestTimeout)


@QmlElement
class S7RemoteClient(Object, ClientFace):
    """A gateway's variables through a broker, for S7Variables as under an S7Client."""

    Error = QEnum(IntEnum("Error", {e.name: e.value for e in RemoteError}))

    brokerChanged = Signal()
    gatewayChanged = Signal()
    usernameChanged = Signal()
    passwordChanged = Signal()
    caFileChanged = Signal()
    certFileChanged = Signal()
    keyFileChanged = Signal()
    requestTimeoutChanged = Signal()
    reconnectIntervalChanged = Signal()
    connectedChanged = Signal()
    connectingChanged = Signal()
    hostnameChanged = Signal()
    portChanged = Signal()
    cpuStateChanged = Signal()
    errorChanged = Signal()
    errorStringChanged = Signal()
    errorOccurred = Signal()
    symbolsChanged = Signal()  # the gateway's catalog changed: tag names may mean more now

    # Where and whom: the broker's URL (mqtt://host:port, mqtts:// for TLS) and the gateway's
    # name; credentials and TLS files as S7Gateway takes them.
    broker = notified("broker", str, "", brokerChanged, after=_reopen)
    gateway = notified("gateway", str, "", gatewayChanged, after=_reopen)
    username = notified("username", str, "", usernameChanged, after=_reopen)
    password = notified("password", str, "", passwordChanged, after=_reopen)
    caFile = notified("caFile", str, "", caFileChanged, after=_reopen)
    certFile = notified("certFile", str, "", certFileChanged, after=_reopen)
    keyFile = notified("keyFile", str, "", keyFileChanged, after=_reopen)
    # How long a write waits for the gateway's answer before its outcome is unknown: longer
    # than the gateway's own requestTimeout (3 s by default), which its PLC write may take.
    requestTimeout = notified(
        "requestTimeout", int, 10_000, requestTimeoutChanged, after=_timeout_changed
    )
    # The longest wait between two attempts to reach the broker (from 250 ms, doubling).
    reconnectInterval = notified(
        "reconnectInterval", int, 5000, reconnectIntervalChanged, after=_reopen
    )
    error = notified("error", int, 0, errorChanged, readonly=True)
    errorString = notified("errorString", str, "", errorStringChanged, readonly=True)
    # Trying to reach the broker, or waiting for the gateway to say it is online.
    connecting = notified("connecting", bool, False, connectingChanged, readonly=True)
    # The broker's host and port (as an S7Client's, for ConnectionBadge).
    hostname = notified("hostname", str, "", hostnameChanged, readonly=True)
    port = notified("port", int, 0, portChanged, readonly=True)
    # Always Unknown: the gateway does not publish its CPU's mode (each value's quality says
    # what it means for that value). Here so that widgets made for an S7Client work unchanged.
    cpuState = notified("cpuState", int, CPU_UNKNOWN, cpuStateChanged, readonly=True)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._was_connected = False
        self.session = RemoteSession(self)
        self.session.stateChanged.connect(self._on_state)
        self.session.catalogChanged.connect(self.symbolsChanged)

    def _get_connected(self) -> bool:
        return self.session.connected

    # Values come and writes go: the broker is reached and the gateway is online.
    connected = Property(bool, _get_connected, notify=connectedChanged)

    def onComplete(self) -> None:
        self._open()

    @Slot()
    def reconnect(self) -> None:
        """Drop the broker connection and connect again."""
        self._open()

    def _open(self) -> None:
        if not self.isComplete:
            return
        try:
            if not self.gateway.strip():
                raise ValueError("gateway is empty: give the name of the S7Gateway")
            address = BrokerAddress.parse(self.broker, self.username, self.password)
            assign(self, "hostname", address.host)
            assign(self, "port", address.port)
            self.session.open(
                address,
                self.gateway.strip(),
                TlsFiles(self.caFile, self.certFile, self.keyFile),
                self.reconnectInterval / 1000,
            )
        except ValueError as exc:
            self.session.close()
            self._set_error(RemoteError.InvalidParam, f"Cannot connect: {exc}")
        else:
            self._set_error(RemoteError.NoError, "", occurred=False)
        self._on_state()

    @Slot()
    def _on_state(self) -> None:
        session = self.session
        if session.broker_connected and session.online is not False:  # online, or to say so
            self._set_error(RemoteError.NoError, "", occurred=False)
        elif session.broker_connected:
            self._set_error(
                RemoteError.GatewayOffline,
                f"The gateway {self.gateway} at {self.broker.strip()} is offline",
            )
        elif session.text:
            self._set_error(RemoteError.BrokerError, session.text[:1].upper() + session.text[1:])
        assign(
            self,
            "connecting",
            self.isComplete and self.error != RemoteError.InvalidParam and not session.connected,
        )
        if session.connected != self._was_connected:
            self._was_connected = session.connected
            self.connectedChanged.emit()

    def _set_error(self, error: RemoteError, text: str, occurred: bool = True) -> None:
        if assign(self, "error", int(error)) and error != RemoteError.NoError:
            log.warning("S7RemoteClient %s: %s", self.label(), text)  # once per change
        changed = assign(self, "errorString", text)
        if occurred and changed:
            self.errorOccurred.emit()

    # -- ClientFace -----------------------------------------------------------------------------
    def symbol(self, name: str) -> Symbol | None:
        """The gateway's tag ``name``, from its catalog."""
        return self.session.symbol(name)

    def unknown_name(self, name: str, error: AddressError) -> str:
        """Why ``name`` names nothing: no tag of the catalog; "" while no catalog came yet."""
        if self.session.catalog is None:
            return ""
        near = self.session.suggestions(name)
        hint = f"; did you mean {', '.join(near)}?" if near else ""
        return (
            f'Unknown tag "{name.strip()}": not an address, and not in the catalog of the '
            f"gateway {self.gateway}{hint}"
        )

    def label(self) -> str:
        """This client in the audit trail: its objectName, else gateway@host:port."""
        return self.objectName() or f"{self.gateway}@{self.hostname}:{self.port}"
