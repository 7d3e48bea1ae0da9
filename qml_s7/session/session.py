"""The session of one client: what stands between the QML types and the I/O thread.

An S7Client owns one :class:`Session`. Each S7Variable talks to it through one small public
interface: :meth:`~Session.attach` (gives the variable its :class:`Member`),
:meth:`~Session.set_address`, :meth:`~Session.set_intervals`, :meth:`~Session.set_enabled`,
:meth:`~Session.poll_now`, :meth:`~Session.write` (returns a ticket) and
:meth:`~Session.detach` (``qmltypes/clientface.py``'s ``ClientSession``, which the remote
client's session gives too); it hears back through its :class:`VariableSink`. The session batches
the due reads of one event-loop turn into one job, keeps track of the jobs in flight, and
hands results back in slices of a few milliseconds, so that thousands of values never stall
the GUI thread. The client drives the link with :meth:`~Session.connect_link` and friends and
hears its state through the session's signals.
"""

from __future__ import annotations

import atexit
from collections import deque
from collections.abc import Callable
from itertools import chain
from time import perf_counter
from typing import Any

import shiboken6
from PySide6.QtCore import QCoreApplication, QObject, QTimer, Signal, Slot

from ..core.address import Address
from ..core.codec import ByteOrder
from ..core.jobs import ReadJob, ReadResult, WriteJob, WriteResult
from ..link.executor import now_ms
from ..link.machine import LinkParams, LinkState
from ..link.snap7_client import CPU_STOP, CPU_UNKNOWN
from ..link.worker import Worker
from .member import Hearing, Member, VariableSink
from .scheduler import PollGroup, PollScheduler
from .table import Call, Notice, Sources, ValueTable

# Applying poll results: at most this long per event-loop turn, checked every _CHUNK values.
# Between two slices the I/O thread gets the interpreter lock and goes on with the replies.
_SLICE_S = 0.002
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


def running_workers() -> int:
    """How many worker threads are alive (tests check that none leaks)."""
    return len(_workers)


atexit.register(shutdown_all)


def _hook_quit() -> None:
    """Stop all workers when the application quits (hooked once per application)."""
    app = QCoreApplication.instance()
    if app is not None and not app.property("qmlS7QuitHooked"):
        app.aboutToQuit.connect(shutdown_all)
        app.setProperty("qmlS7QuitHooked", True)


class _Broadcast:
    """One event for every variable (the link went down or up, the CPU stopped or runs),
    handed over a slice at a time: ``calls`` are the variables' bound handlers."""

    __slots__ = ("calls", "index")

    def __init__(self, calls: list[Callable[[], None]]) -> None:
        self.calls = calls
        self.index = 0

    def apply(self, deadline: float) -> bool:
        """Call from the last stop on; False when the time slice ran out first."""
        calls, count = self.calls, len(self.calls)
        while self.index < count:
            stop = min(count, self.index + _CHUNK)
            for call in calls[self.index : stop]:
                call()
            self.index = stop
            if stop < count and perf_counter() > deadline:
                return False
        return True


