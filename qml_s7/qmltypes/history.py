"""S7History: the application's history file (values, alarm events, the write audit trail).

``S7History { id: history; retentionDays: 90 }`` opens the SQLite store when it completes
(``file``, by default ``history.sqlite`` in the application's data folder), makes it the
journal's, and logs every S7Alarm's transitions into it. The store (qml_s7/history/) writes on
a thread of its own; what it reports (errors, commits, query results) comes back here through
queued signals, so QML only ever sees it on the GUI thread. It closes when the object is
destroyed or the application quits.

Alarm events: the ``alarm`` column holds the alarm's objectName, else its ``text`` (as
S7AlarmModel's ``name`` role), and ``<client>.commAlarm`` for a client's communication alarm
(the client's objectName, else host:port); ``text`` holds the text with the value, ``value``
the source's value at the event, and ``user`` the operator (journal().user()) for
acknowledged, shelved and unshelved; "" for came, went and a shelving that ran out by itself.
"""

from __future__ import annotations

import logging
import math
import weakref
from collections.abc import Callable
from enum import IntEnum
from functools import partial
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import (
    QCoreApplication,
    QEnum,
    QObject,
    QStandardPaths,
    Qt,
    Signal,
    Slot,
)
from PySide6.QtQml import QmlElement

from ..history.journal import journal
from ..history.store import CommitInfo, Store, StoreError
from .alarm import S7Alarm, registry
from .client import S7Client
from .dataobject import now_ms, plain_value
from .logging import restart_filters
from .object import Object
from .props import assign, notified

QML_IMPORT_NAME = "QmlS7"
QML_IMPORT_MAJOR_VERSION = 1

log = logging.getLogger(__name__)

DEFAULT_NAME = "history.sqlite"


# -- from the store's thread to the GUI thread ---------------------------------------------------
class Relay(QObject):
    """Runs callables on the GUI thread: the store's thread posts them as a queued signal."""

    carried = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self.carried.connect(self._run, Qt.ConnectionType.QueuedConnection)

    @Slot(object)
    def _run(self, call: Callable[[], None]) -> None:
        call()


_RELAY: list[Relay] = []


def relay() -> Relay:
    """The application's relay; made on first use, which must be on the GUI thread. It lives
    as long as the process: a callback of a store closed late may still post to it."""
    if not _RELAY:
        _RELAY.append(Relay())
    return _RELAY[0]


def deliver(target: weakref.ref[QObject], name: str, *first: Any) -> Callable[..., None]:
    """A callback for the store's thread: posts ``target.name(*first, *args)`` to the GUI
    thread, where it runs if the target still exists then."""
    carried = relay().carried

    def post(*args: Any) -> None:
        carried.emit(partial(_call, target, name, (*first, *args)))

    return post


def _call(target: weakref.ref[QObject], name: str, args: tuple) -> None:
    obj = target()
    if obj is not None and shiboken6.isValid(obj):
        getattr(obj, name)(*args)


def point_for_qml(ts: int, value: Any, quality: int) -> dict[str, Any]:
    """A query's point as QML takes it: ``{t, v, q}``, v a number (NaN for a gap)."""
    if value is None:
        v: Any = math.nan
    elif isinstance(value, bool | int):
        v = float(value)
    else:
        v = value
    return {"t": ts, "v": v, "q": quality}


# -- alarm events ------------------------------------------------------------------------------
_SIGNALS = (("came", "came"), ("went", "went"), ("acknowledgement", "acknowledged"))
_EXPIRY_SLACK_MS = 50  # a shelving's timer may fire a little before its end


