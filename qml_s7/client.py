"""S7Client: the QML face of one PLC connection. All I/O runs on its Worker thread."""

from __future__ import annotations

import atexit
import logging
from collections import deque
from enum import IntEnum
from functools import partial
from itertools import chain
from time import perf_counter
from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtCore import Property, QCoreApplication, QEnum, QObject, QTimer, Signal, Slot
from PySide6.QtQml import QmlElement

from .codec import ByteOrder
from .dataobject import now_ms as _now_ms
from .errors import ClientError, Failure
from .object import Object
from .polling import PollGroup, PollScheduler
from .props import assign, notified
from .worker import LinkParams, LinkState, ReadJob, ReadResult, Worker, WriteJob, WriteResult

if TYPE_CHECKING:
    from .variable import S7Variable

QML_IMPORT_NAME = "QmlS7"
QML_IMPORT_MAJOR_VERSION = 1

log = logging.getLogger(__name__)

# Every live worker, so quitting the application stops them all before Qt tears down.
# Applying poll results: at most this long per event-loop turn, checked every _CHUNK values.
_SLICE_S = 0.004
_CHUNK = 128

# Every running worker, held here so that no thread is garbage-collected while it runs.
_workers: set[Worker] = set()


def _stop(worker: Worker) -> None:
    """Stop ``worker`` and let it go once its thread has finished."""
    if shiboken6.isValid(worker) and worker.shutdown():
        _workers.discard(worker)


def shutdown_all() -> None:
    """Stop every client's worker thread (at application quit and interpreter exit)."""
    for worker in list(_workers):
        _stop(worker)


atexit.register(shutdown_all)


def _hook_quit() -> None:
    """Stop all workers when the application quits (hooked once per application)."""
    app = QCoreApplication.instance()
    if app is not None and not app.property("qmlS7QuitHooked"):
        app.aboutToQuit.connect(shutdown_all)
        app.setProperty("qmlS7QuitHooked", True)


def _reconfigure(client: S7Client) -> None:
    client._push_params()


def _poll_interval_changed(client: S7Client) -> None:
    client._apply_poll_interval()


def _auto_connect_changed(client: S7Client) -> None:
    client._push_params()
    client._maybe_auto_connect()


