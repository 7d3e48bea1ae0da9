"""The mode switch of the demo's embedded simulator, for the panel's PLC page.

A real CPU is switched by hand or from TIA Portal, never by an HMI; the embedded simulator
gets this switch so that the demo can show what STOP looks like (uncertain values, the CPU
badge, the tank standing still). The panel shows the state the PLC reports (S7Client's
cpuState), not what was last asked for here.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Slot

from ..simulator import Simulator


class ModeSwitch(QObject):
    """``stop()`` and ``run()`` the embedded simulator's CPU (the panel's ``simulator``)."""

    def __init__(self, simulator: Simulator, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._simulator = simulator

    @Slot()
    def stop(self) -> None:
        """Put the CPU into STOP: its program (the tank) pauses, its memory stays readable."""
        self._simulator.set_cpu_state("STOP")

    @Slot()
    def run(self) -> None:
        """Put the CPU back into RUN."""
        self._simulator.set_cpu_state("RUN")
