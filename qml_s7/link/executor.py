"""The executor of one link: opens it, checks it, and carries out reads and writes on it.

Runs on the link's I/O thread (only :meth:`Executor.abort` may be called from elsewhere).
It owns the python-snap7 client (through :mod:`qml_s7.link.snap7_client`), the read plans
(with a decoder compiled per reply layout, :mod:`qml_s7.core.replydecode`) and the raw value
of each key's last read, so that unchanged values are neither decoded nor sent to the GUI
thread again.

Every failure is judged once, by :func:`~qml_s7.core.errors.interpret`. A refusal or a garbled
answer fails the request and keeps the link; a broken link raises :class:`LinkLost` to the
caller, which closes it and reconnects. An exception that is no PLC failure is a bug of ours:
its traceback is logged and the request fails with a text that says so; the thread lives on.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any

from ..core.address import Address
from ..core.codec import ByteOrder, CodecError, decoder
from ..core.errors import ClientError, Failure, Operation, Outcome, interpret, item_error
from ..core.jobs import ReadJob, ReadResult, WriteJob, WriteResult
from ..core.readplan import ItemError, ReadPlan, ReadSpec, ReplyLayout, UnreadableRange
from ..core.replydecode import CompiledReply, raw_key
from . import snap7_client as s7
from .machine import LinkParams
from .stats import LinkStats

log = logging.getLogger(__name__)

# Parallel jobs (AmQ) we ask for; the PLC's answer is what we use.
MAX_JOBS = 8
# Read plans kept per connection, keyed by their ranges (one per distinct poll group).
_PLAN_CACHE_SIZE = 32
# A part goes to the GUI thread at most this often. Each one costs both threads a wake-up and
# a turn at the interpreter lock: on loopback a whole batch is in within this time and goes
# as the final part alone; over a slow network the GUI thread works on values while later
# replies are on their way.
PART_INTERVAL_S = 0.002

NOT_CONNECTED = Failure(ClientError.ConnectError, "Not connected to the PLC", Outcome.NOT_SENT)


class LinkLost(Exception):
    """The link broke during a request: ``failure`` says how (its code, outcome and text)."""

    def __init__(self, failure: Failure) -> None:
        super().__init__(failure.text)
        self.failure = failure


@dataclass(frozen=True, slots=True)
class Opened:
    """A link that came up: what the CPU said about itself, and what went wrong on the way."""

    identity: dict[str, Any]  # moduleName, moduleTypeName, serialNumber, pduLength, parallelJobs
    warnings: tuple[Failure, ...]


def now_ms() -> int:
    """Milliseconds since the epoch, the unit of every stamp."""
    return int(time.time() * 1000)


def bug(what: str, exc: BaseException) -> Failure:
    """Log ``exc`` with its traceback as a bug of qml-s7; the failure a request reports for it."""
    log.error("qml-s7 internal error while %s", what, exc_info=exc)
    return Failure(
        ClientError.InvalidObject,
        f"{what[0].upper()}{what[1:]} failed: internal error in qml-s7 "
        f"({type(exc).__name__}: {exc}); the log has its traceback",
        bug=True,
    )


def describe(failure: Failure, timeout_ms: int) -> str:
    """The cause of ``failure`` for a text; a timeout says how long was waited."""
    if failure.code == ClientError.JobTimeout:
        return f"no answer within {timeout_ms} ms ({failure.text})"
    return failure.text


@dataclass(frozen=True, slots=True)
class _Prepared:
    """A cached read plan and, per address, the decoder for the job's byte order and how to
    get the raw value its changes are judged by (None: by its bytes; see replydecode)."""

    plan: ReadPlan
    decoders: tuple[Callable[[bytes], Any], ...]
    raw_keys: tuple[Callable[[bytes], Hashable] | None, ...]


Part = Callable[[ReadResult], None]
"""``part(result)``: a non-final part of a read, handed over from the I/O thread."""


class _Decoding:
    """The values of one read, decoded as the plan hands over final results.

    A reply that came back whole is decoded by the :class:`CompiledReply` of its layout (made
    once, kept in the layout); other results one by one. Either way a key whose raw value is
    the same as at its last good read (in ``last``) is neither decoded nor reported as a
    change; a refused item or undecodable bytes become a Failure and are forgotten. With a
    ``part`` callback, what the plan hands over early goes out as a non-final part, at most
    every ``interval`` seconds; what is left (and everything, without one) goes into the final part.
    """

    __slots__ = (
        "changes",
        "compiled",
        "done",
        "failures",
        "handed",
        "interval",
        "job",
        "keys",
        "last",
        "part",
        "prepared",
        "since",
    )

    def __init__(
        self,
        job: ReadJob,
        prepared: _Prepared,
        last: dict[int, Any],
        part: Part | None = None,
        interval: float = 0.0,
    ) -> None:
        self.job = job
        self.interval = interval
        self.prepared = prepared
        self.last = last
        self.part = part
        self.handed = 0  # results decoded so far
        self.since = time.perf_counter()  # when the job began or the last part went
        self.done = bytearray(len(job.keys))  # 1: decoded one by one
        self.compiled: list[tuple[int, ...]] = []  # the finals of replies decoded whole
        # the part being filled: its keys, changed values and failures
        self.keys: list[int] = []
        self.changes: dict[int, Any] = {}
        self.failures: dict[int, Failure] = {}

    def ready(self, results: list, indices: Sequence[int]) -> None:
        """Decode ``results`` at ``indices`` (a ReadPlan's ``ready`` callback); with a
        ``part`` callback, hand them over as a part."""
        self._decode(results, indices)
        self._hand_over()

    def reply(self, layout: ReplyLayout, data: bytes) -> None:
        """Decode a reply that came back whole (a ReadPlan's ``reply`` callback); with a
        ``part`` callback, hand its values over as a part."""
        compiled = layout.cache
        if compiled is None:
            compiled = layout.cache = self._compile(layout)
        self.handed += len(layout.finals)
        self.compiled.append(layout.finals)
        self.keys.extend(compiled.keys)
        try:
            errors = compiled.decode(data, self.last, self.changes)
        except Exception as exc:  # a bug of ours: these values fail, the rest go on
            failure = bug("decoding a read reply", exc)
            for key in compiled.keys:
                self.last.pop(key, None)
                self.changes.pop(key, None)
                self.failures[key] = failure
            errors = []
        for j, exc in errors:
            i = layout.finals[j]
            key = self.job.keys[i]
            self.last.pop(key, None)
            self.failures[key] = self._failure(i, exc)
        self._hand_over()

    def _hand_over(self) -> None:
        """Send what was decoded as a part, unless the final part will carry it soon."""
        if self.part is None or not self.keys or self.handed >= len(self.job.keys):
            return
        now = time.perf_counter()
        if now - self.since < self.interval:
            return
        self.since = now
        self.part(self._take(final=False))

    def _compile(self, layout: ReplyLayout) -> CompiledReply:
        job, decoders = self.job, self.prepared.decoders
        finals = layout.finals
        return CompiledReply(
            [job.keys[i] for i in finals],
            [job.addresses[i] for i in finals],
            layout.offsets,
            job.byte_order,
            [decoders[i] for i in finals],
        )

    def _failure(self, i: int, exc: Exception) -> Failure:
        """The failure of the value at ``i`` that its decoder raised ``exc`` for."""
        if isinstance(exc, CodecError):
            return Failure(ClientError.InvalidDataSizeRecvd, str(exc))
        return bug(f"decoding {self.job.addresses[i]}", exc)  # a bug in a decoder

    def _decode(self, results: list, indices: Sequence[int]) -> None:
        job, last = self.job, self.last
        decoders, raw_keys = self.prepared.decoders, self.prepared.raw_keys
        keys, changes, failures, part_keys = job.keys, self.changes, self.failures, self.keys
        self.handed += len(indices)
        done = self.done
        for i in indices:
            done[i] = 1
            key, data = keys[i], results[i]
            part_keys.append(key)
            if isinstance(data, ItemError):
                last.pop(key, None)
                failures[key] = Failure(
                    item_error(data.code),
                    f"Reading {job.addresses[i]} failed: {data.message}",
                    Outcome.REFUSED,
                )
                continue
            try:
                raw_of = raw_keys[i]
                raw = data if raw_of is None else raw_of(data)
                if last.get(key) == raw:
                    continue
                value = decoders[i](data)
            except Exception as exc:  # the value fails, the rest go on
                last.pop(key, None)
                failures[key] = self._failure(i, exc)
                continue
            last[key] = raw
            changes[key] = value

    def _take(self, final: bool) -> ReadResult:
        """The part filled so far (and a fresh one to fill)."""
        result = ReadResult(
            self.job.job, tuple(self.keys), self.changes, self.failures, now_ms(), final
        )
        self.keys, self.changes, self.failures = [], {}, {}
        return result

    def finish(self, raw: list[bytes | ItemError | None]) -> ReadResult:
        """Decode what was not handed over early; the final part."""
        done = self.done
        if self.handed < len(done):
            for finals in self.compiled:
                for i in finals:
                    done[i] = 1
            self._decode(raw, [i for i, handed in enumerate(done) if not handed])
        return self._take(final=True)


class Executor:
    """Opens, checks, reads and writes one link (see the module doc)."""

    def __init__(self) -> None:
        self._client: Any = None
        self._connection: s7.IsoConnection | None = None
        self._params: LinkParams | None = None
        self._aborting = False
        # Plans by (PDU length, layout, byte order, keys). Kept across reconnects: planning
        # thousands of ranges costs milliseconds of CPU that would compete with the GUI thread
        # for the interpreter just when the panel comes back to life.
        self._plans: dict[tuple[int, int, ByteOrder, tuple[int, ...]], _Prepared] = {}
        self._jobs_in_flight = 1  # the parallel jobs (AmQ) the PLC granted
        # Per key, the raw value of its last good read (its bytes, or the integer they unpack
        # to: replydecode.raw_key): an equal one is not decoded again nor sent to the GUI
        # thread as a new value. Valid for one (layout, byte order): a key may stand
        # for another address in another layout.
        self._last: dict[int, Any] = {}
        self._last_context = (0, ByteOrder.BigEndian)
        self.stats = LinkStats()  # traffic figures across reconnects
        self.part_interval = PART_INTERVAL_S  # the least time between two parts of a read

    @property
    def connected(self) -> bool:
        """A link is open."""
        return self._client is not None

    # -- the link -----------------------------------------------------------------------------
    def open(self, params: LinkParams) -> Opened:
        """Connect, negotiate and identify; raises LinkLost when the attempt fails."""
        connection = s7.IsoConnection(
            params.host,
            params.port,
            local_tsap=params.local_tsap,
            remote_tsap=params.derived_remote_tsap,
            stats=self.stats,
        )
        self._connection = connection
        if self._aborting:  # abort() ran before it could see this connection
            connection.abort()
        what = f"Connecting to {params.where} failed"
        operation = Operation.CONNECT
        try:
            # python-snap7's connect() hard-codes a 5 s timeout; open the ISO link ourselves
            # with the user's timeout and negotiate the PDU on it.
            connection.connect(timeout=params.connect_timeout_ms / 1000)
            operation = Operation.NEGOTIATE
            client = s7.new_client(connection, params.local_tsap, params.derived_remote_tsap)
            jobs = s7.negotiate(client, MAX_JOBS)
            operation = Operation.IDENTIFY
            identity, warnings = self._identify(client, params)
        except Exception as exc:
            if operation is Operation.CONNECT:
                operation = connection.phase  # TCP or the ISO handshake
            connection.disconnect()
            self._connection = None
            failure = interpret(exc, operation, sent=connection.sent > 0)
            if failure is None:
                failure = bug(f"connecting to {params.where}", exc)
            elif not failure.link_lost:  # a refusal while connecting still fails the attempt
                failure = Failure(failure.code, failure.text, failure.outcome, link_lost=True)
            if connection.aborted:
                failure = failure.saying("the link was closed while connecting")
            raise LinkLost(
                failure.saying(f"{what}: {describe(failure, params.connect_timeout_ms)}")
            ) from None
        connection.attempt_done(params.request_timeout_ms / 1000)
        self._client, self._params = client, params
        self._jobs_in_flight = jobs
        identity["parallelJobs"] = jobs
        return Opened(identity, warnings)

    def _identify(
        self, client: Any, params: LinkParams
    ) -> tuple[dict[str, Any], tuple[Failure, ...]]:
        """The CPU's identity; a CPU that refuses SZL 0x001C leaves the names empty."""
        identity: dict[str, Any] = {"pduLength": s7.pdu_length(client)}
        try:
            info = s7.identify(client)
        except Exception as exc:
            failure = interpret(exc, Operation.IDENTIFY, sent=True)
            if failure is None or failure.link_lost:
                raise
            text = f"CPU at {params.where} refused its identification (SZL 0x001C): {exc}"
            return identity, (Failure(ClientError.FunctionRefused, text, Outcome.REFUSED),)
        identity.update(
            moduleName=_text(info.ModuleName),
            moduleTypeName=_text(info.ModuleTypeName),
            serialNumber=_text(info.SerialNumber),
        )
        return identity, ()

    def close(self) -> None:
        """Close the link (if open) and forget the bytes read on it (the plans stay)."""
        client, self._client = self._client, None
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.disconnect()
        if client is not None:
            s7.release(client)
        self._last.clear()
        self.stats.closed()

    def abort(self, for_good: bool = False) -> None:
        """Break a blocking exchange or connection attempt now (from any thread).

        ``for_good``: every later attempt is broken too (the thread is shutting down).
        """
        if for_good:
            self._aborting = True
        connection = self._connection
        if connection is not None:
            connection.abort()

    def check(self) -> int:
        """The keep-alive request; the CPU's state (``snap7_client.CPU_*``). Raises LinkLost
        when the link is dead."""
        params = self._params
        if self._client is None or params is None:
            return s7.CPU_UNKNOWN
        sent_before = self._sent()
        try:
            return s7.check(self._client)
        except Exception as exc:
            failure = interpret(exc, Operation.CHECK, sent=self._sent() > sent_before)
            if failure is None:
                failure = bug(f"checking the link to {params.where}", exc)
            if failure.link_lost or failure.bug:
                text = f"Link check with {params.where} failed: "
                raise LinkLost(
                    failure.saying(text + describe(failure, params.request_timeout_ms))
                ) from None
            return s7.CPU_UNKNOWN  # a well-formed refusal: the link is alive, the state unknown

    def _sent(self) -> int:
        connection = self._connection
        return connection.sent if connection is not None else 0

    # -- reads --------------------------------------------------------------------------------
    def read(self, job: ReadJob, part: Part | None = None) -> ReadResult:
        """Read ``job``; raises LinkLost if the link broke.

        ``part`` (called on this thread) gets the values decoded so far as a non-final part,
        at most every ``part_interval`` seconds, while later replies are in flight; the
        returned result is the final part, with every key not handed over yet. A job that
        fails as a whole is one final result with every key failed, also when parts went out
        before.
        """
        client, params = self._client, self._params
        if client is None or params is None:
            return self.failed_read(job, NOT_CONNECTED)
        sent_before = self._sent()
        started = time.monotonic()
        try:
            prepared = self._prepared(job)
            decoding = _Decoding(job, prepared, self._last, part, self.part_interval)
            raw = prepared.plan.execute(
                s7.ClientTransport(client), self._jobs_in_flight, decoding.ready, decoding.reply
            )
        except UnreadableRange as exc:
            failure = Failure(ClientError.InvalidParams, f"Cannot read: {exc}", Outcome.NOT_SENT)
            return self.failed_read(job, failure)
        except Exception as exc:
            failure = interpret(exc, Operation.READ, sent=self._sent() > sent_before)
            if failure is None:
                return self.failed_read(job, bug(f"reading from {params.where}", exc))
            if failure.link_lost:
                cause = describe(failure, params.request_timeout_ms)
                text = f"Reading from {params.where} failed: {cause}"
                raise LinkLost(failure.saying(text)) from None
            if failure.outcome is Outcome.REFUSED:
                text = f"Read refused by the PLC: {failure.text}"
            else:
                text = f"Reading from {params.where} failed: the PLC's answer is malformed ({exc})"
            return self.failed_read(job, failure.saying(text))
        result = decoding.finish(raw)
        self.stats.cycled(time.monotonic() - started)
        return result

    def failed_read(self, job: ReadJob, failure: Failure) -> ReadResult:
        """``job`` failed as a whole with ``failure``."""
        self.stats.failed()
        last = self._last
        for key in job.keys:
            last.pop(key, None)
        return ReadResult(job.job, job.keys, {}, dict.fromkeys(job.keys, failure), now_ms())

    def _prepared(self, job: ReadJob) -> _Prepared:
        """The cached plan and decoders of ``job`` (found by layout, byte order and keys)."""
        context = (job.layout, job.byte_order)
        if context != self._last_context:
            self._last.clear()
            self._last_context = context
        plan_key = (s7.pdu_length(self._client), job.layout, job.byte_order, job.keys)
        prepared = self._plans.get(plan_key)
        if prepared is None:
            specs = [ReadSpec(int(a.area), a.db, a.start, a.size) for a in job.addresses]
            prepared = _Prepared(
                ReadPlan(specs, s7.pdu_length(self._client)),
                tuple(decoder(a, job.byte_order) for a in job.addresses),
                tuple(raw_key(a, job.byte_order) for a in job.addresses),
            )
            if len(self._plans) >= _PLAN_CACHE_SIZE:
                self._plans.pop(next(iter(self._plans)))
            self._plans[plan_key] = prepared
        return prepared

    # -- writes -------------------------------------------------------------------------------
    def write(self, job: WriteJob) -> WriteResult:
        """Write ``job`` once. Its failure says whether it was not sent, refused or unknown.

        Raises LinkLost (whose ``failure`` is the write's own) when the link broke.
        """
        # The next read of this key must deliver its value: a read the variable ignored while
        # this write was pending may have left bytes here that no longer match what it shows.
        self._last.pop(job.key, None)
        client, params = self._client, self._params
        if client is None or params is None:
            return WriteResult(job.ticket, job.key, NOT_CONNECTED)
        address = job.address
        sent_before = self._sent()
        try:
            _write(client, address, job.payload)
        except Exception as exc:
            failure = interpret(exc, Operation.WRITE, sent=self._sent() > sent_before)
            if failure is None:
                failure = bug(f"writing to {address}", exc)
            else:
                failure = failure.saying(_write_text(address, params, failure))
            self.stats.failed()
            if failure.link_lost:
                raise LinkLost(failure) from None
            return WriteResult(job.ticket, job.key, failure)
        return WriteResult(job.ticket, job.key, None)


def _write(client: Any, address: Address, payload: bytes) -> None:
    bit = address.bit if address.is_bit else None
    s7.write(client, int(address.area), address.db, address.start, payload, bit)


def _write_text(address: Address, params: LinkParams, failure: Failure) -> str:
    """What a failed write tells the panel: what happened to it, and why."""
    if failure.outcome is Outcome.REFUSED:
        return f"Write to {address} refused by the PLC: {failure.text}"
    fate = "its outcome is unknown" if failure.outcome is Outcome.UNKNOWN else "it was not sent"
    if failure.link_lost:
        cause = describe(failure, params.request_timeout_ms)
        return f"Write to {address} interrupted, {fate}: Writing to {params.where} failed: {cause}"
    return f"Write to {address} failed, {fate}: the PLC's answer is malformed ({failure.text})"


def _text(value: bytes | str) -> str:
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    return value.split("\x00", 1)[0].strip()
