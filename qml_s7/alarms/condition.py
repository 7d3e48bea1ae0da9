"""When an alarm's condition holds: the kinds, the deadband, and the text with the value.

Pure functions, no Qt: S7Alarm (qml_s7/qmltypes/alarm.py) calls them with its source's value.
"""

from __future__ import annotations

import math
import re
from enum import IntEnum
from typing import Any


class Kind(IntEnum):
    """S7Alarm.Kind: a bit, or a limit that the value crosses."""

    Bit = 0  # active while the value is true (with ``inverted``, while it is false)
    HighHigh = 1  # active at >= limit
    High = 2
    Low = 3  # active at <= limit
    LowLow = 4


_HIGH = frozenset({Kind.HighHigh, Kind.High})


class ConditionError(ValueError):
    """A value that the alarm's kind cannot judge (text for a limit, NaN)."""


def evaluate(
    kind: Kind,
    value: Any,
    *,
    limit: float = 0.0,
    hysteresis: float = 0.0,
    inverted: bool = False,
    was: bool = False,
) -> bool | None:
    """Whether the condition of a ``kind`` alarm holds for ``value``; None when there is none.

    A limit comes at ``limit`` and goes only once the value has left the deadband: a high
    alarm that held (``was``) holds down to ``limit - hysteresis`` (exclusive), a low one up
    to ``limit + hysteresis``. Raises :class:`ConditionError` for a value it cannot compare.
    """
    if value is None:
        return None
    if kind == Kind.Bit:
        if isinstance(value, bool | int | float) and not (
            isinstance(value, float) and math.isnan(value)
        ):
            return bool(value) != inverted
        raise ConditionError(f"a Bit alarm needs a bool or a number, not {value!r}")
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConditionError(f"a {kind.name} alarm needs a number, not {value!r}")
    if math.isnan(value):
        raise ConditionError(f"a {kind.name} alarm cannot compare NaN with its limit")
    band = max(hysteresis, 0.0) if was else 0.0
    if kind in _HIGH:
        return value >= limit - band if was else value >= limit
    return value <= limit + band if was else value <= limit


# -- the text with the value --------------------------------------------------------------------
UNKNOWN_VALUE = "--"  # what %1 shows without a value (Theme.invalidText in the widgets)
_PLACEHOLDER = re.compile(r"%([12])")


def format_value(value: Any, decimals: int = -1) -> str:
    """``value`` for an alarm text: ``decimals`` places, or (-1) as many as it needs, up to 2.

    Whole numbers show no decimals; below 1, three significant digits (0.00123).
    """
    if value is None:
        return UNKNOWN_VALUE
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return str(value)
        if decimals >= 0:
            return f"{value:.{decimals}f}"
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        if abs(value) < 1:
            return f"{value:.3g}"
        return f"{value:.2f}".rstrip("0").rstrip(".")
    if isinstance(value, int) and decimals > 0:
        return f"{value:.{decimals}f}"
    return str(value)


def format_text(text: str, value: Any, limit: float, decimals: int = -1) -> str:
    """``text`` with ``%1`` replaced by the value and ``%2`` by the limit."""
    if "%" not in text:
        return text
    shown = {"1": format_value(value, decimals), "2": format_value(float(limit), decimals)}
    return _PLACEHOLDER.sub(lambda m: shown[m.group(1)], text)
