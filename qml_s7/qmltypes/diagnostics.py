"""S7Diagnostics: how one client's link is doing (``S7Client.diagnostics``), once a second.

The I/O thread counts every frame and round trip (qml_s7/link/stats.py) and reports at most
once a second; the session adds the poll overruns. Figures not known yet read -1.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Property, QObject, Signal, Slot
from PySide6.QtQml import QmlElement, QmlUncreatable

from .props import assign, notified
from .wrappers import drop_attributes_when_destroyed

QML_IMPORT_NAME = "QmlS7"
QML_IMPORT_MAJOR_VERSION = 1

# Seconds of round trips kept for a sparkline.
HISTORY = 60


@QmlElement
@QmlUncreatable("S7Diagnostics is the diagnostics property of an S7Client")
class S7Diagnostics(QObject):
    """Round trips, traffic, poll cycles, overruns and failures of one S7Client's link."""

    roundTripChanged = Signal()
    roundTripMeanChanged = Signal()
    requestsPerSecondChanged = Signal()
    bytesPerSecondChanged = Signal()
    cycleTimeChanged = Signal()
    overrunsChanged = Signal()
    failedRequestsChanged = Signal()
    historyChanged = Signal()
    updated = Signal()  # once per report, after every figure changed

    # ms, the last request's round trip (-1: none yet)
    roundTrip = notified("roundTrip", float, -1.0, roundTripChanged, readonly=True)
    # ms, the mean round trip over the last minute
    roundTripMean = notified("roundTripMean", float, -1.0, roundTripMeanChanged, readonly=True)
    requestsPerSecond = notified(
        "requestsPerSecond", float, 0.0, requestsPerSecondChanged, readonly=True
    )
    bytesPerSecond = notified("bytesPerSecond", float, 0.0, bytesPerSecondChanged, readonly=True)
    # ms, the last poll cycle from its first request to its last value decoded
    cycleTime = notified("cycleTime", float, -1.0, cycleTimeChanged, readonly=True)
    # poll ticks that came while the previous cycle of their interval was still running
    overruns = notified("overruns", int, 0, overrunsChanged, readonly=True)
    failedRequests = notified("failedRequests", int, 0, failedRequestsChanged, readonly=True)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        drop_attributes_when_destroyed(self)
        self._history: list[float] = []

    def _get_history(self) -> list[float]:
        return list(self._history)

    # The last round trip of each report of the last minute, oldest first (a sparkline's).
    history = Property("QVariantList", _get_history, notify=historyChanged)

    @Slot(object)
    def update(self, figures: dict[str, Any]) -> None:
        """Take a report of the session (LinkStats.report() and the overruns)."""
        for name in (
            "roundTrip",
            "roundTripMean",
            "requestsPerSecond",
            "bytesPerSecond",
            "cycleTime",
        ):
            assign(self, name, float(figures[name]))
        assign(self, "overruns", int(figures["overruns"]))
        assign(self, "failedRequests", int(figures["failedRequests"]))
        if figures["roundTrip"] >= 0:
            self._history = [*self._history[-(HISTORY - 1) :], float(figures["roundTrip"])]
            self.historyChanged.emit()
        self.updated.emit()
