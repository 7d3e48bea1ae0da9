"""RemoteSession: an S7RemoteClient's variables fed by a gateway through an MQTT broker.

It gives a variable what a Session gives it (clientface.ClientSession), with the gateway's
topics (docs/GATEWAY.md) in place of a PLC link:

- it subscribes to the gateway's ``state``, ``catalog`` and every ``tag/...`` (QoS 0: all
  retained, the current values come at once, also after a reconnect; Mosquitto would drop
  retained values beyond about a thousand at QoS 1, docs/GATEWAY.md "Subscribing") and to its
  own reply topic (QoS 1). The latest value of every tag is kept: a variable that attaches
  (or is enabled) later gets it at once;
- a variable is subscribed by its tag (its name, as the catalog spells it: quotes and letter
  case are forgiven as in tag tables) and gets each value with the gateway's quality through
  ``remote_value``; polling is accepted and changes nothing (values are pushed);
- ``connected`` is: the broker connection is up and the gateway said ``online``. When either
  goes, the variables hear ``link_down`` (the last value stays, not good); values heard while
  the gateway is not online are the last usable ones, never good;
- a write becomes a request on ``cmd/write`` (``{id, tag, value, user, reply}``, QoS 1) and
  ends when its answer comes (``write_finished``: None or a Failure with the outcome), or as
  unknown after ``request_timeout_ms`` without one, or at once as unknown when the gateway
  goes offline first. Nothing is sent again (docs/GATEWAY.md, "Writes"): a gateway that
  restarted unseen, while this panel was cut off, would write a repeated id again.

Threads: paho-mqtt calls back on its network thread; there each message is parsed and put in
an inbox as a call to make. The first call in an empty inbox wakes the GUI thread through the
relay (history.py, a queued signal); the GUI thread makes the calls a few milliseconds per
event-loop turn, as Session hands out read results, so ten thousand retained values arriving
at once never stall it.
"""

from __future__ import annotations

import logging
import threading
import uuid
import weakref
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from time import perf_counter
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from ..core.address import Address, AddressError, parse_address
from ..core.codec import ByteOrder
from ..core.errors import ClientError, Failure, Outcome
from ..core.quality import Quality
from ..gateway import messages
from ..gateway.broker import BrokerAddress, Connection, TlsFiles
from ..gateway.topics import Kind, Topics
from ..history.journal import journal
from ..session.member import Hearing, Member, VariableSink
from ..tags import Symbol, SymbolTable
from .dataobject import now_ms
from .history import deliver

log = logging.getLogger(__name__)

# Applying what came: at most this long per event-loop turn, checked every _CHUNK calls.
_SLICE_S = 0.004
_CHUNK = 64

# A gateway's answer as the variable's Failure: (code, outcome). Codes as a direct link
# would give: a link code makes the variable's error a ConnectionError, others a WriteError.
_ANSWERS: dict[messages.Outcome, tuple[ClientError, Outcome]] = {
    messages.Outcome.REFUSED: (ClientError.FunctionRefused, Outcome.REFUSED),
    messages.Outcome.INVALID: (ClientError.InvalidValue, Outcome.NOT_SENT),
    messages.Outcome.NOT_SENT: (ClientError.ConnectError, Outcome.NOT_SENT),
    messages.Outcome.UNKNOWN: (ClientError.JobTimeout, Outcome.UNKNOWN),
    messages.Outcome.NOT_WRITABLE: (ClientError.FunctionRefused, Outcome.NOT_SENT),
    messages.Outcome.UNKNOWN_TAG: (ClientError.ItemNotAvailable, Outcome.NOT_SENT),
    messages.Outcome.BAD_REQUEST: (ClientError.InvalidParams, Outcome.NOT_SENT),
}


@dataclass(slots=True)
class _Value:
    """The latest value of a tag; ``live``: heard while the gateway was not known offline,
    on the broker connection that is up (such a value is current once the gateway is)."""

    value: Any
    quality: int
    ts: int
    live: bool


@dataclass(frozen=True, slots=True)
class _Write:
    """A request waiting for its answer."""

    ticket: int
    key: int  # the member's
    tag: str


class _Inbox:
    """Calls for the GUI thread, put by paho's thread; ``wake`` when the first one comes."""

    def __init__(self, wake: Callable[[], None]) -> None:
        self._lock = threading.Lock()
        self._calls: list[Callable[[], None]] = []
        self._wake = wake

    def put(self, call: Callable[[], None]) -> None:
        with self._lock:
            self._calls.append(call)
            first = len(self._calls) == 1
        if first:
            self._wake()

    def take(self) -> list[Callable[[], None]]:
        with self._lock:
            calls, self._calls = self._calls, []
        return calls


