"""S7Alarm: an alarm on an S7Variable (a bit, or a limit with a deadband), per ISA-18.2.

``S7Alarm { source: level; kind: S7Alarm.High; limit: 90; hysteresis: 2; onDelay: 1000;
text: "Level high: %1 %"; priority: 2; group: "Tank" }``

The decisions (condition, deadband, delays, states, shelving) are qml_s7/alarms/'s, on its
clocks; this face feeds it the source's value and quality, drives its delays with one
single-shot QTimer, and turns what it reports into properties and signals. Every completed
S7Alarm is in the application's :func:`registry`, which S7AlarmModel shows.
"""

from __future__ import annotations

import logging
import math
from enum import IntEnum
from functools import partial
from typing import Any, Protocol

import shiboken6
from PySide6.QtCore import Property, QEnum, QMetaMethod, QObject, QTimer, Signal, Slot
from PySide6.QtQml import QmlElement

from ..alarms import AlarmMachine, ConditionError, Event, evaluate, format_text, monotonic_ms
from ..alarms import Kind as AlarmKind
from ..alarms import State as AlarmState
from ..core.quality import Quality, Severity, severity
from .dataobject import DataObject, for_qml
from .object import Object
from .props import assign, notified, storage_key

QML_IMPORT_NAME = "QmlS7"
QML_IMPORT_MAJOR_VERSION = 1

log = logging.getLogger(__name__)


class AlarmError(IntEnum):
    """S7Alarm.Error."""

    NoError = 0
    InvalidSourceError = 1  # the source is neither an S7Variable nor another DataObject
    InvalidValueError = 2  # the source's value is nothing this kind can judge (text, NaN)
    InvalidParameterError = 3  # an unknown kind, a negative delay or hysteresis, shelve(0)


class AlarmListener(Protocol):
    """What an alarm list (S7AlarmModel's rows) hears from the registry."""

    def alarm_added(self, alarm: S7Alarm) -> None: ...
    def alarm_removed(self, alarm: S7Alarm) -> None: ...
    def alarm_changed(self, alarm: S7Alarm) -> None: ...


class AlarmRegistry:
    """Every S7Alarm of the application that completed and still exists, oldest first.

    Plain Python rather than a QObject with signals: a poll cycle changes thousands of
    alarms, and each change is one method call per listener here (a Qt signal into Python
    costs several times that); nor does a QObject's end at interpreter exit matter.
    """

    def __init__(self) -> None:
        self._alarms: dict[int, S7Alarm] = {}  # id -> alarm
        self._listeners: dict[int, AlarmListener] = {}

    def alarms(self) -> list[S7Alarm]:
        """The registered alarms, oldest first."""
        return list(self._alarms.values())

    def add(self, alarm: S7Alarm) -> None:
        """Show ``alarm`` in the application's alarm models until it is destroyed."""
        if id(alarm) in self._alarms:
            return
        self._alarms[id(alarm)] = alarm
        # Identity only, no Qt calls on the alarm: it is being destroyed when this runs.
        alarm.destroyed.connect(partial(self._drop, id(alarm)))
        for listener in list(self._listeners.values()):
            listener.alarm_added(alarm)

    def remove(self, alarm: S7Alarm) -> None:
        """Stop showing ``alarm`` (it lives on: a client's disabled communication alarm)."""
        self._drop(id(alarm))

    def _drop(self, key: int, *_: object) -> None:
        alarm = self._alarms.pop(key, None)
        if alarm is not None:
            for listener in list(self._listeners.values()):
                listener.alarm_removed(alarm)

    def changed(self, alarm: S7Alarm) -> None:
        """Something a list of alarms shows changed (state, timestamps, text with the value)."""
        for listener in self._listeners.values():
            listener.alarm_changed(alarm)

    def listen(self, listener: AlarmListener) -> None:
        """Tell ``listener`` of every alarm added, removed or changed, until :meth:`forget`."""
        self._listeners[id(listener)] = listener

    def forget(self, key: int, *_: object) -> None:
        """Stop telling the listener whose ``id()`` is ``key`` (a destroyed signal's slot)."""
        self._listeners.pop(key, None)


