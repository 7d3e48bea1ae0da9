"""Alarms without Qt: conditions with deadbands, ISA-18.2 states, delays and shelving.

S7Alarm (qml_s7/qmltypes/alarm.py) is the QML face; everything it decides is decided here,
on an injectable clock, so that tests drive it in microseconds.
"""

from .condition import ConditionError, Kind, evaluate, format_text, format_value
from .machine import AlarmMachine, Event, State, epoch_ms, monotonic_ms

__all__ = [
    "AlarmMachine",
    "ConditionError",
    "Event",
    "Kind",
    "State",
    "epoch_ms",
    "evaluate",
    "format_text",
    "format_value",
    "monotonic_ms",
]
