"""What an S7Variable needs of the client it reads and writes through.

Two clients give it: S7Client (a link of its own to one PLC) and S7RemoteClient (a gateway's
variables through an MQTT broker). A variable uses ``client``, else its nearest enclosing
:class:`ClientFace`; it joins the client's ``session`` (a :class:`ClientSession`) and hears
back through the session's calls of :class:`~qml_s7.session.member.VariableSink`. Nothing
else of the client is used, so a variable behaves the same under either.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from PySide6.QtCore import SignalInstance

from ..core.address import Address, AddressError
from ..core.codec import ByteOrder
from ..session.member import Hearing, Member, VariableSink
from ..tags import Symbol


class ClientSession(Protocol):
    """What a variable asks of its client's session (Session, RemoteSession)."""

    byte_order: ByteOrder  # how values are encoded for ``write``

    @property
    def cpu_stopped(self) -> bool:
        """The source's CPU is in STOP: a value just read is only uncertain."""
        ...

    def attach(self, sink: VariableSink) -> Member:
        """Take a variable in; the member it gets back names it in every later call."""
        ...

    def detach(self, member: Member) -> None:
        """Let a variable go."""
        ...

    def set_address(self, member: Member, address: Address | None, tag: str) -> None:
        """``member`` stands for ``address``, named ``tag`` (its name, else its address)."""
        ...

    def set_intervals(self, member: Member, intervals: frozenset[int]) -> None:
        """The poll intervals (ms) its Pollings ask for."""
        ...

    def set_enabled(self, member: Member, enabled: bool) -> None:
        """Whether the variable takes values at all."""
        ...

    def poll_now(self, member: Member) -> None:
        """Read the value once now."""
        ...

    def listen(
        self,
        member: Member,
        hearing: Hearing,
        value: Any = None,
        stamp: int = 0,
        notify: Callable[[], None] | None = None,
    ) -> tuple[Callable[[], Any], Callable[[], int]] | None:
        """How much of the poll ``member`` hears from now on (``notify`` tells it of a change
        while it hears CHANGES). One that stops hearing every read hands over the ``value``
        and ``stamp`` it shows and gets back where to find them from then on; None: it hears
        every read (a session without a table of values, like a remote one, always says so)."""
        ...

    def write(self, member: Member, payload: bytes, value: Any) -> int:
        """Write ``payload`` (``value`` encoded; ``value`` as it reads back); its ticket."""
        ...


class ClientFace:
    """Base of every client that S7Variables attach to (mixed into a QObject class).

    Besides the methods below, a client has ``session`` (a :class:`ClientSession`), the bool
    property ``connected`` (values can be read and written now) with its signal
    ``connectedChanged``, and the signal ``symbolsChanged`` (tag names may mean something else
    now). Signals belong to QObject classes, so each client declares its own.
    """

    __slots__ = ()

    session: ClientSession
    connected: bool
    connectedChanged: SignalInstance
    symbolsChanged: SignalInstance

    def symbol(self, name: str) -> Symbol | None:
        """The tag ``name`` (a name that is no address), or None while it names nothing."""
        raise NotImplementedError

    def unknown_name(self, name: str, error: AddressError) -> str:
        """Why ``name`` names nothing (``error``: why it is no address); "" while this cannot
        be known yet (the names arrive later): the variable then waits without an error."""
        raise NotImplementedError

    def label(self) -> str:
        """The client in the audit trail and in messages: its objectName, else where it is."""
        raise NotImplementedError