_REGISTRY = AlarmRegistry()


def registry() -> AlarmRegistry:
    """The application's alarm registry."""
    return _REGISTRY


# The properties that show the machine's state, in the order of _shown(); their defaults.
_MIRRORED = (
    "state",
    "cameAt",
    "wentAt",
    "acknowledgedAt",
    "shelvedUntil",
    "active",
    "acknowledged",
    "shelved",
    "conditionKnown",
)
_MIRRORED_DEFAULTS = (int(AlarmState.Normal), 0, 0, 0, 0, False, True, False, False)
_STORED = tuple(storage_key(name) for name in _MIRRORED)
_NOTIFY = tuple(name + "Changed" for name in _MIRRORED)
_KINDS = frozenset(int(k) for k in AlarmKind)
_DEFAULT_PRIORITY = 3
_PRIORITY, _GROUP = storage_key("priority"), storage_key("group")  # read directly, see props
_GOOD = int(Quality.Good)
_BAD = int(Quality.Bad)
_SIGNALS = {
    Event.CAME: "came",
    Event.WENT: "went",
    Event.ACKNOWLEDGED: "acknowledgement",
}


def _shown(machine: AlarmMachine) -> tuple:
    """The values of _MIRRORED for the machine's state."""
    return (
        int(machine.state),
        machine.came_at,
        machine.went_at,
        machine.acknowledged_at,
        machine.shelved_until,
        machine.active,
        machine.acknowledged,
        machine.shelved,
        machine.known,
    )


