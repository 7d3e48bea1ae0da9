"""S7Client: the QML face of one PLC connection. Its Session does the work; I/O runs on a thread."""

from __future__ import annotations

import logging
from enum import IntEnum
from typing import Any

import shiboken6
from PySide6.QtCore import Property, QEnum, QObject, Signal, Slot
from PySide6.QtQml import QmlElement

from ..core.address import AddressError
from ..core.codec import ByteOrder
from ..core.errors import ClientError, Failure
from ..link.machine import LinkParams, LinkState
from ..link.snap7_client import CPU_RUN, CPU_STOP, CPU_UNKNOWN
from ..session.session import Session
from ..tags import Symbol
from .alarm import S7Alarm
from .clientface import ClientFace
from .commalarm import CommAlarm
from .diagnostics import S7Diagnostics
from .object import Object
from .props import assign, notified
from .tagtable import S7TagTable

QML_IMPORT_NAME = "QmlS7"
QML_IMPORT_MAJOR_VERSION = 1

log = logging.getLogger(__name__)


@QmlElement
class S7Client(Object, ClientFace):
    """A connection to a Siemens S7 PLC (mirrors the S7Client of the original runtime)."""

    @QEnum
    class ByteOrder(IntEnum):
        BigEndian = 0
        LittleEndian = 1

    @QEnum
    class ConnectionType(IntEnum):
        PG = 1
        OP = 2
        Basic = 3

    Error = QEnum(IntEnum("Error", {e.name: e.value for e in ClientError}))

    @QEnum
    class CpuState(IntEnum):
        """What the CPU reports of its mode (SZL 0x0424), as Snap7 numbers it."""

        Unknown = CPU_UNKNOWN
        Stop = CPU_STOP
        Run = CPU_RUN

    autoConnectChanged = Signal()
    byteOrderChanged = Signal()
    connectedChanged = Signal()
    connectingChanged = Signal()
    connectionTypeChanged = Signal()
    errorChanged = Signal()
    errorStringChanged = Signal()
    hostnameChanged = Signal()
    localTsapChanged = Signal()
    moduleNameChanged = Signal()
    moduleTypeNameChanged = Signal()
    portChanged = Signal()
    rackChanged = Signal()
    remoteTsapChanged = Signal()
    serialNumberChanged = Signal()
    slotChanged = Signal()
    connectTimeoutChanged = Signal()
    requestTimeoutChanged = Signal()
    reconnectIntervalChanged = Signal()
    pduLengthChanged = Signal()
    pollIntervalChanged = Signal()
    parallelJobsChanged = Signal()
    tagTableChanged = Signal()
    commAlarmEnabledChanged = Signal()
    cpuStateChanged = Signal()
    errorOccurred = Signal()
    symbolsChanged = Signal()  # a tag table of this client (re)loaded: names may mean more now

    # -- what a change of a property sets off (named by the properties below) ----------------
    def _params_changed(self) -> None:
        self._push_params()
        self._comm.name(self._where())

    def _auto_connect_changed(self) -> None:
        self._push_params()
        self._comm.name(self._where())
        self._maybe_auto_connect()

    def _comm_alarm_enabled_changed(self) -> None:
        self._comm.enable(self.commAlarmEnabled)
        self._judge_link()

    def _poll_interval_changed(self) -> None:
        self.session.poll_interval = max(0, self.pollInterval)

    def _byte_order_changed(self) -> None:
        self.session.byte_order = ByteOrder(self.byteOrder)

    def _tag_table_changed(self) -> None:
        old, table = self._given_table, self.tagTable
        if old is not None and shiboken6.isValid(old):
            old.loaded.disconnect(self.symbolsChanged)
        self._given_table = table if isinstance(table, S7TagTable) else None
        if self._given_table is not None:
            self._given_table.loaded.connect(self.symbolsChanged)
        self.symbolsChanged.emit()

    autoConnect = notified(
        "autoConnect", bool, True, autoConnectChanged, after=_auto_connect_changed
    )
    byteOrder = notified("byteOrder", int, 0, byteOrderChanged, after=_byte_order_changed)
    connectionType = notified(
        "connectionType", int, 1, connectionTypeChanged, after=_params_changed
    )
    error = notified("error", int, 0, errorChanged, readonly=True)
    errorString = notified("errorString", str, "", errorStringChanged, readonly=True)
    hostname = notified("hostname", str, "", hostnameChanged, after=_auto_connect_changed)
    localTsap = notified("localTsap", int, 256, localTsapChanged, after=_params_changed)
    moduleName = notified("moduleName", str, "", moduleNameChanged, readonly=True)
    moduleTypeName = notified("moduleTypeName", str, "", moduleTypeNameChanged, readonly=True)
    port = notified("port", int, 102, portChanged, after=_params_changed)
    rack = notified("rack", int, 0, rackChanged, after=_params_changed)
    remoteTsap = notified("remoteTsap", int, 0, remoteTsapChanged, after=_params_changed)
    serialNumber = notified("serialNumber", str, "", serialNumberChanged, readonly=True)
    slot = notified("slot", int, 0, slotChanged, after=_params_changed)
    # Extensions beyond the original object model.
    connecting = notified("connecting", bool, False, connectingChanged, readonly=True)
    connectTimeout = notified(
        "connectTimeout", int, 5000, connectTimeoutChanged, after=_params_changed
    )
    requestTimeout = notified(
        "requestTimeout", int, 3000, requestTimeoutChanged, after=_params_changed
    )
    reconnectInterval = notified(
        "reconnectInterval", int, 5000, reconnectIntervalChanged, after=_params_changed
    )
    pduLength = notified("pduLength", int, 0, pduLengthChanged, readonly=True)
    parallelJobs = notified("parallelJobs", int, 0, parallelJobsChanged, readonly=True)
    pollInterval = notified(
        "pollInterval", int, 0, pollIntervalChanged, after=_poll_interval_changed
    )
    # Extension: the CPU's mode, checked every second while connected (Unknown otherwise).
    cpuState = notified("cpuState", int, CPU_UNKNOWN, cpuStateChanged, readonly=True)
    # Extension: tag names of the PLC project for this client's variables, besides the
    # S7TagTables declared inside it.
    tagTable = notified("tagTable", QObject, None, tagTableChanged, after=_tag_table_changed)
    # Extension: raise commAlarm while the link is lost (on by default).
    commAlarmEnabled = notified(
        "commAlarmEnabled", bool, True, commAlarmEnabledChanged, after=_comm_alarm_enabled_changed
    )

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._want_link = False
        self._link_requested = False  # the worker was asked to connect since the last disconnect
        self._was_connected = False
        self._tables: list[S7TagTable] = []  # declared inside this client
        self._given_table: S7TagTable | None = None  # the tagTable property's
        self.session = Session(self)  # what the variables of this client talk through
        self._diagnostics = S7Diagnostics(self)
        self._comm = CommAlarm(self)
        self.session.statistics.connect(self._diagnostics.update)
        self.session.stateChanged.connect(self._on_state)
        self.session.failed.connect(self._on_failure)
        self.session.identified.connect(self._on_identified)
        self.session.cpuStateChanged.connect(self._on_cpu_state)

    def _get_diagnostics(self) -> S7Diagnostics:
        return self._diagnostics

    # Extension: round trips, traffic, poll cycles, overruns and failures, once a second.
    diagnostics = Property(S7Diagnostics, _get_diagnostics, constant=True)

    def _get_comm_alarm(self) -> S7Alarm:
        return self._comm.alarm

    # Extension: the alarm "no connection to the PLC" (see commalarm.py), in every alarm list.
    commAlarm = Property(S7Alarm, _get_comm_alarm, constant=True)

    def _judge_link(self) -> None:
        self._comm.judge(self._want_link, self.connected, self.error)

    # -- tag names ----------------------------------------------------------------------------
    def appendChild(self, child: QObject) -> None:
        super().appendChild(child)
        if isinstance(child, S7TagTable):
            self._tables.append(child)
            child.loaded.connect(self.symbolsChanged)
            child.destroyed.connect(lambda: self._forget_table(child))

    def _forget_table(self, table: S7TagTable) -> None:
        self._tables = [t for t in self._tables if t is not table]

    def tag_tables(self) -> list[S7TagTable]:
        """The tag tables this client's variables look names up in, in that order."""
        tables = list(self._tables)
        if self._given_table is not None and self._given_table not in tables:
            tables.append(self._given_table)
        return tables

    def symbol(self, name: str) -> Symbol | None:
        """What the tag ``name`` stands for in this client's tag tables, or None."""
        for table in self.tag_tables():
            found = table.lookup(name)
            if found is not None:
                return found
        return None

    def symbol_suggestions(self, name: str, count: int = 3) -> list[str]:
        """The known tag names closest to ``name``."""
        return [n for table in self.tag_tables() for n in table.suggest(name, count)][:count]

    def unknown_name(self, name: str, error: AddressError) -> str:
        """Why ``name`` names nothing: not an address, and no tag of the tag tables."""
        if not self.tag_tables():
            if '"' in name:
                return f"{error}; a tag name needs an S7TagTable in the S7Client"
            return str(error)
        near = self.symbol_suggestions(name)
        hint = f"; did you mean {', '.join(near)}?" if near else ""
        return f'Unknown tag "{name.strip()}": not an address, and not in the tag tables{hint}'

    def label(self) -> str:
        """This client in the audit trail: its objectName, else host:port."""
        return self.objectName() or f"{self.hostname}:{self.port}"

    # -- connected: true connects, false disconnects; reads the real link state ------------
    def _get_connected(self) -> bool:
        return self.session.connected

    def _set_connected(self, value: bool) -> None:
        if value:
            self.connectToHost()
        else:
            self.disconnectFromHost()

    connected = Property(bool, _get_connected, _set_connected, notify=connectedChanged)

    @Slot()
    def connectToHost(self) -> None:
        """Connect to the PLC (after completion, when called from a QML binding)."""
        self._want_link = True
        if not self.isComplete:
            return  # onComplete() connects
        params = self._link_params()
        if params is not None:
            self.session.connect_link(params)
            self._link_requested = True

    @Slot()
    def disconnectFromHost(self) -> None:
        """Disconnect and stop reconnecting until the next connectToHost()."""
        self._want_link = False
        self._link_requested = False
        self.session.disconnect_link()
        self._judge_link()

    def onComplete(self) -> None:
        self._comm.complete(self._where())
        if self._want_link:
            self.connectToHost()
        else:
            self._maybe_auto_connect()

    def _maybe_auto_connect(self) -> None:
        # Also without a hostname: the attempt then reports InvalidParam, as documented.
        if self.isComplete and self.autoConnect and not self._want_link:
            self.connectToHost()

    def _push_params(self) -> None:
        if not self._want_link:
            return
        if not self._link_requested:  # the last attempt had a bad parameter: try these
            self.connectToHost()
            return
        params = self._link_params(report=False)
        if params is not None:
            self.session.update_params(params)

    def _link_params(self, report: bool = True) -> LinkParams | None:
        """The link parameters, or None after reporting InvalidParam for a bad one."""
        problem = self._invalid_param()
        if problem:
            if report:
                self._on_failure(Failure(ClientError.InvalidParam, problem))
            return None
        return LinkParams(
            host=self.hostname.strip(),
            port=self.port,
            rack=self.rack,
            slot=self.slot,
            local_tsap=self.localTsap,
            remote_tsap=self.remoteTsap,
            connection_type=self.connectionType,
            connect_timeout_ms=self.connectTimeout,
            request_timeout_ms=self.requestTimeout,
            auto_reconnect=self.autoConnect,
            reconnect_max_ms=max(250, self.reconnectInterval),
        )

    def _where(self) -> str:
        return f"{self.hostname or '<no hostname>'}:{self.port}"

    def _invalid_param(self) -> str:
        checks = [
            (not self.hostname.strip(), "hostname is empty"),
            (not 0 < self.port <= 65535, f"port {self.port} is outside 1..65535"),
            (not 0 <= self.rack <= 7, f"rack {self.rack} is outside 0..7"),
            (not 0 <= self.slot <= 31, f"slot {self.slot} is outside 0..31"),
            (not 0 <= self.localTsap <= 0xFFFF, f"localTsap {self.localTsap} is outside 0..65535"),
            (
                not 0 <= self.remoteTsap <= 0xFFFF,
                f"remoteTsap {self.remoteTsap} is outside 0..65535",
            ),
            (
                self.connectionType not in (1, 2, 3),
                f"connectionType {self.connectionType} is not PG, OP or Basic",
            ),
            (self.connectTimeout < 1, f"connectTimeout {self.connectTimeout} ms is not positive"),
            (self.requestTimeout < 1, f"requestTimeout {self.requestTimeout} ms is not positive"),
        ]
        reasons = [text for failed, text in checks if failed]
        if not reasons:
            return ""
        return f"Cannot connect to {self.hostname or '<no hostname>'}:{self.port}: " + "; ".join(
            reasons
        )

    # -- what the session reports -----------------------------------------------------------
    @Slot(int)
    def _on_state(self, state: int) -> None:
        link = LinkState(state)
        assign(self, "connecting", link == LinkState.Connecting)
        if link == LinkState.Connected:
            self._set_error(Failure(ClientError.NoError, ""), occurred=False)
            log.info("S7Client %s: connected (%s)", self._where(), self.moduleTypeName or "CPU")
        else:
            for name in ("moduleName", "moduleTypeName", "serialNumber"):
                assign(self, name, "")
            assign(self, "pduLength", 0)
            assign(self, "parallelJobs", 0)
        if self.connected != self._was_connected:
            self._was_connected = self.connected
            self.connectedChanged.emit()
        self._judge_link()

    @Slot(int)
    def _on_cpu_state(self, state: int) -> None:
        if assign(self, "cpuState", state) and state != CPU_UNKNOWN:
            mode = "RUN" if state == CPU_RUN else "STOP"
            log.info("S7Client %s: the CPU is in %s", self._where(), mode)

    @Slot(object)
    def _on_identified(self, identity: dict[str, Any]) -> None:
        for name, value in identity.items():
            assign(self, name, value)

    @Slot(object)
    def _on_failure(self, failure: Failure) -> None:
        self._set_error(failure, occurred=True)
        self._judge_link()

    def _set_error(self, failure: Failure, occurred: bool) -> None:
        if assign(self, "error", int(failure.code)) and failure.code != ClientError.NoError:
            log.warning("S7Client %s: %s", self._where(), failure.text)  # once per change
        assign(self, "errorString", failure.text)
        if occurred:
            self.errorOccurred.emit()