@QmlElement
class S7Client(Object):
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
    errorOccurred = Signal()

    autoConnect = notified(
        "autoConnect", bool, True, autoConnectChanged, after=_auto_connect_changed
    )
    byteOrder = notified("byteOrder", int, 0, byteOrderChanged)
    connectionType = notified("connectionType", int, 1, connectionTypeChanged, after=_reconfigure)
    error = notified("error", int, 0, errorChanged, readonly=True)
    errorString = notified("errorString", str, "", errorStringChanged, readonly=True)
    hostname = notified("hostname", str, "", hostnameChanged, after=_auto_connect_changed)
    localTsap = notified("localTsap", int, 256, localTsapChanged, after=_reconfigure)
    moduleName = notified("moduleName", str, "", moduleNameChanged, readonly=True)
    moduleTypeName = notified("moduleTypeName", str, "", moduleTypeNameChanged, readonly=True)
    port = notified("port", int, 102, portChanged, after=_reconfigure)
    rack = notified("rack", int, 0, rackChanged, after=_reconfigure)
    remoteTsap = notified("remoteTsap", int, 0, remoteTsapChanged, after=_reconfigure)
    serialNumber = notified("serialNumber", str, "", serialNumberChanged, readonly=True)
    slot = notified("slot", int, 0, slotChanged, after=_reconfigure)
    # Extensions beyond the original object model.
    connecting = notified("connecting", bool, False, connectingChanged, readonly=True)
    connectTimeout = notified(
        "connectTimeout", int, 5000, connectTimeoutChanged, after=_reconfigure
    )
    requestTimeout = notified(
        "requestTimeout", int, 3000, requestTimeoutChanged, after=_reconfigure
    )
    reconnectInterval = notified(
        "reconnectInterval", int, 5000, reconnectIntervalChanged, after=_reconfigure
    )
    pduLength = notified("pduLength", int, 0, pduLengthChanged, readonly=True)
    parallelJobs = notified("parallelJobs", int, 0, parallelJobsChanged, readonly=True)
    pollInterval = notified(
        "pollInterval", int, 0, pollIntervalChanged, after=_poll_interval_changed
    )

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._state = LinkState.Unconnected
        self._want_link = False
        self._link_requested = False  # the worker was asked to connect since the last disconnect
        self._worker = Worker()
        _workers.add(self._worker)
        self._worker.stateChanged.connect(self._on_state)
        self._worker.failed.connect(self._on_failure)
        self._worker.identified.connect(self._on_identified)
        self._worker.readDone.connect(self._on_read)
        self._worker.writeDone.connect(self._on_written)
        self._variables: dict[int, S7Variable] = {}
        self._next_key = 0
        self._next_ticket = 0
        self._layout = 0  # bumped when a variable's address changes (keys the worker's plans)
        self._next_job = 0
        self._jobs: dict[int, tuple[list[PollGroup], tuple[int, ...]]] = {}  # reads in flight
        self._single_in_flight: set[int] = set()  # keys polled with pollData() being read
        self._inbox: deque[ReadResult | WriteResult] = deque()
        self._cursor = 0  # how far the first read result in the inbox has been applied
        self._drain_timer = QTimer(self)
        self._drain_timer.setSingleShot(True)
        self._drain_timer.setInterval(0)
        self._drain_timer.timeout.connect(self._drain)
        self._scheduler = PollScheduler(self._read, self)
        self._worker.start()
        worker = self._worker
        # destroyed() runs while the C++ object dies: capture the worker, not self.
        self.destroyed.connect(lambda: _stop(worker))
        _hook_quit()

    # -- connected: true connects, false disconnects; reads the real link state ------------
    def _get_connected(self) -> bool:
        return self._state == LinkState.Connected

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
            self._worker.connect_link(params)
            self._link_requested = True

    @Slot()
    def disconnectFromHost(self) -> None:
        """Disconnect and stop reconnecting until the next connectToHost()."""
        self._want_link = False
        self._link_requested = False
        self._worker.disconnect_link()

    def onComplete(self) -> None:
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
            self._worker.update_params(params)

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

    # -- variables ---------------------------------------------------------------------------
    def _adopt(self, variable: S7Variable) -> int:
        """Register ``variable``; returns its key for reads and writes."""
        self._next_key += 1
        key = self._next_key
        self._variables[key] = variable
        variable.destroyed.connect(partial(self._forget, key))
        # The scheduler files a variable under its key: give it the key before subscribing,
        # or it stays filed under its old key too (read twice per cycle, and still read after
        # it is destroyed: tests/test_faults.py, client-wide polling reads each variable once).
        variable._key = key
        if self.pollInterval > 0:
            variable.subscribe(self, self.pollInterval)
        return key

    def _forget(self, key: int, *_: object) -> None:
        """Drop a variable (it moved to another client or was destroyed)."""
        self._variables.pop(key, None)
        if not shiboken6.isValid(self._scheduler):
            return  # this client is being destroyed
        self._scheduler.forget(key)
        self._single_in_flight.discard(key)

    def _apply_poll_interval(self) -> None:
        for variable in self._variables.values():
            if self.pollInterval > 0:
                variable.subscribe(self, self.pollInterval)
            else:
                variable.unsubscribe(self)

    def _poll_now(self, variable: S7Variable) -> None:
        self._scheduler.poll_now(variable)

    def _address_changed(self, variable: S7Variable) -> None:
        """``variable`` reads another address now: rebuild the batches that hold it."""
        self._layout += 1
        self._scheduler.address_changed(variable._key)

    def _read(self, groups: list[PollGroup], variables: list[S7Variable]) -> None:
        """Send one read batch: the due groups' cached parts and the variables polled now."""
        if not self.connected:
            return  # variables are marked invalid when the link goes down
        parts = [g.part() for g in groups]
        pending = self._single_in_flight
        singles = [
            (v._key, v._address)
            for v in variables
            if v._address is not None and v._key not in pending
        ]
        if singles:
            parts.append((tuple(k for k, _ in singles), tuple(a for _, a in singles)))
        if len(parts) == 1:
            keys, addresses = parts[0]
        else:  # several parts in one turn: one batch, each variable once
            merged = dict(
                zip(chain(*(p[0] for p in parts)), chain(*(p[1] for p in parts)), strict=True)
            )
            keys, addresses = tuple(merged), tuple(merged.values())
        if not keys:
            return
        single_keys = tuple(k for k, _ in singles)
        pending.update(single_keys)
        for group in groups:
            group.busy = True
        self._next_job += 1
        self._jobs[self._next_job] = (groups, single_keys)
        order = ByteOrder(self.byteOrder)
        self._worker.read(ReadJob(self._next_job, keys, addresses, order, self._layout))

    def _write(self, variable: S7Variable, payload: bytes) -> int:
        """Queue a write of ``variable``; returns the ticket its confirmation will carry."""
        self._next_ticket += 1
        self._worker.write(WriteJob(self._next_ticket, variable._key, variable._address, payload))
        return self._next_ticket

    @Slot(object)
    def _on_read(self, result: ReadResult) -> None:
        self._inbox.append(result)
        if not self._drain_timer.isActive():
            self._drain()

    @Slot(object)
    def _on_written(self, result: WriteResult) -> None:
        self._inbox.append(result)  # behind the reads answered before it, in worker order
        if not self._drain_timer.isActive():
            self._drain()

    @Slot()
    def _drain(self) -> None:
        """Hand results to the variables, a few milliseconds per event-loop turn at most.

        A batch of thousands of values arrives in one signal; applying it in slices keeps the
        GUI thread from stalling for more than about a frame's fraction.
        """
        deadline = perf_counter() + _SLICE_S
        inbox = self._inbox
        while inbox:
            item = inbox[0]
            if isinstance(item, WriteResult):
                inbox.popleft()
                variable = self._variables.get(item.key)
                if variable is not None:
                    variable.writeFinished(item.ticket, item.failure, _now_ms())
                continue
            if not self._apply(item, deadline):
                self._drain_timer.start()
                return
            inbox.popleft()

    def _apply(self, result: ReadResult, deadline: float) -> bool:
        """Apply ``result`` from the cursor on; False when the time slice ran out first."""
        variables, keys, values, stamp = self._variables, result.keys, result.values, result.stamp
        index, count = self._cursor, len(keys)
        while index < count:
            stop = min(count, index + _CHUNK)
            for i in range(index, stop):
                variable = variables.get(keys[i])
                if variable is not None:
                    variable.readFinished(values[i], stamp)
            index = stop
            if index < count and perf_counter() > deadline:
                self._cursor = index
                return False
        self._cursor = 0
        groups, single_keys = self._jobs.pop(result.job, ((), ()))
        for group in groups:
            group.busy = False
        self._single_in_flight.difference_update(single_keys)
        return True

    # -- what the worker reports -----------------------------------------------------------
    @Slot(int)
    def _on_state(self, state: int) -> None:
        was_connected = self.connected
        self._state = LinkState(state)
        assign(self, "connecting", self._state == LinkState.Connecting)
        if self._state == LinkState.Connected:
            self._set_error(Failure(ClientError.NoError, ""), occurred=False)
            log.info("S7Client %s: connected (%s)", self._where(), self.moduleTypeName or "CPU")
        else:
            for name in ("moduleName", "moduleTypeName", "serialNumber"):
                assign(self, name, "")
            assign(self, "pduLength", 0)
            assign(self, "parallelJobs", 0)
            if was_connected:
                for variable in self._variables.values():
                    variable.linkDown()
        if was_connected != self.connected:
            self.connectedChanged.emit()

    @Slot(object)
    def _on_identified(self, identity: dict[str, Any]) -> None:
        for name, value in identity.items():
            assign(self, name, value)

    @Slot(object)
    def _on_failure(self, failure: Failure) -> None:
        self._set_error(failure, occurred=True)

    def _set_error(self, failure: Failure, occurred: bool) -> None:
        if assign(self, "error", int(failure.code)) and failure.code != ClientError.NoError:
            log.warning("S7Client %s: %s", self._where(), failure.text)  # once per change
        assign(self, "errorString", failure.text)
        if occurred:
            self.errorOccurred.emit()