@QmlElement
class S7Alarm(Object):
    """An alarm: comes when its ``source`` meets the condition, goes, is acknowledged."""

    Kind = QEnum(IntEnum("Kind", {k.name: k.value for k in AlarmKind}))
    State = QEnum(IntEnum("State", {s.name: s.value for s in AlarmState}))
    Error = QEnum(IntEnum("Error", {e.name: e.value for e in AlarmError}))

    sourceChanged = Signal()
    kindChanged = Signal()
    limitChanged = Signal()
    hysteresisChanged = Signal()
    onDelayChanged = Signal()
    offDelayChanged = Signal()
    invertedChanged = Signal()
    textChanged = Signal()
    decimalsChanged = Signal()
    priorityChanged = Signal()
    groupChanged = Signal()
    ackVariableChanged = Signal()
    stateChanged = Signal()
    activeChanged = Signal()
    acknowledgedChanged = Signal()
    shelvedChanged = Signal()
    shelvedUntilChanged = Signal()
    cameAtChanged = Signal()
    wentAtChanged = Signal()
    acknowledgedAtChanged = Signal()
    conditionKnownChanged = Signal()
    qualityChanged = Signal()
    valueChanged = Signal()
    textWithValueChanged = Signal()
    errorChanged = Signal()
    errorStringChanged = Signal()
    errorOccurred = Signal()
    came = Signal()  # the alarm became active (after onDelay): Unacknowledged
    went = Signal()  # the alarm is no longer active (after offDelay)
    acknowledgement = Signal()  # it was acknowledged (Unacknowledged or Returned before)

    # -- what a change of a setting sets off ------------------------------------------------
    def _settings_changed(self) -> None:
        self._configure()
        self.textWithValueChanged.emit()  # the text, the limit (%2) or the decimals
        self._evaluate()
        self._tell_models()

    def _delays_changed(self) -> None:
        self._machine.on_delay = max(self.onDelay, 0)
        self._machine.off_delay = max(self.offDelay, 0)
        self._settings_changed()

    def _source_set(self) -> None:
        self._attach()

    def _shown_changed(self) -> None:
        self._tell_models()

    kind = notified("kind", int, int(AlarmKind.Bit), kindChanged, after=_settings_changed)
    limit = notified("limit", float, 0.0, limitChanged, after=_settings_changed)
    hysteresis = notified("hysteresis", float, 0.0, hysteresisChanged, after=_settings_changed)
    onDelay = notified("onDelay", int, 0, onDelayChanged, after=_delays_changed)
    offDelay = notified("offDelay", int, 0, offDelayChanged, after=_delays_changed)
    inverted = notified("inverted", bool, False, invertedChanged, after=_settings_changed)
    text = notified("text", str, "", textChanged, after=_settings_changed)
    decimals = notified("decimals", int, -1, decimalsChanged, after=_settings_changed)
    priority = notified("priority", int, _DEFAULT_PRIORITY, priorityChanged, after=_shown_changed)
    group = notified("group", str, "", groupChanged, after=_shown_changed)
    source = notified("source", QObject, None, sourceChanged, after=_source_set)
    ackVariable = notified("ackVariable", QObject, None, ackVariableChanged)
    state = notified("state", int, int(AlarmState.Normal), stateChanged, readonly=True)
    active = notified("active", bool, False, activeChanged, readonly=True)
    acknowledged = notified("acknowledged", bool, True, acknowledgedChanged, readonly=True)
    shelved = notified("shelved", bool, False, shelvedChanged, readonly=True)
    shelvedUntil = notified("shelvedUntil", "qint64", 0, shelvedUntilChanged, readonly=True)
    cameAt = notified("cameAt", "qint64", 0, cameAtChanged, readonly=True)
    wentAt = notified("wentAt", "qint64", 0, wentAtChanged, readonly=True)
    acknowledgedAt = notified("acknowledgedAt", "qint64", 0, acknowledgedAtChanged, readonly=True)
    conditionKnown = notified("conditionKnown", bool, False, conditionKnownChanged, readonly=True)
    quality = notified("quality", int, _BAD, qualityChanged, readonly=True)
    error = notified("error", int, 0, errorChanged, readonly=True)
    errorString = notified("errorString", str, "", errorStringChanged, readonly=True)

    # The signals that have a listener (a QML binding or handler, a Python slot): a poll
    # cycle changes every alarm's value, and emitting what nobody hears costs more than
    # judging it. Never cleared, so a signal heard once is always emitted.
    _heard: frozenset[str] = frozenset()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._machine = AlarmMachine()
        self._attached: DataObject | None = None  # the source whose signals this alarm hears
        self._has_quality = False  # the source is an S7Variable
        self._given: bool | None = None  # set_condition's, for an alarm without a source
        self._value: Any = None
        self._config: tuple = ()  # what _evaluate needs of the settings (see _configure)
        self._seen = _MIRRORED_DEFAULTS  # the machine's state as the properties show it
        self._due: float | None = None  # when the timer is set to fire (the machine's clock)
        self._timer: QTimer | None = None  # made when a delay or a shelving first runs
        self._configure()

    def connectNotify(self, signal: QMetaMethod) -> None:
        """Note that ``signal`` has a listener: from now on it is emitted."""
        self._heard = self._heard | {signal.name().data().decode()}

    # -- the value and its text -------------------------------------------------------------
    def _get_value(self) -> Any:
        return for_qml(self._value)

    # The source's value as the alarm last judged it (undefined without one).
    value = Property("QVariant", _get_value, notify=valueChanged)

    def _get_text_with_value(self) -> str:
        return format_text(self.text, self._value, self.limit, self.decimals)

    # ``text`` with %1 replaced by the value (-- while there is none) and %2 by the limit.
    textWithValue = Property(str, _get_text_with_value, notify=textWithValueChanged)

    def snapshot(self) -> tuple[int, int, int, bool, str]:
        """(priority, cameAt, state, conditionKnown, group): what sorting, filtering and
        counting alarms look at, read in one call (for every alarm of a flood)."""
        machine, values = self._machine, self.__dict__
        priority, group = values.get(_PRIORITY, _DEFAULT_PRIORITY), values.get(_GROUP, "")
        return priority, machine.came_at, int(machine.state), machine.known, group

    # -- the source ---------------------------------------------------------------------------
    def onComplete(self) -> None:
        self._attach()
        registry().add(self)

    def _attach(self) -> None:
        """Hear the source's value and quality (after completion; before, only store it)."""
        if not self.isComplete:
            return
        source = self.source
        if source is not self._attached:
            self._detach()
            if isinstance(source, DataObject):
                self._attached = source
                # An S7Variable, known by its quality signal: not importing variable.py
                # keeps this module importable from client.py (a communication alarm).
                self._has_quality = hasattr(source, "qualityChanged")
                source.dataChanged.connect(self._evaluate)
                if self._has_quality:
                    source.qualityChanged.connect(self._evaluate)
                source.destroyed.connect(self._source_destroyed)
        self._configure()
        self._evaluate()

    def _detach(self) -> None:
        source, self._attached = self._attached, None
        if source is None or not shiboken6.isValid(source):
            return
        source.dataChanged.disconnect(self._evaluate)
        if self._has_quality:
            source.qualityChanged.disconnect(self._evaluate)
        source.destroyed.disconnect(self._source_destroyed)

    @Slot()
    def _source_destroyed(self) -> None:
        self._attached = None
        assign(self, "source", None)
        self._configure()
        self._evaluate()

    def set_condition(self, active: bool | None) -> None:
        """The condition of an alarm without a source, from Python: true, false, or None
        (unknown, e.g. the link that would tell is down). Delays, states and shelving work
        as with a source. Raises ValueError on an alarm that has a source."""
        if self.source is not None:
            raise ValueError("set_condition is for an S7Alarm without a source")
        self._given = None if active is None else bool(active)
        self._evaluate()

    # -- evaluation -----------------------------------------------------------------------
    def _configure(self) -> None:
        """Gather what evaluating a value needs of the settings, once per change of them."""
        problem = self._settings_problem()
        kind = AlarmKind(self.kind) if problem is None else AlarmKind.Bit
        shows_value = "%1" in self.text
        self._config = (problem, kind, self.limit, self.hysteresis, self.inverted, shows_value)

    def _settings_problem(self) -> tuple[AlarmError, str] | None:
        if self.kind not in _KINDS:
            return AlarmError.InvalidParameterError, f"{self._label()}: no kind {self.kind}"
        for name in ("hysteresis", "onDelay", "offDelay"):
            number = getattr(self, name)
            if not number >= 0:  # NaN too
                return (
                    AlarmError.InvalidParameterError,
                    f"{self._label()}: {name} must be 0 or more, not {number}",
                )
        if math.isnan(self.limit):
            return AlarmError.InvalidParameterError, f"{self._label()}: the limit is NaN"
        if self.source is not None and not isinstance(self.source, DataObject):
            return (
                AlarmError.InvalidSourceError,
                f"{self._label()}: the source must be an S7Variable (or another DataObject)",
            )
        return None

    @Slot()
    def _evaluate(self) -> None:
        """Judge the source's value now (or the given condition) and move the state.

        Runs for every new value of the source: thousands of times per poll cycle in a large
        panel, hence the settings gathered beforehand and no work for what did not change.
        """
        if not self.isComplete:
            return
        problem, kind, limit, hysteresis, inverted, shows_value = self._config
        quality, value, condition = _BAD, None, None
        source = self._attached
        if problem is not None:
            pass
        elif source is not None:
            value = source.data
            quality = source.quality if self._has_quality else _GOOD
            if severity(quality) == Severity.Good:
                try:
                    condition = evaluate(
                        kind,
                        value,
                        limit=limit,
                        hysteresis=hysteresis,
                        inverted=inverted,
                        was=self._machine.condition,
                    )
                except ConditionError as exc:
                    problem = (AlarmError.InvalidValueError, f"{self._label()}: {exc}")
        else:
            condition = self._given
            quality = _BAD if condition is None else _GOOD
        if problem is not None or self.error:
            self._set_error(*(problem or (AlarmError.NoError, "")))
        shown = assign(self, "quality", quality)
        if _differs(self._value, value):
            self._value = value
            heard = self._heard
            if "valueChanged" in heard:
                self.valueChanged.emit()
            if shows_value:
                if "textWithValueChanged" in heard:
                    self.textWithValueChanged.emit()
                shown = True
        self._apply(self._machine.observe(condition), shown)

    def _apply(self, events: list[Event], changed: bool = False) -> None:
        """Copy the machine's state into the properties, emit its events, re-arm the timer;
        tell the alarm models when something they show changed (or ``changed`` says so)."""
        seen, heard = _shown(self._machine), self._heard
        if seen != self._seen:
            # What props.assign does, emitting only what is heard (props.py allows the
            # direct store): a flood of alarms moves thousands of these at once.
            values = self.__dict__
            for old, new, key, notify in zip(self._seen, seen, _STORED, _NOTIFY, strict=True):
                if old != new:
                    values[key] = new
                    if notify in heard:
                        getattr(self, notify).emit()
            self._seen = seen
            changed = True
        for event in events:
            signal = _SIGNALS.get(event)
            if signal is not None and signal in heard:
                getattr(self, signal).emit()
        self._arm()
        if changed:
            self._tell_models()

    def _tell_models(self) -> None:
        registry().changed(self)

    def _arm(self) -> None:
        due = self._machine.next_due()
        if due == self._due:
            return  # the timer is set for it already (a condition flickering in its delay)
        self._due = due
        timer = self._timer
        if due is None:
            if timer is not None:
                timer.stop()
            return
        if timer is None:
            timer = self._timer = QTimer(self)
            timer.setSingleShot(True)
            timer.timeout.connect(self._advance)
        timer.start(max(0, math.ceil(due - monotonic_ms())))

    @Slot()
    def _advance(self) -> None:
        # A timer may fire a little early: advance() then finds nothing due, and _arm() sets
        # the timer again, as it would for a new deadline.
        self._due = None
        self._apply(self._machine.advance())

    # -- the operator's actions ---------------------------------------------------------------
    @Slot(result=bool)
    def acknowledge(self) -> bool:
        """Acknowledge: Unacknowledged -> Acknowledged, ReturnedUnacknowledged -> Normal.

        While the alarm is not Normal (also when it is active and acknowledged already),
        ``true`` is written to ``ackVariable``: PLC logic that latches an alarm bit until it
        is acknowledged resets it then. True when the state changed.
        """
        if self.state in (AlarmState.Normal, AlarmState.Shelved):
            return False
        events = self._machine.acknowledge()
        self._write_ack()
        self._apply(events)
        return bool(events)

    def _write_ack(self) -> None:
        target = self.ackVariable
        if target is None:
            return
        if not isinstance(target, DataObject):
            self._set_error(
                AlarmError.InvalidParameterError,
                f"{self._label()}: ackVariable must be an S7Variable",
            )
            return
        target.setData(True)  # an S7Variable writes it; its own error says if that failed

    @Slot(int, result=bool)
    def shelve(self, ms: int) -> bool:
        """Suppress the alarm for ``ms`` (again, from now), then evaluate it afresh; false and
        an error for ms <= 0."""
        try:
            events = self._machine.shelve(ms)
        except ValueError as exc:
            self._set_error(AlarmError.InvalidParameterError, f"{self._label()}: {exc}")
            return False
        self._apply(events)
        return True

    @Slot()
    def unshelve(self) -> None:
        """End a shelving now: the alarm comes at once if its condition holds."""
        self._apply(self._machine.unshelve())

    # -- errors -------------------------------------------------------------------------------
    def _label(self) -> str:
        name = self.objectName() or self.text
        return f'S7Alarm "{name}"' if name else "S7Alarm"

    def _set_error(self, error: AlarmError, text: str) -> None:
        changed = assign(self, "error", int(error))
        changed |= assign(self, "errorString", text)
        if changed and error != AlarmError.NoError:
            log.warning("%s", text)
            self.errorOccurred.emit()


def _differs(old: Any, new: Any) -> bool:
    """A change of value or of type (1 after True) counts; NaN after NaN does not."""
    if type(old) is not type(new):
        return True
    if isinstance(new, float) and math.isnan(new):
        return not math.isnan(old)
    return old != new
