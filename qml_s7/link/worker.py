"""The I/O thread of one S7Client: a thin shell that moves jobs in and results out.

The GUI thread only submits (connect, disconnect, read, write, shutdown) and hears back through
queued signals. On the thread, :class:`~qml_s7.link.machine.LinkMachine` decides when to
connect, retry and check the link, and :class:`~qml_s7.link.executor.Executor` does the I/O.
Nothing is ever re-sent: python-snap7's own reconnect and heartbeat stay off (they re-send
writes and put a malformed frame on the wire, see docs/DESIGN.md).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from dataclasses import dataclass, field

from PySide6.QtCore import QThread, Signal

from ..core.errors import ClientError, Failure, Outcome
from ..core.jobs import ReadJob, WriteJob, WriteResult
from .executor import Executor, LinkLost, bug
from .machine import Action, LinkMachine, LinkParams, LinkState
from .snap7_client import CPU_UNKNOWN

log = logging.getLogger(__name__)

REPORT_S = 1.0  # the traffic figures, at most this often
_DESTROYING = Failure(ClientError.Destroying, "The client is being destroyed", Outcome.NOT_SENT)
_DISCONNECTED = Failure(ClientError.DisconnectError, "Disconnected on request", Outcome.NOT_SENT)


@dataclass(slots=True)
class _Control:
    kind: str  # "connect", "disconnect", "params", "stop"
    params: LinkParams | None = None


@dataclass(slots=True)
class _Queues:
    control: deque[_Control] = field(default_factory=deque)
    writes: deque[WriteJob] = field(default_factory=deque)
    reads: deque[ReadJob] = field(default_factory=deque)

    def __bool__(self) -> bool:
        return bool(self.control or self.writes or self.reads)


class Worker(QThread):
    """The thread of one S7Client. Signals reach the client's (GUI) thread queued."""

    stateChanged = Signal(int)  # LinkState
    failed = Signal(object)  # Failure
    identified = Signal(object)  # dict: moduleName, ..., pduLength, parallelJobs
    readDone = Signal(object)  # ReadResult
    writeDone = Signal(object)  # WriteResult
    cpuStateChanged = Signal(int)  # snap7_client.CPU_RUN / CPU_STOP / CPU_UNKNOWN, on changes
    statistics = Signal(object)  # dict of LinkStats.report(), at most once a second

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("qml-s7 worker")
        self._lock = threading.Condition()
        self._queues = _Queues()
        self._stopping = False
        self._machine = LinkMachine(on_state=self._state_changed)
        self._executor = Executor()
        self._cpu_state = CPU_UNKNOWN
        self._report_at = 0.0

    # -- GUI-thread API ------------------------------------------------------------------
    def connect_link(self, params: LinkParams) -> None:
        """Open the link with ``params`` (reconnecting after losses if they say so)."""
        self._post(_Control("connect", params))

    def disconnect_link(self) -> None:
        """Close the link and stop reconnecting; an attempt under way is cut short."""
        self._post(_Control("disconnect"))
        if self._machine.state == LinkState.Connecting:
            self._executor.abort()

    def update_params(self, params: LinkParams) -> None:
        """Use ``params`` from the next connection attempt on."""
        self._post(_Control("params", params))

    def read(self, job: ReadJob) -> None:
        """Queue a read; it goes out after every write queued before it."""
        with self._lock:
            self._queues.reads.append(job)
            self._lock.notify()

    def write(self, job: WriteJob) -> None:
        """Queue a write: sent once, in order, before pending reads."""
        with self._lock:
            self._queues.writes.append(job)
            self._lock.notify()

    def shutdown(self, wait_ms: int = 10000) -> bool:
        """Stop the thread, interrupting any blocking I/O; True once it has finished."""
        with self._lock:
            self._stopping = True
            self._queues.control.append(_Control("stop"))
            self._lock.notify()
        self._executor.abort(for_good=True)
        return self.wait(wait_ms) if self.isRunning() else True

    def _post(self, control: _Control) -> None:
        with self._lock:
            self._queues.control.append(control)
            self._lock.notify()

    # -- the thread ----------------------------------------------------------------------
    def run(self) -> None:
        try:
            while True:
                job = self._next_job()
                if isinstance(job, _Control):
                    if job.kind == "stop":
                        break
                    self._handle(job)
                elif isinstance(job, WriteJob):
                    self._write(job)
                elif isinstance(job, ReadJob):
                    self._read(job)
                self._do_what_is_due()
                self._report()
        finally:
            self._executor.close()
            self._machine.closed()
            self._fail_pending(_DESTROYING)

    def _next_job(self) -> _Control | WriteJob | ReadJob | None:
        """Control first, then writes, then reads; None when the machine has something due."""
        with self._lock:
            queues = self._queues
            while not queues:
                timeout = self._machine.wait()
                if timeout is not None and timeout <= 0:
                    return None
                self._lock.wait(timeout)
            for queue in (queues.control, queues.writes, queues.reads):
                if queue:
                    return queue.popleft()
        return None

    def _handle(self, control: _Control) -> None:
        if control.kind == "params" and control.params is not None:
            self._machine.update(control.params)
        elif control.kind == "connect" and control.params is not None:
            self._machine.connect(control.params)
        elif control.kind == "disconnect":
            self._machine.disconnect()
            self._executor.close()
            self._machine.closed()
            self._fail_pending(_DISCONNECTED)

    def _do_what_is_due(self) -> None:
        action = self._machine.due()
        if action is Action.OPEN:
            self._open()
        elif action is Action.CHECK:
            self._check()

    def _report(self) -> None:
        """The traffic figures, at most once a second (the link check wakes the thread)."""
        now = time.monotonic()
        if now >= self._report_at:
            self._report_at = now + REPORT_S
            self.statistics.emit(self._executor.stats.report())

    # -- link ----------------------------------------------------------------------------
    def _state_changed(self, state: LinkState) -> None:
        if state != LinkState.Connected:
            self._set_cpu_state(CPU_UNKNOWN)  # first: a client sees the state with the loss
        self.stateChanged.emit(int(state))

    def _set_cpu_state(self, state: int) -> None:
        if state != self._cpu_state:
            self._cpu_state = state
            self.cpuStateChanged.emit(state)

    def _open(self) -> None:
        params = self._machine.params
        if params is None or self._stopping:
            return
        self._machine.opening()
        try:
            opened = self._executor.open(params)
        except LinkLost as lost:
            self._machine.failed()  # first, so errorOccurred sees the real state
            if not self._stopping:
                self.failed.emit(lost.failure)
            return
        for warning in opened.warnings:
            self.failed.emit(warning)
        self.identified.emit(opened.identity)
        if not self._machine.opened():  # disconnected while the attempt ran
            self._executor.close()
            return
        self._check()  # the CPU's state from the start, not a second later

    def _check(self) -> None:
        try:
            state = self._executor.check()
        except LinkLost as lost:
            self._lose(lost.failure)
            return
        self._machine.checked()
        self._set_cpu_state(state)

    def _lose(self, failure: Failure) -> None:
        """The link broke: close it, report, fail what waits; the machine schedules a retry."""
        self._executor.close()
        self._machine.failed()
        if not self._stopping:
            self.failed.emit(failure)
        self._fail_pending(
            Failure(failure.code, f"Not sent, the link was lost: {failure.text}", Outcome.NOT_SENT)
        )

    def _fail_pending(self, failure: Failure) -> None:
        """Finish every queued read and write with ``failure``: nothing is left hanging."""
        with self._lock:
            writes, self._queues.writes = self._queues.writes, deque()
            reads, self._queues.reads = self._queues.reads, deque()
        for write in writes:
            self.writeDone.emit(WriteResult(write.ticket, write.key, failure))
        for read in reads:
            self.readDone.emit(self._executor.failed_read(read, failure))

    # -- data exchange -------------------------------------------------------------------
    def _read(self, job: ReadJob) -> None:
        try:
            result = self._executor.read(job, self.readDone.emit)
        except LinkLost as lost:
            self._lose(lost.failure)
            self.readDone.emit(self._executor.failed_read(job, lost.failure))
            return
        except Exception as exc:  # the executor judges every failure; this is the last net
            self.readDone.emit(self._executor.failed_read(job, bug("reading", exc)))
            return
        self.readDone.emit(result)

    def _write(self, job: WriteJob) -> None:
        try:
            result = self._executor.write(job)
        except LinkLost as lost:
            self._lose(lost.failure)
            self.writeDone.emit(WriteResult(job.ticket, job.key, lost.failure))
            return
        except Exception as exc:
            self.writeDone.emit(WriteResult(job.ticket, job.key, bug("writing", exc)))
            return
        self.writeDone.emit(result)
