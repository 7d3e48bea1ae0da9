"""S7Variable: one PLC address bound to ``data``. Reads and writes go through its client: an
S7Client, or an S7RemoteClient (a gateway's values through a broker); see clientface.py."""

from __future__ import annotations

import logging
from enum import IntEnum
from typing import Any

import shiboken6
from PySide6.QtCore import Property, QEnum, QObject, Signal, Slot
from PySide6.QtQml import QmlElement

from ..core.address import Address, AddressError, VariableType, address_for_type, parse_address
from ..core.codec import DATA_TYPE_NAME, CodecError, decode, encode
from ..core.errors import ClientError, Failure, Outcome
from ..core.jobs import UNCHANGED
from ..core.quality import Quality, Severity, describe, severity
from ..history.journal import journal
from ..history.policy import Mode
from ..session.member import Hearing, Member
from .clientface import ClientFace, ClientSession
from .dataobject import DATA_HEARD, TIMESTAMP_HEARD, DataObject, now_ms
from .logging import S7Logging, sample_filter
from .props import assign, notified, storage_key

QML_IMPORT_NAME = "QmlS7"
QML_IMPORT_MAJOR_VERSION = 1

log = logging.getLogger(__name__)


class VariableError(IntEnum):
    """S7Variable.Error: the original three, then PLC-side failures (extensions)."""

    NoError = 0
    InvalidClientError = 1  # no client (S7Client, S7RemoteClient) to send through
    NameParseError = 2  # the name (or type/db/address/bit) is not an address
    ConnectionError = 3  # not connected, or the link broke during the request
    ReadError = 4  # the PLC refused the read (address out of range, missing DB, ...)
    WriteError = 5  # the PLC refused the write, or its outcome is unknown
    InvalidValueError = 6  # the value does not fit the type; nothing was sent


# Errors that a later successful read or write clears (configuration errors stay).
_TRANSIENT = frozenset(
    {
        VariableError.ConnectionError,
        VariableError.ReadError,
        VariableError.WriteError,
        VariableError.InvalidValueError,
    }
)
# The quality of a variable that has not been completed, attached and connected yet.
_FIRST_QUALITY = Quality.BadNotConnected
# Bad qualities that a link coming up or going down changes (the others stay).
_AWAITING = frozenset(
    {
        Quality.BadNotConnected,
        Quality.BadNoCommunication,
        Quality.BadNoCommunicationLastUsable,
        Quality.BadWaitingForInitialData,
    }
)
_UNLOGGED = frozenset({VariableError.NoError, VariableError.ConnectionError})
_LINK_CODES = frozenset(
    {
        ClientError.ConnectError,
        ClientError.DisconnectError,
        ClientError.SendPacket,
        ClientError.RecvPacket,
        ClientError.JobTimeout,
        ClientError.Destroying,
    }
)


# Where the fast path of read_finished() finds these properties' values (see props.py).
_VALID = storage_key("valid")
_ERROR = storage_key("error")
_TIMESTAMP = storage_key("timestamp")
_QUALITY = storage_key("quality")  # set whenever ``valid`` is (by _set_quality)
# Made on first use only (ten thousand unlogged variables cost nothing), in __dict__: the
# ``logging`` settings; the offer() of their SampleFilter while the mode is not Off (the one
# lookup the fast path makes); journal keys of writes in flight (ticket -> key).
_LOGGING = "_logging"
_SAMPLER = "_sampler"
_AUDITED = "_audited"
# How much of the poll the session was told this variable hears (a Hearing); None until the
# next good read settles it, and meanwhile the session hands it every read.
_HEARING = "_hearing"
# A write's outcome in the audit trail, from what is known of its Failure.
_OUTCOMES = {
    Outcome.NOT_SENT: "not_sent",
    Outcome.REFUSED: "refused",
    Outcome.UNKNOWN: "unknown",
}