def type_address(type_text: str) -> Address | None:
    """An address of the S7 type ``type_text`` (``REAL``, ``STRING[20]``), or None for a type
    that is none. It gives a catalog's tag its type; where it lies is the gateway's business."""
    text = type_text.strip()
    name = "DB1.DBX0.0:BOOL" if text.upper() == "BOOL" else f"DB1:0:{text}"
    try:
        return parse_address(name)
    except AddressError:
        return None


class RemoteSession(QObject):
    """The session of an S7RemoteClient (see the module doc)."""

    stateChanged = Signal()  # broker_connected, online or text changed
    catalogChanged = Signal()  # the tags' names or types changed

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.byte_order = ByteOrder.BigEndian  # values go as values; encoding is local only
        self.request_timeout_ms = 10_000
        self.broker_connected = False
        self.online: bool | None = None  # what the gateway said on this connection, if yet
        self.text = ""  # why the broker connection is not up
        self.catalog: messages.Catalog | None = None
        self.client_id = f"qml-s7-panel-{uuid.uuid4().hex[:12]}"
        self._symbols = SymbolTable(())
        self._topics: Topics | None = None
        self._reply = ""
        self._connection: Connection | None = None
        self._epoch = 0  # the connection's number: what an older one still put is dropped
        self._members: dict[int, Member] = {}
        self._names: dict[int, str] = {}  # member key -> its tag as the catalog spells it
        self._by_name: dict[str, set[int]] = {}  # tag -> member keys
        self._values: dict[str, _Value] = {}
        self._writes: dict[str, _Write] = {}  # request id -> the write
        self._next_key = 0
        self._next_ticket = 0
        self._warned: set[str] = set()  # topics with a bad message, said once each
        self._inbox = _Inbox(deliver(weakref.ref(self), "_wake"))
        self._due: deque[Callable[[], None]] = deque()
        self._drain_timer = QTimer(self)
        self._drain_timer.setSingleShot(True)
        self._drain_timer.setInterval(0)
        self._drain_timer.timeout.connect(self._drain)
        self._connections: list[Connection] = []  # closed when this session is destroyed
        connections = self._connections
        self.destroyed.connect(lambda: _close_all(connections))

    # -- the broker connection ----------------------------------------------------------------
    @property
    def connected(self) -> bool:
        """The broker connection is up and the gateway is online."""
        return self.broker_connected and self.online is True

    @property
    def cpu_stopped(self) -> bool:
        """Never: the gateway's quality of each value already says what its CPU's mode means."""
        return False

    def open(
        self,
        address: BrokerAddress,
        gateway: str,
        tls: TlsFiles | None = None,
        reconnect_max_s: float = 5.0,
    ) -> None:
        """Connect to ``address`` (in the background, again and again) for the gateway
        ``gateway``. ValueError (nothing started) for settings that cannot work."""
        topics = Topics(gateway)
        self.close()
        self._epoch += 1
        epoch = self._epoch
        connection = Connection(
            address,
            on_state=partial(self._heard_state, epoch),
            on_message=partial(self._heard_message, epoch),
            tls=tls,
            client_id=self.client_id,
            reconnect_max=max(0.25, reconnect_max_s),
        )
        self._topics, self._reply = topics, topics.reply(self.client_id)
        for topic in (topics.state, topics.catalog, topics.tags):
            connection.subscribe(topic, qos=0)
        connection.subscribe(self._reply, qos=1)
        self._connection = connection
        self._connections.append(connection)
        connection.start()

    def close(self) -> None:
        """Disconnect; the variables keep their last values, not good."""
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.close()
            self._connections.remove(connection)
        self._epoch += 1
        self._link(self._epoch, False, "")

    # -- paho's thread ------------------------------------------------------------------------
    def _heard_state(self, epoch: int, up: bool, text: str) -> None:
        self._inbox.put(partial(self._link, epoch, up, text))

    def _heard_message(self, epoch: int, topic: str, payload: bytes) -> None:
        """Parse here, apply on the GUI thread."""
        topics = self._topics
        parsed = topics.parse(topic) if topics is not None else None
        if parsed is None:
            return
        kind = parsed.kind
        message: Any
        if kind is Kind.TAG:
            message = messages.parse_tag_value(payload)
            call = partial(self._tag, epoch, parsed.name)
        elif kind is Kind.STATE:
            message = messages.parse_state(payload)
            call = partial(self._gateway_state, epoch)
        elif kind is Kind.CATALOG:
            message = messages.parse_catalog(payload)
            call = partial(self._catalog, epoch)
        elif kind is Kind.REPLY and topic == self._reply:
            message = messages.parse_write_response(payload)
            call = self._answer
        else:
            return
        if isinstance(message, messages.BadMessage):
            if topic not in self._warned:  # once per topic: a flood would drown the log
                self._warned.add(topic)
                log.warning("MQTT: a bad message on %s: %s", topic, message.text)
            return
        self._inbox.put(partial(call, message))

    # -- the GUI thread -----------------------------------------------------------------------
    def _wake(self) -> None:
        self._due.extend(self._inbox.take())
        if not self._drain_timer.isActive():
            self._drain()

    @Slot()
    def _drain(self) -> None:
        """Make the calls due, a few milliseconds per event-loop turn at most."""
        deadline = perf_counter() + _SLICE_S
        due = self._due
        done = 0
        while due:
            due.popleft()()
            done += 1
            if done % _CHUNK == 0 and due and perf_counter() > deadline:
                self._drain_timer.start()
                return

    def _later(self, call: Callable[[], None]) -> None:
        """Make ``call`` on a later turn of the event loop (never inside the caller's call)."""
        self._due.append(call)
        if not self._drain_timer.isActive():
            self._drain_timer.start()

    def _link(self, epoch: int, up: bool, text: str) -> None:
        if epoch != self._epoch:
            return
        was = self.connected
        self.broker_connected = up
        self.online = None  # the gateway's retained state comes again after subscribing
        self.text = "" if up else text
        self._changed(was)

    def _gateway_state(self, epoch: int, online: bool) -> None:
        if epoch != self._epoch:
            return
        was = self.connected
        self.online = online
        if not online:
            self._gateway_gone()
        self._changed(was)

    def _changed(self, was: bool) -> None:
        now = self.connected
        if was != now:
            for value in self._values.values():
                value.live = value.live and now
            event = "link_up" if now else "link_down"
            for member in list(self._members.values()):
                self._due.append(getattr(member.sink, event))
            if now:  # values that came before the gateway said online are current now
                for name, value in self._values.items():
                    if value.live:
                        self._due.append(partial(self._tell, name))
            if not self._drain_timer.isActive():
                self._drain_timer.start()
        self.stateChanged.emit()

    def _gateway_gone(self) -> None:
        """The gateway went offline (its will fired): no answer will come."""
        for value in self._values.values():
            value.live = False
        pending, self._writes = self._writes, {}
        gateway = self._topics.name if self._topics is not None else ""
        for write in pending.values():
            text = (
                f"Write to {write.tag} failed, its outcome is unknown: the gateway {gateway} "
                "went offline before it answered"
            )
            self._finish(write, Failure(ClientError.JobTimeout, text, Outcome.UNKNOWN))

    def _tag(self, epoch: int, name: str, message: messages.TagValue) -> None:
        if epoch != self._epoch:
            return
        live = self.online is not False
        known = self._values.get(name)
        if known is None:
            self._values[name] = _Value(message.value, message.quality, message.ts, live)
        else:
            known.value, known.quality, known.ts, known.live = (
                message.value,
                message.quality,
                message.ts,
                live,
            )
        self._tell(name)

    def _tell(self, name: str) -> None:
        """Hand the latest value of ``name`` to its variables."""
        keys = self._by_name.get(name)
        if keys:
            for key in list(keys):
                member = self._members.get(key)
                if member is not None:
                    self._deliver(member)

    def _deliver(self, member: Member) -> None:
        """What is known of ``member``'s tag: its latest value, or that it has none."""
        if not member.enabled or member.address is None or member.key not in self._members:
            return
        name = self._names.get(member.key, member.tag)
        value = self._values.get(name)
        if value is not None:
            if self.connected and value.live:
                quality = value.quality
            elif value.value is not None:
                quality = Quality.BadNoCommunicationLastUsable
            else:
                quality = Quality.BadNoCommunication
            member.sink.remote_value(value.value, int(quality), value.ts)
        elif self.catalog is not None and name not in self.catalog.tags:
            gateway = self._topics.name if self._topics is not None else ""
            text = f'"{member.tag}" is not in the catalog of the gateway {gateway}'
            failure = Failure(ClientError.ItemNotAvailable, text, Outcome.REFUSED)
            member.sink.read_finished(failure, now_ms())

    def _catalog(self, epoch: int, catalog: messages.Catalog) -> None:
        if epoch != self._epoch or (self.catalog is not None and catalog.tags == self.catalog.tags):
            return
        self.catalog = catalog
        symbols = []
        for name, info in catalog.tags.items():
            address = type_address(info.type)
            if address is None:
                log.warning(
                    "MQTT: the catalog's tag %r has the type %r: no S7 type", name, info.type
                )
                continue
            symbols.append(Symbol(name, address, info.comment))
        self._symbols = SymbolTable(symbols)
        for member in self._members.values():
            self._index(member)
            self._due.append(partial(self._deliver, member))
        if not self._drain_timer.isActive():
            self._drain_timer.start()
        self.catalogChanged.emit()

    def _answer(self, response: messages.WriteResponse) -> None:
        write = self._writes.pop(response.id, None)
        if write is None:
            return  # answered already, timed out, or not ours
        if response.outcome is messages.Outcome.CONFIRMED:
            self._finish(write, None)
            return
        code, outcome = _ANSWERS[response.outcome]
        gateway = self._topics.name if self._topics is not None else ""
        if outcome is Outcome.REFUSED:
            text = f"Write to {write.tag} refused (gateway {gateway}): {response.text}"
        else:
            fate = "its outcome is unknown" if outcome is Outcome.UNKNOWN else "it was not sent"
            text = f"Write to {write.tag} failed, {fate} (gateway {gateway}): {response.text}"
        self._finish(write, Failure(code, text, outcome))

    def _expire(self, ident: str) -> None:
        write = self._writes.pop(ident, None)
        if write is None:
            return
        gateway = self._topics.name if self._topics is not None else ""
        text = (
            f"Write to {write.tag} failed, its outcome is unknown: the gateway {gateway} did "
            f"not answer within {self.request_timeout_ms} ms"
        )
        self._finish(write, Failure(ClientError.JobTimeout, text, Outcome.UNKNOWN))

    def _finish(self, write: _Write, failure: Failure | None) -> None:
        member = self._members.get(write.key)
        if member is not None:
            member.sink.write_finished(write.ticket, failure, now_ms())

    # -- tag names ----------------------------------------------------------------------------
    def symbol(self, name: str) -> Symbol | None:
        """The catalog's tag ``name`` (quotes and letter case forgiven), or None."""
        return self._symbols.lookup(name)

    def suggestions(self, name: str, count: int = 3) -> list[str]:
        """The catalog's tag names closest to ``name``."""
        return self._symbols.suggest(name, count)

    def _index(self, member: Member) -> None:
        """File ``member`` under its tag as the catalog spells it."""
        old = self._names.pop(member.key, None)
        if old is not None:
            keys = self._by_name.get(old)
            if keys is not None:
                keys.discard(member.key)
                if not keys:
                    del self._by_name[old]
        if member.address is None or not member.tag:
            return
        name = member.tag
        if self.catalog is not None and name not in self.catalog.tags:
            found = self._symbols.lookup(name)
            name = found.name if found is not None else name
        self._names[member.key] = name
        self._by_name.setdefault(name, set()).add(member.key)

    # -- members (ClientSession) --------------------------------------------------------------
    def attach(self, sink: VariableSink) -> Member:
        """Take a variable in; the member it gets back names it in every later call."""
        self._next_key += 1
        member = Member(self._next_key, sink)
        self._members[member.key] = member
        return member

    def detach(self, member: Member) -> None:
        """Let a variable go."""
        if self._members.pop(member.key, None) is not None:
            member.address = None
            self._index(member)

    def set_address(self, member: Member, address: Address | None, tag: str) -> None:
        """``member`` takes the values of ``tag`` (while ``address``, its type, is known)."""
        if address == member.address and tag == member.tag:
            return
        member.address, member.tag = address, tag
        self._index(member)
        self._later(partial(self._deliver, member))

    def set_intervals(self, member: Member, intervals: frozenset[int]) -> None:
        """Accepted: values are pushed, whatever the Pollings ask."""
        member.intervals = intervals

    def set_enabled(self, member: Member, enabled: bool) -> None:
        """A disabled variable takes no values; enabled again, it gets the latest at once."""
        if enabled == member.enabled:
            return
        member.enabled = enabled
        if enabled:
            self._later(partial(self._deliver, member))

    def poll_now(self, member: Member) -> None:
        """Nothing to do: the gateway pushes every change."""

    def listen(
        self,
        member: Member,
        hearing: Hearing,
        value: Any = None,
        stamp: int = 0,
        notify: Callable[[], None] | None = None,
    ) -> None:
        """None: every value the gateway pushes is handed to its variable."""
        return None

    def write(self, member: Member, payload: bytes, value: Any) -> int:
        """Send a write request for ``value`` to the gateway; the ticket its answer carries."""
        self._next_ticket += 1
        ticket = self._next_ticket
        tag = self._names.get(member.key, member.tag)
        ident = f"{self.client_id}-{ticket}"
        request = messages.WriteRequest(ident, tag, value, journal().user(), self._reply)
        write = _Write(ticket, member.key, tag)
        connection, topics = self._connection, self._topics
        if (
            not self.connected
            or connection is None
            or topics is None
            or not connection.publish(topics.write, messages.encode_write_request(request))
        ):
            text = f"Write to {write.tag} failed, it was not sent: not connected to the gateway"
            failure = Failure(ClientError.ConnectError, text, Outcome.NOT_SENT)
            self._later(partial(self._finish, write, failure))
            return ticket
        self._writes[ident] = write
        QTimer.singleShot(max(1, self.request_timeout_ms), self, partial(self._expire, ident))
        return ticket


def _close_all(connections: list[Connection]) -> None:
    for connection in connections:
        connection.close()
    connections.clear()