class AlarmTap:
    """Logs the transitions of every listed S7Alarm into the journal while started."""

    def __init__(self) -> None:
        # id -> (alarm, [(signal name, slot)]): every alarm connected to, listed or not
        self._connected: dict[int, tuple[S7Alarm, list[tuple[str, Callable[[], None]]]]] = {}
        self._listed: set[int] = set()  # ids of the alarms in the registry now
        self._shelved_until: dict[int, int] = {}
        self._started = False

    def start(self) -> None:
        """Log every alarm of the registry, and those to come, until :meth:`stop`."""
        if self._started:
            return
        self._started = True
        alarms = registry()
        alarms.listen(self)
        for alarm in alarms.alarms():
            self.alarm_added(alarm)

    def stop(self) -> None:
        if not self._started:
            return
        self._started = False
        registry().forget(id(self))
        for alarm, slots in self._connected.values():
            if shiboken6.isValid(alarm):
                for name, slot in slots:
                    getattr(alarm, name).disconnect(slot)
        self._connected.clear()
        self._listed.clear()
        self._shelved_until.clear()

    # -- AlarmListener -------------------------------------------------------------------------
    def alarm_added(self, alarm: S7Alarm) -> None:
        key = id(alarm)
        self._listed.add(key)
        if key in self._connected:
            return  # listed again (a client's communication alarm enabled again)
        slots = [(name, partial(self._transition, alarm, event)) for name, event in _SIGNALS]
        slots.append(("shelvedChanged", partial(self._shelving, alarm)))
        for name, slot in slots:
            getattr(alarm, name).connect(slot)
        self._connected[key] = (alarm, slots)
        alarm.destroyed.connect(partial(self._gone, key))

    def alarm_removed(self, alarm: S7Alarm) -> None:
        """Out of the lists: destroyed, or disabled (identity only: it may be going)."""
        self._listed.discard(id(alarm))

    def alarm_changed(self, alarm: S7Alarm) -> None:
        pass

    def _gone(self, key: int, *_: object) -> None:
        self._connected.pop(key, None)
        self._listed.discard(key)
        self._shelved_until.pop(key, None)

    # -- what the alarms say -------------------------------------------------------------------
    def _transition(self, alarm: S7Alarm, event: str) -> None:
        if id(alarm) not in self._listed:
            return
        if event == "came":
            at, user = alarm.cameAt, ""
        elif event == "went":
            at, user = alarm.wentAt, ""
        else:
            at, user = alarm.acknowledgedAt, journal().user()
        self._log(alarm, at or now_ms(), event, user)

    def _shelving(self, alarm: S7Alarm) -> None:
        key = id(alarm)
        if key not in self._listed:
            return
        now = now_ms()
        if alarm.shelved:
            self._shelved_until[key] = alarm.shelvedUntil
            self._log(alarm, now, "shelved", journal().user())
            return
        until = self._shelved_until.pop(key, 0)
        expired = bool(until) and now >= until - _EXPIRY_SLACK_MS  # it ended by itself
        self._log(alarm, now, "unshelved", "" if expired else journal().user())

    def _log(self, alarm: S7Alarm, ts: int, event: str, user: str) -> None:
        journal().alarm_event(
            alarm_name(alarm),
            ts,
            event,
            plain_value(alarm.value),
            user,
            text=alarm.textWithValue,
            priority=alarm.priority,
            group=alarm.group,
        )


def alarm_name(alarm: S7Alarm) -> str:
    """What the ``alarm`` column says, the same in every run: the objectName, else the text;
    a client's communication alarm (every one is "commAlarm") by its client,
    ``<client objectName or host:port>.commAlarm``."""
    client = QObject.parent(alarm)
    if isinstance(client, S7Client) and client.commAlarm is alarm:
        where = client.objectName() or f"{client.hostname}:{client.port}"
        return f"{where}.{alarm.objectName() or 'commAlarm'}"
    return alarm.objectName() or alarm.text


# -- the QML type --------------------------------------------------------------------------------
def _settings_changed(self: S7History) -> None:
    self.reopen()


