"""S7Logging: how an S7Variable's values go into the history (``S7Variable.logging``).

``S7Variable { name: "DB1.DBD0:REAL"; logging.mode: S7Logging.OnChange; logging.deadband: 0.5 }``

A grouped property, made on first use: a variable whose ``logging`` is never read has none,
so ten thousand unlogged variables cost nothing. The rules of what becomes a row are
qml_s7/history/policy.py's; this object only holds the settings and says when they change.

Every SampleFilter made here is known (weakly), so an S7History that opens a file can start
them afresh: what they logged before went nowhere, and each value's next read must be a row.
"""

from __future__ import annotations

import weakref
from enum import IntEnum

from PySide6.QtCore import QEnum, QObject, Signal
from PySide6.QtQml import QmlElement, QmlUncreatable

from ..history.journal import journal
from ..history.policy import LogPolicy, SampleFilter
from ..history.policy import Mode as LogMode
from .props import notified
from .wrappers import drop_attributes_when_destroyed

QML_IMPORT_NAME = "QmlS7"
QML_IMPORT_MAJOR_VERSION = 1


def _changed(self: S7Logging) -> None:
    self.policyChanged.emit()


@QmlElement
@QmlUncreatable("S7Logging is the logging property of an S7Variable")
class S7Logging(QObject):
    """The logging settings of one S7Variable: mode, deadband, interval, longest gap."""

    Mode = QEnum(IntEnum("Mode", {m.name: m.value for m in LogMode}))

    modeChanged = Signal()
    deadbandChanged = Signal()
    intervalChanged = Signal()
    maxGapChanged = Signal()
    policyChanged = Signal()  # after any of the four changed

    # Off (the default), OnChange (with the deadband) or Cyclic (every interval).
    mode = notified("mode", int, int(LogMode.Off), modeChanged, after=_changed)
    # OnChange: a number is logged when it moved more than this from the last row (0: any).
    deadband = notified("deadband", float, 0.0, deadbandChanged, after=_changed)
    # Cyclic: ms between rows.
    interval = notified("interval", int, 1000, intervalChanged, after=_changed)
    # Either mode: a row at least every maxGap ms while the value holds (0: none).
    maxGap = notified("maxGap", int, 0, maxGapChanged, after=_changed)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        drop_attributes_when_destroyed(self)

    def policy(self) -> LogPolicy:
        """The settings as the history layer takes them (unknown modes log nothing)."""
        try:
            mode = LogMode(self.mode)
        except ValueError:
            mode = LogMode.Off
        return LogPolicy(
            mode=mode,
            deadband=max(0.0, float(self.deadband)),
            interval_ms=max(1, int(self.interval)),
            max_gap_ms=max(0, int(self.maxGap)),
        )


_FILTERS: weakref.WeakSet[SampleFilter] = weakref.WeakSet()


def sample_filter(tag: str, policy: LogPolicy) -> SampleFilter:
    """A filter of ``tag``'s values into the journal, restarted by :func:`restart_filters`."""
    made = SampleFilter(tag, policy, journal().sample)
    _FILTERS.add(made)
    return made


def restart_filters() -> None:
    """Make every variable's next offer a row (a history file was opened)."""
    for made in list(_FILTERS):
        made.reset()
