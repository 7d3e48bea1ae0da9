"""The communication alarm of an S7Client (``commAlarm``): no link to the PLC is an alarm.

Active while the client wants its link (connectToHost, autoConnect) and has none after a
failure: the PLC refused, did not answer, the link broke. Connecting for the first time is
not an alarm until it fails; a disconnect on request never is. Its values going stale is
what makes this an alarm: every S7Alarm on the client's variables shows its condition as
unknown meanwhile, so this one says why. Priority 1, group "Communication"; QML can change
any of its settings (``commAlarm.onDelay: 5000`` rides out short breaks).
"""

from __future__ import annotations

from PySide6.QtCore import QObject

from ..core.errors import ClientError
from .alarm import S7Alarm, registry

GROUP = "Communication"
PRIORITY = 1


def default_text(where: str) -> str:
    """The alarm's text for a client of ``where`` (host:port)."""
    return f"No connection to the PLC at {where}"


class CommAlarm:
    """Keeps one client's communication alarm: its condition, its text, its being listed."""

    def __init__(self, parent: QObject) -> None:
        self.alarm = S7Alarm(parent)
        self.alarm.setObjectName("commAlarm")  # findChild(S7Alarm, "commAlarm") on the client
        self.alarm.setProperty("priority", PRIORITY)
        self.alarm.setProperty("group", GROUP)
        self._text = ""  # the text this class last set: a user's own text is left alone
        self._enabled = True

    def complete(self, where: str) -> None:
        """The client is complete: the alarm takes its settings and joins the alarm lists."""
        self.name(where)
        self.alarm.complete()  # registers it
        self.alarm.set_condition(False)
        if not self._enabled:
            registry().remove(self.alarm)

    def enable(self, enabled: bool) -> None:
        """Listed and judged (the default), or kept out of every alarm list and Normal."""
        self._enabled = enabled
        if not self.alarm.isComplete:
            return
        if enabled:
            registry().add(self.alarm)
        else:
            self.alarm.set_condition(False)
            registry().remove(self.alarm)

    def name(self, where: str) -> None:
        """The client's host or port changed: the text says the new place (unless given)."""
        text = self.alarm.property("text")
        if text == self._text:
            self._text = default_text(where)
            self.alarm.setProperty("text", self._text)

    def judge(self, wanted: bool, connected: bool, error: int) -> None:
        """Active while the link is ``wanted`` but lost (``error`` says why); else Normal."""
        if self.alarm.isComplete:
            down = wanted and not connected and error != ClientError.NoError
            self.alarm.set_condition(self._enabled and down)