@QmlElement
class S7History(Object):
    """The history file: open while this object exists; errors, counts and queries."""

    Error = QEnum(IntEnum("Error", {e.name: e.value for e in StoreError}))

    fileChanged = Signal()
    pathChanged = Signal()
    retentionDaysChanged = Signal()
    batchIntervalChanged = Signal()
    maxFileSizeChanged = Signal()
    errorChanged = Signal()
    errorStringChanged = Signal()
    rowsWrittenChanged = Signal()
    pendingRowsChanged = Signal()
    errorOccurred = Signal()
    committed = Signal()  # a batch was written (rowsWritten and pendingRows are current)
    opened = Signal()  # extension: a store took the file (at completion, after reopen())
    queryFinished = Signal(int, "QVariantList")  # id from query(), [{t, v, q}, ...]

    # The file; "" = history.sqlite in the application's data folder (QStandardPaths).
    file = notified("file", str, "", fileChanged, after=_settings_changed)
    # The file in use (read-only): ``file``, or the default one.
    path = notified("path", str, "", pathChanged, readonly=True)
    # Days rows are kept (older ones are dropped in the background); 0 = for ever.
    retentionDays = notified(
        "retentionDays", float, 30.0, retentionDaysChanged, after=_settings_changed
    )
    # ms between batched transactions: at most this much is lost in a crash.
    batchInterval = notified(
        "batchInterval", int, 1000, batchIntervalChanged, after=_settings_changed
    )
    # MB the file may grow to (the oldest rows go first); 0 = unlimited.
    maxFileSize = notified("maxFileSize", float, 0.0, maxFileSizeChanged, after=_settings_changed)
    error = notified("error", int, 0, errorChanged, readonly=True)
    errorString = notified("errorString", str, "", errorStringChanged, readonly=True)
    rowsWritten = notified("rowsWritten", "qint64", 0, rowsWrittenChanged, readonly=True)
    pendingRows = notified("pendingRows", "qint64", 0, pendingRowsChanged, readonly=True)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._store: Store | None = None
        self._requests = 0
        self._opened = 0  # stores made so far: what a late callback of an old one is told by
        self._early: list[tuple[int, str, float, float, int]] = []  # query() before completion
        self.last_commit: CommitInfo | None = None  # what the last committed() reported
        self._tap = AlarmTap()
        keeper = self._keeper = _Keeper(self._tap)
        self.destroyed.connect(keeper.close)  # no Qt calls on this object then: the keeper

    @property
    def store(self) -> Store | None:
        """The open store (None before completion, after closing, or if it could not be made)."""
        return self._store

    # -- opening and closing -----------------------------------------------------------------
    def onComplete(self) -> None:
        relay()  # made on the GUI thread, before any store thread posts to it
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.close)
        self._open()
        self._tap.start()
        early, self._early = self._early, []
        for request, *args in early:
            self._ask(request, *args)

    @Slot()
    def reopen(self) -> None:
        """Close the file and open it again with the current settings (after completion)."""
        if self.isComplete:
            self.close()
            self._open()
            self._tap.start()

    @Slot()
    def close(self) -> None:
        """Write what is pending and close the file; logging stops until reopen()."""
        self._tap.stop()
        store, self._store = self._store, None
        self._keeper.store = None
        if store is not None:
            _shut(store)

    def _open(self) -> None:
        path = self._file_path()
        assign(self, "path", path)
        for name, value in (
            ("error", 0),
            ("errorString", ""),
            ("rowsWritten", 0),
            ("pendingRows", 0),
        ):
            assign(self, name, value)  # of the file closed before, if any
        self._opened += 1
        me, number = weakref.ref(self), self._opened
        try:
            store = Store(
                path,
                retention_days=max(0.0, self.retentionDays),
                batch_interval_ms=max(1, self.batchInterval),
                max_size_mb=max(0.0, self.maxFileSize),
                on_error=deliver(me, "_store_error", number),
                on_commit=deliver(me, "_store_commit", number),
            )
            store.start()
        except Exception as exc:
            log.exception("S7History: the store could not be made")
            self._store_error(number, int(StoreError.OpenError), f"Cannot open {path}: {exc}")
            return
        self._store = self._keeper.store = store
        journal().attach(store)
        restart_filters()  # each logged value's next read is a row of this file
        self.opened.emit()

    def _file_path(self) -> str:
        if self.file.strip():
            return self.file.strip()
        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
        try:
            Path(folder).mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            log.warning("S7History: cannot create %s: %s", folder, exc)  # the store will say
        return str(Path(folder) / DEFAULT_NAME)

    # -- what the store reports (on the GUI thread, through the relay) -----------------------
    def _store_error(self, number: int, error: int, text: str) -> None:
        if number != self._opened:
            return  # a store closed since
        changed = assign(self, "error", int(error))
        assign(self, "errorString", text)
        if error != StoreError.NoError:
            if changed:
                log.warning("S7History %s: %s", self.path, text)
            self.errorOccurred.emit()

    def _store_commit(self, number: int, info: CommitInfo) -> None:
        if number != self._opened:
            return
        self.last_commit = info
        assign(self, "rowsWritten", int(info.total_rows))
        assign(self, "pendingRows", int(info.pending_rows))
        self.committed.emit()

    # -- reading back ------------------------------------------------------------------------
    @Slot(str, float, float, int, result=int)
    def query(self, tag: str, start: float, end: float, maxPoints: int) -> int:
        """Ask for ``tag`` between ``start`` and ``end`` (ms since the epoch), downsampled to at
        most ``maxPoints``; queryFinished(id, points) answers (empty without a store)."""
        self._requests += 1
        request = self._requests
        if self.isComplete:
            self._ask(request, tag, start, end, maxPoints)
        else:
            self._early.append((request, tag, start, end, maxPoints))  # asked once open
        return request

    def _ask(self, request: int, tag: str, start: float, end: float, most: int) -> None:
        answer = deliver(weakref.ref(self), "_points")
        store = self._store
        if store is None:
            answer(request, [])  # still queued: the caller has the id before the answer
        else:
            store.query(tag, int(start), int(end), max(1, int(most)), partial(answer, request))

    def _points(self, request: int, points: list) -> None:
        self.queryFinished.emit(request, [point_for_qml(*p) for p in points])


class _Keeper:
    """What must be closed when the S7History goes, reachable without the QObject."""

    def __init__(self, tap: AlarmTap) -> None:
        self.tap = tap
        self.store: Store | None = None

    def close(self, *_: object) -> None:
        self.tap.stop()
        store, self.store = self.store, None
        if store is not None:
            _shut(store)


def _shut(store: Store) -> None:
    journal().detach(store)
    store.close()