class Session(QObject):
    """One client's link, members and poll batches (see the module doc)."""

    stateChanged = Signal(int)  # LinkState
    failed = Signal(object)  # Failure: the link's, for the client's error
    identified = Signal(object)  # dict: moduleName, ..., pduLength, parallelJobs
    cpuStateChanged = Signal(int)  # snap7_client.CPU_RUN / CPU_STOP / CPU_UNKNOWN
    statistics = Signal(object)  # dict: the link's traffic figures and the poll overruns
    batchSent = Signal(int)  # job number of a read batch handed to the I/O thread
    batchApplied = Signal(int)  # job number of a read batch whose results are all applied

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.state = LinkState.Unconnected
        self.cpu_state = CPU_UNKNOWN
        self.byte_order = ByteOrder.BigEndian
        self._poll_interval = 0
        self._members: dict[int, Member] = {}
        self._table = ValueTable()  # latest values and stamps; who hears which reads
        self._next_key = 0
        self._next_ticket = 0
        self._next_job = 0
        self._layout = 0  # bumped when a key may stand for another address (keys worker plans)
        self._jobs: dict[int, tuple[list[PollGroup], tuple[int, ...]]] = {}  # reads in flight
        self._single_in_flight: set[int] = set()  # keys polled with poll_now() being read
        self._inbox: deque[ReadResult | WriteResult | _Broadcast] = deque()
        # owed by the first read result in the inbox: calls, then change notices
        self._owed: tuple[list[Call], list[Notice]] | None = None
        self._cursor = 0  # how far they have been made
        self._drain_timer = QTimer(self)
        self._drain_timer.setSingleShot(True)
        self._drain_timer.setInterval(0)
        self._drain_timer.timeout.connect(self._drain)
        self._scheduler = PollScheduler(self._send_reads, self)
        self._worker = worker = Worker()
        _workers.add(worker)
        worker.stateChanged.connect(self._on_state)
        worker.cpuStateChanged.connect(self._on_cpu_state)
        worker.statistics.connect(self._on_statistics)
        worker.failed.connect(self.failed)
        worker.identified.connect(self.identified)
        worker.readDone.connect(self._on_result)
        worker.writeDone.connect(self._on_result)
        worker.start()
        # destroyed() runs while the C++ object dies: capture the worker, not self.
        self.destroyed.connect(lambda: _stop(worker))
        _hook_quit()

    # -- the link -----------------------------------------------------------------------------
    @property
    def thread(self) -> Worker:
        """The I/O thread of this session (tests and benchmarks watch it)."""
        return self._worker

    @property
    def connected(self) -> bool:
        """The link is up."""
        return self.state == LinkState.Connected

    def connect_link(self, params: LinkParams) -> None:
        """Open the link (and keep it open, if ``params`` say so)."""
        self._worker.connect_link(params)

    def disconnect_link(self) -> None:
        """Close the link and stop reconnecting."""
        self._worker.disconnect_link()

    def update_params(self, params: LinkParams) -> None:
        """Use ``params`` from the next connection attempt on."""
        self._worker.update_params(params)

    @Slot(int)  # a slot, so that Qt drops the connection when this session is destroyed
    def _on_state(self, state: int) -> None:
        was_connected = self.connected
        self.state = LinkState(state)
        if was_connected != self.connected:
            # Every variable hears of it, in slices like poll results: with thousands of
            # variables at once the GUI thread would stall for tens of milliseconds.
            self._tell_members("link_up" if self.connected else "link_down")
        self.stateChanged.emit(state)

    @Slot(int)
    def _on_cpu_state(self, state: int) -> None:
        was_stopped = self.cpu_stopped
        self.cpu_state = state
        if was_stopped != self.cpu_stopped:
            self._tell_members("cpu_state_changed")
        self.cpuStateChanged.emit(state)

    @Slot(object)
    def _on_statistics(self, figures: dict[str, Any]) -> None:
        self.statistics.emit({**figures, "overruns": self._scheduler.overruns})

    @property
    def cpu_stopped(self) -> bool:
        """The CPU reports STOP: its memory is read, but no program keeps it current."""
        return self.cpu_state == CPU_STOP

    def _tell_members(self, event: str) -> None:
        self._inbox.append(_Broadcast([getattr(m.sink, event) for m in self._members.values()]))
        if not self._drain_timer.isActive():
            self._drain()

    # -- members ------------------------------------------------------------------------------
    def attach(self, sink: VariableSink) -> Member:
        """Take a variable in; the member it gets back names it in every later call."""
        self._next_key += 1
        member = Member(self._next_key, sink)
        self._members[member.key] = member
        self._table.add(member.key, sink.read_finished)
        self._reschedule(member)
        return member

    def detach(self, member: Member) -> None:
        """Let a variable go (it moved to another client or is being destroyed)."""
        self._members.pop(member.key, None)
        self._table.remove(member.key)
        self._single_in_flight.discard(member.key)
        if shiboken6.isValid(self._scheduler):  # not while this session is being destroyed
            self._scheduler.forget(member)

    def listen(
        self,
        member: Member,
        hearing: Hearing,
        value: Any = None,
        stamp: int = 0,
        notify: Callable[[], None] | None = None,
    ) -> Sources | None:
        """``member`` hears ``hearing`` of the poll from now on (see :class:`Hearing`);
        ``notify`` (its ``dataChanged.emit``) tells it of each change while it hears CHANGES.
        One that stops hearing every read hands over the ``value`` and ``stamp`` it shows and
        gets back the functions that give its value and read stamp from then on."""
        return self._table.hear(member.key, hearing, value, stamp, notify)

    def set_address(self, member: Member, address: Address | None, tag: str) -> None:
        """``member`` reads ``address`` from now on (None: nothing); ``tag`` is its name."""
        member.tag = tag
        if address == member.address:
            return
        member.address = address
        self._layout += 1
        self._scheduler.address_changed(member)

    def set_intervals(self, member: Member, intervals: frozenset[int]) -> None:
        """Poll ``member`` at these intervals (ms), besides the client-wide poll interval."""
        member.intervals = intervals
        self._reschedule(member)

    def set_enabled(self, member: Member, enabled: bool) -> None:
        """Poll ``member`` only while it is enabled."""
        member.enabled = enabled
        self._reschedule(member)

    @property
    def poll_interval(self) -> int:
        """The client-wide poll interval in ms (0: off)."""
        return self._poll_interval

    @poll_interval.setter
    def poll_interval(self, interval: int) -> None:
        self._poll_interval = interval
        for member in self._members.values():
            self._reschedule(member)

    def _reschedule(self, member: Member) -> None:
        intervals = member.intervals
        if self._poll_interval > 0:
            intervals = intervals | {self._poll_interval}
        self._scheduler.set_intervals(member, intervals if member.enabled else frozenset())

    def poll_now(self, member: Member) -> None:
        """Read ``member`` with every other read asked for in this event-loop turn."""
        self._scheduler.poll_now(member)

    def tick(self, interval: int) -> None:
        """Poll the members of ``interval`` now, as their timer would (benchmarks use it)."""
        self._scheduler.tick(interval)

    def write(self, member: Member, payload: bytes, value: Any) -> int:
        """Queue a write of ``payload`` to ``member``'s address; the ticket its result carries.
        (``value``, what the payload holds, is for sessions that send values, not bytes.)"""
        assert member.address is not None, "write() needs an address"
        self._next_ticket += 1
        self._worker.write(WriteJob(self._next_ticket, member.key, member.address, payload))
        return self._next_ticket

    # -- reads --------------------------------------------------------------------------------
    def _send_reads(self, groups: list[PollGroup], members: list[Member]) -> None:
        """Send one read batch: the due groups' cached parts and the members polled now."""
        if not self.connected:
            return  # variables are marked invalid when the link goes down
        parts = [g.part() for g in groups]
        pending = self._single_in_flight
        singles = [
            (m.key, m.address)
            for m in members
            if m.address is not None and m.key not in pending and m.key in self._members
        ]
        if singles:
            parts.append((tuple(k for k, _ in singles), tuple(a for _, a in singles)))
        if len(parts) == 1:
            keys, addresses = parts[0]
        else:  # several parts in one turn: one batch, each member once
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
        self._worker.read(ReadJob(self._next_job, keys, addresses, self.byte_order, self._layout))
        self.batchSent.emit(self._next_job)

    # -- results ------------------------------------------------------------------------------
    @Slot(object)
    def _on_result(self, result: ReadResult | WriteResult) -> None:
        self._inbox.append(result)  # writes behind the reads answered before them
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
            if isinstance(item, _Broadcast):
                if not item.apply(deadline):
                    self._drain_timer.start()
                    return
                inbox.popleft()
                continue
            if isinstance(item, WriteResult):
                inbox.popleft()
                member = self._members.get(item.key)
                if member is not None:
                    member.sink.write_finished(item.ticket, item.failure, now_ms())
                continue
            if not self._apply(item, deadline):
                self._drain_timer.start()
                return
            inbox.popleft()

    def _apply(self, result: ReadResult, deadline: float) -> bool:
        """Apply ``result`` from the cursor on; False when the time slice ran out first."""
        owed = self._owed
        if owed is None:
            owed = self._owed = self._table.take(result)
        calls, notices = owed
        table, stamp = self._table, result.stamp
        attached, hearing_changes = table.attached, table.hearing_changes
        index, count = self._cursor, len(calls) + len(notices)
        while index < count:
            # keys detached (or, for notices, woken) while the result waited are skipped
            if index < len(calls):
                stop = min(len(calls), index + _CHUNK)
                for key, sink, value in calls[index:stop]:
                    if key in attached:
                        sink(value, stamp)
            else:
                stop = min(count, index + _CHUNK)
                base = len(calls)
                for key, notify in notices[index - base : stop - base]:
                    if key in hearing_changes:
                        notify()  # dataChanged.emit: the table holds the value
            index = stop
            if index < count and perf_counter() > deadline:
                self._cursor = index
                return False
        self._cursor = 0
        self._owed = None
        if self._single_in_flight:  # read and shown: a poll_now() may ask for them again
            self._single_in_flight.difference_update(result.keys)
        if result.final:
            groups, single_keys = self._jobs.pop(result.job, ((), ()))
            for group in groups:
                group.busy = False
            self._single_in_flight.difference_update(single_keys)
            self.batchApplied.emit(result.job)
        return True

    @property
    def applying(self) -> bool:
        """Results are still being handed to the variables."""
        return bool(self._inbox)
