"""The quality of a value: the Siemens quality byte (as WinCC, PROFINET IOxS and OPC DA use it).

The top two bits give the severity: bad below 0x40, uncertain from 0x40, good from 0x80; the
sub-status bits say why. One table holds every code qml-s7 sets, with its OPC UA StatusCode
and what it means for an S7 variable; docs/QUALITY.md shows it (tests/test_quality.py keeps
the two equal). No Qt here.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum


class Quality(IntEnum):
    """S7Variable.Quality: the quality byte of ``data``."""

    Bad = 0x00
    BadConfigurationError = 0x04
    BadNotConnected = 0x08
    BadDeviceFailure = 0x0C
    BadNoCommunicationLastUsable = 0x14
    BadNoCommunication = 0x18
    BadOutOfService = 0x1C
    BadWaitingForInitialData = 0x20
    Uncertain = 0x40
    UncertainLastUsableValue = 0x44
    Good = 0x80


class Severity(IntEnum):
    """What a quality byte's top two bits say."""

    Bad = 0
    Uncertain = 1
    Good = 2


def severity(quality: int) -> Severity:
    """The severity of a quality byte: bad < 0x40 <= uncertain < 0x80 <= good."""
    if quality >= 0x80:
        return Severity.Good
    return Severity.Uncertain if quality >= 0x40 else Severity.Bad


@dataclass(frozen=True, slots=True)
class QualityInfo:
    """One row of the quality table."""

    quality: Quality
    text: str  # short, for a tool tip: "no communication, last usable value"
    opc_ua: str  # the OPC UA StatusCode name
    opc_ua_code: int
    meaning: str  # when qml-s7 sets it


TABLE: tuple[QualityInfo, ...] = (
    QualityInfo(
        Quality.Good, "good", "Good", 0x00000000, "the value was read (or written) just now"
    ),
    QualityInfo(
        Quality.UncertainLastUsableValue,
        "uncertain: the CPU is in STOP, the last value",
        "UncertainLastUsableValue",
        0x40900000,
        "the CPU is in STOP: the memory is still read, but no program keeps it current",
    ),
    QualityInfo(
        Quality.Uncertain, "uncertain", "Uncertain", 0x40000000, "not set by qml-s7 itself"
    ),
    QualityInfo(
        Quality.BadWaitingForInitialData,
        "waiting for the first value",
        "BadWaitingForInitialData",
        0x80320000,
        "connected, the first read has not come back yet",
    ),
    QualityInfo(
        Quality.BadOutOfService,
        "out of service: polling is disabled",
        "BadOutOfService",
        0x808D0000,
        "the variable is not enabled: nothing is read",
    ),
    QualityInfo(
        Quality.BadNoCommunication,
        "no communication",
        "BadNoCommunication",
        0x80310000,
        "the link to the PLC was lost before a value was ever read",
    ),
    QualityInfo(
        Quality.BadNoCommunicationLastUsable,
        "no communication, the last value",
        "BadNoCommunication",
        0x80310000,
        "the link to the PLC was lost; data keeps the last value read",
    ),
    QualityInfo(
        Quality.BadDeviceFailure,
        "device failure",
        "BadDeviceFailure",
        0x808B0000,
        "the PLC answered the read with something unusable (wrong size, garbled)",
    ),
    QualityInfo(
        Quality.BadNotConnected,
        "not connected",
        "BadNotConnected",
        0x808A0000,
        "the client has not connected yet, or is disconnected on purpose",
    ),
    QualityInfo(
        Quality.BadConfigurationError,
        "configuration error",
        "BadConfigurationError",
        0x80890000,
        "the name is no address or tag, there is no S7Client, or the PLC refuses the address "
        "(no such DB, out of range, access denied)",
    ),
    QualityInfo(Quality.Bad, "bad", "Bad", 0x80000000, "not set by qml-s7 itself"),
)
_BY_CODE = {info.quality: info for info in TABLE}


def describe(quality: int) -> str:
    """A short text for a quality byte, for a tool tip."""
    info = _BY_CODE.get(quality)  # type: ignore[call-overload]
    if info is not None:
        return info.text
    return f"{severity(quality).name.lower()} (quality 0x{quality:02X})"