@QmlElement
class S7Variable(DataObject):
    """A PLC variable: ``name`` is its address; ``data`` follows the PLC and writes to it."""

    Type = QEnum(IntEnum("Type", {t.name: t.value for t in VariableType}))
    Error = QEnum(IntEnum("Error", {e.name: e.value for e in VariableError}))
    Quality = QEnum(IntEnum("Quality", {q.name: q.value for q in Quality}))

    addressChanged = Signal()
    bitChanged = Signal()
    clientChanged = Signal()
    dbChanged = Signal()
    enabledChanged = Signal()
    errorChanged = Signal()
    errorStringChanged = Signal()
    typeChanged = Signal()
    validChanged = Signal()
    qualityChanged = Signal()
    qualityStringChanged = Signal()
    s7TypeChanged = Signal()
    connectedChanged = Signal()
    errorOccurred = Signal()
    written = Signal()  # extension: the PLC confirmed a write of this variable
    # Extensions: each write's course, for whoever must learn the outcome of its own write (the
    # gateway answers a request with it). writeStarted(ticket) as a write is sent;
    # writeFinished(ticket, outcome, text) as it ends: outcome as in the audit trail,
    # "confirmed", "refused", "unknown", "not_sent" or "invalid", ticket 0 when never sent.
    writeStarted = Signal(int)
    writeFinished = Signal(int, str, str)

    # -- what a change of a property sets off (named by the properties below) ----------------
    def _address_field_changed(self) -> None:
        self._rebuild_address()

    def _client_changed(self) -> None:
        self._attach()
        if self._symbolic:  # the tag tables may be other ones now
            self._resolve_name()

    def _enabled_changed(self) -> None:
        if self._session is not None and self._member is not None:
            self._session.set_enabled(self._member, self.enabled)
        self._set_quality(self._idle_quality())

    address = notified("address", int, 0, addressChanged, after=_address_field_changed)
    bit = notified("bit", int, 0, bitChanged, after=_address_field_changed)
    client = notified("client", QObject, None, clientChanged, after=_client_changed)
    db = notified("db", int, 0, dbChanged, after=_address_field_changed)
    enabled = notified("enabled", bool, True, enabledChanged, after=_enabled_changed)
    error = notified("error", int, 0, errorChanged, readonly=True)
    errorString = notified("errorString", str, "", errorStringChanged, readonly=True)
    type = notified("type", int, 0, typeChanged, after=_address_field_changed)
    # Extensions: the quality of ``data`` (a Siemens quality byte, see core/quality.py), its
    # text, ``valid`` (the quality is good), and the exact S7 type (also for extended types).
    quality = notified("quality", int, int(_FIRST_QUALITY), qualityChanged, readonly=True)
    qualityString = notified(
        "qualityString", str, describe(_FIRST_QUALITY), qualityStringChanged, readonly=True
    )
    valid = notified("valid", bool, False, validChanged, readonly=True)
    s7Type = notified("s7Type", str, "", s7TypeChanged, readonly=True)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._address: Address | None = None
        self._named: Address | None = None  # what ``name`` parsed to (it keeps extended types)
        self._symbolic = False  # ``name`` is no address: a tag of the client's tag tables
        self._names_pending = False  # a tag name the client cannot judge yet (names to come)
        self._client: ClientFace | None = None
        self._session: ClientSession | None = None  # the resolved client's session
        self._member: Member | None = None  # this variable's place in it
        self._intervals: dict[object, int] = {}  # Polling objects -> their interval
        self._plc_value: Any = None  # the last value the PLC confirmed
        self._writes: dict[int, Any] = {}  # ticket -> value of writes in flight

    # -- what the variable hears of the poll ------------------------------------------------
    def listened(self) -> None:
        """A new listener (a late one too) hears every later change: hear the poll again."""
        self._wake()

    def _settle(self) -> None:
        """After a good read: tell the session how much of the poll this variable must hear.

        Nothing, while nobody listens: the session's table keeps ``data`` and ``timestamp``
        and a batch costs this variable no work. Its changes, while only ``dataChanged`` is
        heard: the session emits it, and the table keeps both values. Every read otherwise.
        """
        state = self.__dict__
        hearing = Hearing.EVERY
        if not (
            state["_writes"]
            or _SAMPLER in state
            or state.get(TIMESTAMP_HEARD)
            or state.get(_ERROR)
            or not state.get(_VALID)
        ):
            wanted = Hearing.CHANGES if state.get(DATA_HEARD) else Hearing.NOTHING
            notify = self.dataChanged.emit if wanted is Hearing.CHANGES else None
            assert self._session is not None and self._member is not None
            sources = self._session.listen(
                self._member, wanted, state["_plc_value"], state[_TIMESTAMP], notify
            )
            if sources is not None:
                hearing = wanted
                self.showFrom(*sources)
        state[_HEARING] = hearing

    def _wake(self) -> None:
        """Hear every read again, with ``data`` and ``timestamp`` as the table kept them: before
        anything but a good read changes this variable's state."""
        state = self.__dict__
        hearing = state.get(_HEARING)
        if hearing is None:
            return
        state[_HEARING] = None
        if hearing is Hearing.EVERY:
            return
        state["_plc_value"] = self.keepShown()  # no signal: nobody listened to the changes
        assert self._session is not None and self._member is not None
        self._session.listen(self._member, Hearing.EVERY)

    # -- addressing ------------------------------------------------------------------------
    def nameChanging(self) -> None:
        self._resolve_name()
        if _SAMPLER in self.__dict__:
            self._log_setup()  # the tag is the name

    def _resolve_name(self) -> None:
        """``name`` as an address, or as a tag of the client's tag tables."""
        name = self.name
        self._names_pending = False
        if not name.strip():
            self._named = None
            self._symbolic = False
            self._rebuild_address()
            return
        try:
            named = parse_address(name)
            self._symbolic = False
        except AddressError as exc:
            self._symbolic = True
            found = self._symbol_address(name, exc)
            if found is None:
                return
            named = found
        self._named = named
        for prop, value in (
            ("type", int(named.type)),
            ("db", named.db),
            ("address", named.start),
            ("bit", named.bit),
        ):
            assign(self, prop, value)
        self._use(named)

    def _symbol_address(self, name: str, exc: AddressError) -> Address | None:
        """The address of the tag ``name`` in the client's tag tables; None after saying why
        there is none (once complete: before, the client and its tables are not known). A
        client that cannot judge it yet (a gateway's catalog still to come) says nothing: the
        variable waits, without an error, for ``symbolsChanged``."""
        client = self._client
        symbol = client.symbol(name) if client is not None else None
        if symbol is not None:
            return symbol.address
        text = ""
        if self.isComplete:
            text = client.unknown_name(name, exc) if client is not None else _no_client(name, exc)
        self._names_pending = self.isComplete and not text
        self._named = None
        self._use(None)
        self._set_quality(self._idle_quality())  # waiting for names, or wrong: either is new
        if text:
            self._set_error(VariableError.NameParseError, text)
        return None

    @Slot()  # a slot: PySide6 calls no plain method of a variable QML added to
    def _symbols_changed(self) -> None:
        if self._symbolic:
            self._resolve_name()

    def _rebuild_address(self) -> None:
        """The address from type/db/address/bit (or, for extended types, the parsed name)."""
        if not self.isComplete:
            return
        named = self._named
        try:
            if self.type:
                address = address_for_type(self.type, self.db, self.address, self.bit)
            elif named is not None:
                address = Address(
                    named.area, self.db, self.address, self.bit, named.datatype, named.length
                )
            else:
                self._use(None)
                return
        except AddressError as exc:
            self._use(None)
            self._set_error(VariableError.NameParseError, str(exc))
            return
        self._use(address)

    def _use(self, address: Address | None) -> None:
        self._wake()
        if address != self._address:
            self._plc_value = None
            self._address = address
            if _SAMPLER in self.__dict__:
                self._log_setup()  # another value now: its rows start afresh
            self._set_quality(self._idle_quality())
        assign(self, "s7Type", str(_type_text(address)))
        if address is not None:
            data_type = DATA_TYPE_NAME.get(address.datatype, "Invalid")
            assign(self, "dataType", int(DataObject.DataType[data_type]))
            if self.error == VariableError.NameParseError:
                self._set_error(VariableError.NoError, "", occurred=False)
        if self._session is not None and self._member is not None:
            # also with the same address under another name: a remote client goes by the name
            self._session.set_address(self._member, address, self._tag())

    @property
    def plcAddress(self) -> Address | None:
        """The resolved address, or None while the name does not parse."""
        return self._address

    # -- history -----------------------------------------------------------------------------
    def _get_logging(self) -> S7Logging:
        settings = self.__dict__.get(_LOGGING)
        if settings is None:
            settings = self.__dict__[_LOGGING] = S7Logging(self)
            settings.policyChanged.connect(self._log_setup)
        return settings

    # Extension: how values go into the S7History (``logging.mode: S7Logging.OnChange``).
    logging = Property(S7Logging, _get_logging, constant=True)

    def _tag(self) -> str:
        """The name in the history: ``name`` (symbolic or absolute), else the address."""
        return self.name.strip() or str(self._address or "")

    @Slot()
    def _log_setup(self) -> None:
        """A SampleFilter for the current settings and tag, or none while the mode is Off."""
        self._wake()  # a sampler hears every read
        values = self.__dict__
        settings = values.get(_LOGGING)
        policy = settings.policy() if settings is not None else None
        if policy is None or policy.mode == Mode.Off:
            values.pop(_SAMPLER, None)
        else:
            values[_SAMPLER] = sample_filter(self._tag(), policy).offer

    def _audit(self, value: Any, outcome: str, detail: str) -> None:
        """A write attempt that ended before it was sent: writeFinished, the audit trail."""
        self.writeFinished.emit(0, outcome, detail)
        trail = journal()
        if trail.store is not None:
            user, client = trail.user(), self._client_name()
            trail.log_write(
                now_ms(), self._tag(), self._plc_value, value, outcome, user, client, detail
            )

    def _audit_begin(self, ticket: int, value: Any) -> None:
        """A write sent as ``ticket``: a row without an outcome until write_finished."""
        trail = journal()
        if trail.store is None:
            return
        key = trail.begin_write(
            now_ms(), self._tag(), self._plc_value, value, trail.user(), self._client_name()
        )
        if key is not None:
            self.__dict__.setdefault(_AUDITED, {})[ticket] = key

    def _audit_end(self, ticket: int, failure: Failure | None) -> None:
        audited = self.__dict__.get(_AUDITED)
        key = audited.pop(ticket, None) if audited else None
        if key is None:
            return
        if failure is None:
            journal().end_write(key, "confirmed", "")
        else:
            journal().end_write(key, _OUTCOMES[failure.outcome], failure.text)

    def _client_name(self) -> str:
        """The client in the audit trail: its objectName, else where it is."""
        client = self._client
        return client.label() if client is not None else ""

    # -- client ------------------------------------------------------------------------------
    def onComplete(self) -> None:
        self._attach()
        if self._named is None and self.name.strip():
            self._resolve_name()  # a tag name, or not a name at all: the client knows now
        else:
            self._rebuild_address()

    def _attach(self) -> None:
        """Use ``client`` or the nearest client ancestor (a ClientFace); join its session."""
        if not self.isComplete:
            return
        client = self.client
        if client is None:
            node = QObject.parent(self)
            while node is not None and not isinstance(node, ClientFace):
                node = QObject.parent(node)
            client = node
        if not isinstance(client, ClientFace):
            client = None
        if client is self._client:
            return
        self._detach()
        self._client = client
        if client is None:
            self._set_error(
                VariableError.InvalidClientError,
                f"S7Variable {self._label()} has no S7Client: declare it inside one or set client",
            )
            self._set_quality(self._idle_quality())
            self.connectedChanged.emit()
            return
        session = self._session = client.session
        member = self._member = session.attach(self)
        session.set_address(member, self._address, self._tag())
        session.set_intervals(member, frozenset(self._intervals.values()))
        session.set_enabled(member, self.enabled)
        client.connectedChanged.connect(self.connectedChanged)
        client.symbolsChanged.connect(self._symbols_changed)
        self.destroyed.connect(lambda: session.detach(member))
        if self.error == VariableError.InvalidClientError:
            self._set_error(VariableError.NoError, "", occurred=False)
        self._set_quality(self._idle_quality())
        self.connectedChanged.emit()

    def _detach(self) -> None:
        self._wake()  # take data and timestamp along from the session's table
        client, session, member = self._client, self._session, self._member
        if client is not None and shiboken6.isValid(client):
            client.connectedChanged.disconnect(self.connectedChanged)
            client.symbolsChanged.disconnect(self._symbols_changed)
        if session is not None and member is not None:
            session.detach(member)
        self._client = self._session = self._member = None

    def _get_connected(self) -> bool:
        client = self._client
        return client is not None and client.connected

    # Extension: the link state of the client this variable uses (``client`` or the nearest
    # enclosing one), so widgets need no ``connected: plc.connected`` of their own.
    connected = Property(bool, _get_connected, notify=connectedChanged)

    def _label(self) -> str:
        return f'"{self.name}"' if self.name else str(self._address or "(no address)")

    # -- polling -----------------------------------------------------------------------------
    @Slot()
    def pollData(self) -> None:
        """Read the variable once now (with every other read asked for in this turn)."""
        if not self.enabled:
            return
        if self._ready_for_io() and self._session is not None and self._member is not None:
            self._session.poll_now(self._member)

    def subscribe(self, owner: object, interval: int) -> None:
        """Poll every ``interval`` ms on behalf of ``owner`` (a Polling)."""
        self._intervals[owner] = interval
        if self._session is not None and self._member is not None:
            self._session.set_intervals(self._member, frozenset(self._intervals.values()))

    def unsubscribe(self, owner: object) -> None:
        """Stop the polling that ``owner`` asked for."""
        if self._intervals.pop(owner, None) is not None and self._member is not None:
            assert self._session is not None
            self._session.set_intervals(self._member, frozenset(self._intervals.values()))

    def _ready_for_io(self) -> bool:
        if self._client is None:
            self._set_error(
                VariableError.InvalidClientError, f"S7Variable {self._label()} has no S7Client"
            )
            return False
        if self._address is None:
            keep = self.error == VariableError.NameParseError  # it already says what is wrong
            text = self.errorString if keep else f"S7Variable {self._label()} has no address"
            self._set_error(VariableError.NameParseError, text)
            return False
        return True

    # -- what the session reports (VariableSink) --------------------------------------------
    def read_finished(self, value: Any, timestamp: int) -> None:
        """A poll result: a value, UNCHANGED (the same bytes as before) or a Failure."""
        if isinstance(value, Failure):
            self._wake()
            link = value.code in _LINK_CODES
            self._set_quality(self._quality_after(value))
            self._set_error(
                VariableError.ConnectionError if link else VariableError.ReadError, value.text
            )
            return
        state = self.__dict__  # one attribute lookup; PySide's are slow, and this runs per value
        if state["_writes"]:
            return  # a write is in flight: its confirmation decides what ``data`` shows
        if value is UNCHANGED:
            value = state["_plc_value"]
        if state.get(_VALID) and not state.get(_ERROR):
            # The common case, thousands of times per cycle: what storeData() and the checks
            # below would do, with nothing to do for ``valid`` and ``error``.
            state["_plc_value"] = value
            state[_TIMESTAMP] = timestamp
            if state.get(TIMESTAMP_HEARD):
                self.timestampChanged.emit()
            old = state["_data"]
            if type(old) is not type(value) or old != value:
                state["_data"] = value
                if state.get(DATA_HEARD):
                    self.dataChanged.emit()
            if _SAMPLER in state:  # the only cost of history to a variable that is not logged
                state[_SAMPLER](timestamp, value, state[_QUALITY])
            if state.get(_HEARING) is None:
                self._settle()
            return
        self._plc_value = value
        changed = self.storeData(value, timestamp)
        self._set_quality(self._read_quality())
        sampler = state.get(_SAMPLER)
        if sampler is not None:
            sampler(timestamp, value, self.quality)
        if changed:
            self.dataChanged.emit()
        if self.error in _TRANSIENT:
            self._set_error(VariableError.NoError, "", occurred=False)
        if state.get(_HEARING) is None:
            self._settle()

    def link_down(self) -> None:
        """The client lost its link: the value is no longer current."""
        self._wake()
        if severity(self.quality) != Severity.Bad or self.quality in _AWAITING:
            last = self._plc_value is not None
            lost = Quality.BadNoCommunicationLastUsable if last else Quality.BadNoCommunication
            self._set_quality(lost)

    def link_up(self) -> None:
        """The client connected: without a value yet, the variable waits for its first read."""
        self._wake()
        if self.quality in _AWAITING and self._plc_value is None:
            self._set_quality(self._idle_quality())

    def cpu_state_changed(self) -> None:
        """The CPU went into STOP or back to RUN: a good value is uncertain in STOP."""
        self._wake()
        if self.quality in (Quality.Good, Quality.UncertainLastUsableValue):
            self._set_quality(self._read_quality())

    def remote_value(self, value: Any, quality: int, timestamp: int) -> None:
        """A value read elsewhere (a gateway's), with the quality byte it was given there."""
        self._plc_value = value  # a refused write shows it again
        if self._writes:
            # A write is in flight: its answer decides what ``data`` shows, but the quality
            # is the gateway's (a poll after a failed write learns nothing from a gateway).
            self._set_quality(quality)
            return
        changed = self.storeData(value, timestamp)
        self._set_quality(quality)
        sampler = self.__dict__.get(_SAMPLER)
        if sampler is not None:
            sampler(timestamp, value, quality)
        if changed:
            self.dataChanged.emit()
        if quality >= Quality.Good and self.error in _TRANSIENT:
            self._set_error(VariableError.NoError, "", occurred=False)

    # -- writing -----------------------------------------------------------------------------
    def setData(self, value: Any) -> None:
        """Assigning ``data`` writes it to the PLC (after completion; before, it only stores)."""
        if not self.isComplete:
            self._data = value
            return
        self._wake()  # shows the written value until the write's answer
        if not self._ready_for_io():
            self._audit(value, "not_sent", self.errorString)
            return
        address, client, session = self._address, self._client, self._session
        assert client is not None and session is not None  # _ready_for_io() made sure
        try:
            payload = encode(address, value, session.byte_order)
            shown = decode(address, _as_read(address, payload), session.byte_order)
        except CodecError as exc:
            self._set_error(VariableError.InvalidValueError, f"Not written: {exc}")
            self._audit(value, "invalid", self.errorString)
            return
        if not client.connected:
            self._set_error(
                VariableError.ConnectionError,
                f"Not written: {address} = {value!r}, the client is not connected",
            )
            self._audit(value, "not_sent", self.errorString)
            return
        assert self._member is not None
        ticket = session.write(self._member, payload, shown)
        self._writes[ticket] = shown
        self._audit_begin(ticket, value)
        super().updateData(shown, self.timestamp)
        self.writeStarted.emit(ticket)

    def write_finished(self, ticket: int, failure: Failure | None, timestamp: int) -> None:
        """The PLC confirmed (failure None) or did not confirm a write of this variable."""
        value = self._writes.pop(ticket, None)
        self._audit_end(ticket, failure)
        if failure is None:
            self._plc_value = value
            if not self._writes:
                self.updateData(value, timestamp)
                self._set_quality(self._read_quality())  # the PLC holds it now
            if self.error in _TRANSIENT:
                self._set_error(VariableError.NoError, "", occurred=False)
            self.written.emit()
            self.writeFinished.emit(ticket, "confirmed", "")
            return
        self._set_error(
            VariableError.ConnectionError
            if failure.code in _LINK_CODES
            else VariableError.WriteError,
            failure.text,
        )
        if not self._writes:
            # Back to the last value the PLC confirmed (None while it is unknown).
            super().updateData(self._plc_value, self.timestamp)
            self.pollData()  # and fetch what the PLC really holds now
        self.writeFinished.emit(ticket, _OUTCOMES[failure.outcome], failure.text)

    # -- state -------------------------------------------------------------------------------
    def _set_quality(self, quality: Quality | int) -> None:
        """The one place the quality changes; ``valid`` is its being good."""
        self._wake()
        if assign(self, "quality", int(quality)):
            assign(self, "qualityString", describe(quality))
            sampler = self.__dict__.get(_SAMPLER)
            if sampler is not None:  # a change of quality is always a row: outages show
                sampler(now_ms(), self._plc_value, int(quality))
        assign(self, "valid", quality >= Quality.Good)

    def _idle_quality(self) -> Quality:
        """The quality while no read has answered (yet, or since the address changed)."""
        if self._client is None or (self._address is None and not self._names_pending):
            return Quality.BadConfigurationError
        if not self.enabled:
            return Quality.BadOutOfService
        if not self._client.connected:
            return Quality.BadNotConnected
        return Quality.BadWaitingForInitialData

    def _read_quality(self) -> Quality:
        """The quality of a value the PLC just gave or confirmed."""
        session = self._session
        stopped = session is not None and session.cpu_stopped
        return Quality.UncertainLastUsableValue if stopped else Quality.Good

    def _quality_after(self, failure: Failure) -> Quality:
        """The quality after a failed read."""
        if failure.code in _LINK_CODES:
            last = self._plc_value is not None
            return Quality.BadNoCommunicationLastUsable if last else Quality.BadNoCommunication
        if failure.bug:
            return Quality.Bad
        if failure.outcome is Outcome.REFUSED or failure.code == ClientError.InvalidParams:
            return Quality.BadConfigurationError  # no such DB, out of range, access denied
        return Quality.BadDeviceFailure

    def _set_error(self, error: VariableError, text: str, occurred: bool = True) -> None:
        self._wake()
        # On the console once per change, not per poll. A broken link is the client's to
        # report: every variable of it would say the same.
        if assign(self, "error", int(error)) and error not in _UNLOGGED:
            where = f" ({self.objectName()})" if self.objectName() else ""
            log.warning("S7Variable %s%s: %s", self._label(), where, text)
        assign(self, "errorString", text)
        if occurred:
            self.errorOccurred.emit()


def _no_client(name: str, exc: AddressError) -> str:
    """Why ``name`` names nothing for a variable without a client (its tags are the client's)."""
    if '"' in name:
        return f"{exc}; a tag name needs an S7TagTable in the S7Client"
    return str(exc)


def _type_text(address: Address | None) -> str:
    if address is None:
        return ""
    if address.datatype in ("STRING", "WSTRING"):
        return f"{address.datatype}[{address.length}]"
    return address.datatype


def _as_read(address: Address, payload: bytes) -> bytes:
    """The bytes a read would return after writing ``payload`` (a bit is read as its byte)."""
    if address.is_bit:
        return bytes([payload[0] << address.bit])
    return payload
