"""The poll scheduler of a session: which members are due, batched per event-loop turn.

Members due at the same moment are read together: the scheduler keeps one timer per distinct
interval (not one per variable), and every read asked for in one event-loop turn (timers that
fired together, ``poll_now`` calls) goes out as one batch when the loop is next idle.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, QTimer

from ..core.address import Address
from .member import Member

Part = tuple[tuple[int, ...], tuple[Address, ...]]


class PollGroup:
    """The members polled at one interval, with their timer and their cached batch part."""

    __slots__ = ("_part", "busy", "interval", "members", "timer")

    def __init__(self, interval: int, timer: QTimer) -> None:
        self.interval = interval
        self.timer = timer
        self.members: dict[int, Member] = {}  # key -> member, in subscription order
        self.busy = False  # a read of this group is in flight: its next tick is skipped
        self._part: Part | None = None

    def part(self) -> Part:
        """(keys, addresses) of the members that have an address, built once per change."""
        if self._part is None:
            live = [(key, m.address) for key, m in self.members.items() if m.address is not None]
            self._part = (tuple(k for k, _ in live), tuple(a for _, a in live))
        return self._part

    def invalidate(self) -> None:
        """A member or an address changed: build the part again when next asked."""
        self._part = None


class PollScheduler(QObject):
    """Decides which members of one session are due; hands each batch to ``read``.

    ``read(groups, members)`` gets the groups whose timer fired and the members asked for with
    :meth:`poll_now` in this event-loop turn. A group whose last read is still in flight is
    left out, so a slow PLC is never asked for the same values twice.
    """

    def __init__(self, read: Callable[[list[PollGroup], list[Member]], None], parent: QObject):
        super().__init__(parent)
        self._read = read
        self._groups: dict[int, PollGroup] = {}  # interval -> group
        self._due_groups: dict[int, PollGroup] = {}
        self._due: dict[int, Member] = {}
        self._flush = QTimer(self)
        self._flush.setSingleShot(True)
        self._flush.setInterval(0)
        self._flush.timeout.connect(self._send)
        self.overruns = 0  # ticks that came while their group's last read was in flight

    def set_intervals(self, member: Member, intervals: frozenset[int]) -> None:
        """Poll ``member`` at exactly these intervals (ms) from now on."""
        key = member.key
        for interval, group in list(self._groups.items()):
            if interval not in intervals and group.members.pop(key, None) is not None:
                self._changed(group)
        for interval in intervals:
            group = self._groups.get(interval) or self._start(interval)
            if group.members.get(key) is not member:
                group.members[key] = member
                group.invalidate()

    def address_changed(self, member: Member) -> None:
        """``member`` reads another address now (or none)."""
        for group in self._groups.values():
            if member.key in group.members:
                group.invalidate()

    def forget(self, member: Member) -> None:
        """Stop polling ``member``."""
        self._due.pop(member.key, None)
        for group in list(self._groups.values()):
            if group.members.pop(member.key, None) is not None:
                self._changed(group)

    def poll_now(self, member: Member) -> None:
        """Read ``member`` with the batch of this event-loop turn."""
        self._due[member.key] = member
        if not self._flush.isActive():
            self._flush.start()

    def tick(self, interval: int) -> None:
        """The group of ``interval`` is due now (what its timer does; benchmarks call it too).

        A group whose last read is still in flight is left out: an overrun, counted.
        """
        group = self._groups.get(interval)
        if group is None:
            return
        if group.busy:
            self.overruns += 1
            return
        self._due_groups[group.interval] = group
        if not self._flush.isActive():
            self._flush.start()

    def _start(self, interval: int) -> PollGroup:
        timer = QTimer(self)
        timer.setTimerType(Qt.TimerType.PreciseTimer)
        timer.setInterval(interval)
        group = self._groups[interval] = PollGroup(interval, timer)
        timer.timeout.connect(lambda: self.tick(interval))
        timer.start()
        return group

    def _changed(self, group: PollGroup) -> None:
        group.invalidate()
        if not group.members:
            del self._groups[group.interval]
            self._due_groups.pop(group.interval, None)
            group.timer.stop()
            group.timer.deleteLater()

    def _send(self) -> None:
        groups = [g for g in self._due_groups.values() if not g.busy]
        members = list(self._due.values())
        self._due_groups.clear()
        self._due.clear()
        if groups or members:
            self._read(groups, members)
