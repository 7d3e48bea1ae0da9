"""What an S7Gateway publishes of the alarms: each S7Alarm's state on ``alarm/<alarm>``.

Every S7Alarm of the application (those of the file, and each client's communication alarm)
as the alarm registry lists them, named as in the history (``history.alarm_name``): its
ISA-18.2 state, whether it is active and acknowledged, its priority, text and group, and when
it last changed; retained. The registry tells of every change (a poll cycle may change
thousands); the changed are published when the event loop next turns, each only when what
it shows differs from what was sent. An alarm that leaves the registry (destroyed, or a
communication alarm disabled) has its retained message removed (an empty payload).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import shiboken6
from PySide6.QtCore import QObject, QTimer, Slot

from ..alarms import State
from ..gateway import messages
from ..gateway.topics import Topics
from .alarm import S7Alarm, registry
from .history import alarm_name

Send = Callable[[str, bytes], None]  # (topic, payload): published retained

_STATES = {int(state): state.name for state in State}


def alarm_state(alarm: S7Alarm) -> messages.AlarmState:
    """What the gateway publishes of ``alarm`` now."""
    return messages.AlarmState(
        state=_STATES.get(alarm.state, str(alarm.state)),
        active=alarm.active,
        acknowledged=alarm.acknowledged,
        priority=alarm.priority,
        text=alarm.text,
        group=alarm.group,
        ts=max(alarm.cameAt, alarm.wentAt, alarm.acknowledgedAt),
    )


class AlarmPublisher(QObject):
    """Publishes the alarms of the registry while started (see the module doc)."""

    def __init__(self, send: Send, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._send = send
        self._topics: Topics | None = None
        self._marked: dict[int, S7Alarm] = {}
        self._sent: dict[int, tuple[str, bytes]] = {}  # id -> (topic, payload) last sent
        self.live = False  # connected to the broker: send; else forget (all go at connect)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._flush)
        self.destroyed.connect(partial(registry().forget, id(self)))  # not told when gone

    def start(self, topics: Topics) -> None:
        """Listen to the registry under ``topics`` (until stop())."""
        self.stop()
        self._topics = topics
        registry().listen(self)

    def stop(self) -> None:
        registry().forget(id(self))
        self._topics = None
        self._marked.clear()
        self._sent.clear()

    def send_all(self) -> None:
        """Every alarm's state now (at connect: retained messages may be gone)."""
        self._marked.clear()
        self._sent.clear()
        for alarm in registry().alarms():
            self._publish(alarm)

    # -- AlarmListener -------------------------------------------------------------------------
    def alarm_added(self, alarm: S7Alarm) -> None:
        self.alarm_changed(alarm)

    def alarm_changed(self, alarm: S7Alarm) -> None:
        self._marked[id(alarm)] = alarm
        if not self._timer.isActive():
            self._timer.start(0)

    def alarm_removed(self, alarm: S7Alarm) -> None:
        """Out of the registry (identity only: it may be being destroyed)."""
        self._marked.pop(id(alarm), None)
        sent = self._sent.pop(id(alarm), None)
        if sent is not None and self.live:
            self._send(sent[0], b"")  # an empty retained message removes the retained one

    @Slot()
    def _flush(self) -> None:
        marked, self._marked = self._marked, {}
        if self.live:
            for alarm in marked.values():
                if shiboken6.isValid(alarm):
                    self._publish(alarm)

    def _publish(self, alarm: S7Alarm) -> None:
        topics = self._topics
        if topics is None or not self.live:
            return
        topic = topics.alarm(alarm_name(alarm) or "alarm")
        payload = messages.encode_alarm(alarm_state(alarm))
        if self._sent.get(id(alarm)) != (topic, payload):
            self._sent[id(alarm)] = (topic, payload)
            self._send(topic, payload)
