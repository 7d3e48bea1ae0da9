"""The application's journal: where variables, alarms and writes report what to log.

One per process (``journal()``). An S7History attaches its store; until one does, every
method returns at once having done nothing, so a variable can report each read without
asking whether history is on. It also holds the operator's name, recorded with writes and
acknowledgements (S7Operator sets it; with none set, the OS user is recorded).
"""

from __future__ import annotations

import functools
import getpass
import os

from .store import Store


@functools.lru_cache(maxsize=1)
def os_user() -> str:
    """The login name of the process's user ("uid 1000" where there is none)."""
    try:
        return getpass.getuser()
    except Exception:  # no user name in the environment nor in the password database
        return f"uid {os.getuid()}" if hasattr(os, "getuid") else ""


class Journal:
    """Hands samples, alarm events and write attempts to the attached store, if any."""

    def __init__(self) -> None:
        self._store: Store | None = None
        self.operator = ""  # "" = none: the OS user is recorded

    @property
    def store(self) -> Store | None:
        return self._store

    def attach(self, store: Store) -> None:
        """Log into ``store`` from now on (the last attached wins)."""
        self._store = store

    def detach(self, store: Store) -> None:
        """Stop logging into ``store`` (nothing happens if another one is attached)."""
        if self._store is store:
            self._store = None

    def user(self) -> str:
        """Who acts: the operator's name, else the OS user."""
        return self.operator or os_user()

    def sample(self, tag: str, ts: int, value: object, quality: int) -> None:
        store = self._store  # one read: detach may run on another thread
        if store is not None:
            store.add_sample(tag, ts, value, quality)

    def alarm_event(
        self,
        alarm: str,
        ts: int,
        event: str,
        value: object,
        user: str | None = None,
        text: str = "",
        priority: int = 0,
        group: str = "",
    ) -> None:
        """``user`` None: ``user()``; "" for events nobody caused (came, went)."""
        store = self._store
        if store is not None:
            who = self.user() if user is None else user
            store.add_alarm_event(alarm, ts, event, value, who, text, priority, group)

    def begin_write(
        self,
        ts: int,
        tag: str,
        old: object,
        new: object,
        user: str | None = None,
        client: str = "",
    ) -> int | None:
        """A write attempt's key for ``end_write``; None while no store is attached."""
        store = self._store
        if store is None:
            return None
        return store.begin_write(ts, tag, old, new, self.user() if user is None else user, client)

    def end_write(self, key: int | None, outcome: str, detail: str = "") -> None:
        """The outcome of the attempt ``key`` (from ``begin_write``; None is ignored)."""
        store = self._store
        if store is not None and key is not None:
            store.end_write(key, outcome, detail)

    def log_write(
        self,
        ts: int,
        tag: str,
        old: object,
        new: object,
        outcome: str,
        user: str | None = None,
        client: str = "",
        detail: str = "",
    ) -> None:
        """A write attempt whose outcome is known at once (invalid, not_sent)."""
        store = self._store
        if store is not None:
            who = self.user() if user is None else user
            store.log_write(ts, tag, old, new, outcome, who, client, detail)


_journal = Journal()


def journal() -> Journal:
    """The process's journal."""
    return _journal
