"""What an S7Gateway publishes of its variables: their tag names, the catalog, their values.

A tag is named as its S7Variable: ``name`` (an address or a tag of the client's tag tables),
else the address the variable's type/db/address/bit make. :class:`TagPublisher` sends each
variable's value ``{"v", "q", "ts"}`` when its data or quality changed, at most once per
variable per event-loop turn, however many changes came in that turn: each variable's two
signals go to one small callable made once per variable, which only marks it; the marked are
published when the event loop next turns, a time slice at a time.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from functools import partial
from time import perf_counter

import shiboken6
from PySide6.QtCore import QObject, QTimer, Slot

from ..gateway import messages
from .client import S7Client
from .clientface import ClientFace
from .dataobject import now_ms, plain_value
from .variable import S7Variable

log = logging.getLogger(__name__)

# Publishing marked values: at most this long per event-loop turn, checked every _CHUNK.
_SLICE_S = 0.010
_CHUNK = 64

Send = Callable[[str, bytes], None]  # (topic, payload): published retained


def tag_name(variable: S7Variable) -> str:
    """The name a variable is published under: its ``name``, else its address ("" if none)."""
    return variable.name.strip() or str(variable.plcAddress or "")


def client_of(variable: S7Variable) -> S7Client | None:
    """The S7Client a variable reads through (``client``, else the nearest enclosing client);
    None when it has none, or its client is another kind (an S7RemoteClient's variables are
    some gateway's already)."""
    node = variable.client
    if not isinstance(node, ClientFace):
        node = QObject.parent(variable)
        while node is not None and not isinstance(node, ClientFace):
            node = QObject.parent(node)
    return node if isinstance(node, S7Client) else None


def every_variable(near: QObject) -> list[S7Variable]:
    """Every S7Variable of the object tree ``near`` belongs to (a QML file's objects) that
    reads a PLC through an S7Client."""
    root = near
    while QObject.parent(root) is not None:
        root = QObject.parent(root)
    found = root.findChildren(S7Variable)
    if isinstance(root, S7Variable):
        found.insert(0, root)
    return [variable for variable in found if client_of(variable) is not None]


class Tag:
    """One published variable: its name, its value topic, whether panels may write it."""

    __slots__ = ("holds", "index", "name", "topic", "variable", "writable")

    def __init__(self, variable: S7Variable, name: str, topic: str, writable: bool) -> None:
        self.index = 0  # its place in the publisher's list
        self.variable = variable
        self.name = name
        self.topic = topic
        self.writable = writable
        self.holds = 0  # gateway writes in flight: the value shown is not the PLC's yet


def make_tags(
    variables: Iterable[S7Variable], writable: Iterable[S7Variable], topic: Callable[[str], str]
) -> list[Tag]:
    """One Tag per distinct name (the first variable of a name wins; the others are named in
    the log); ``topic(name)`` is a tag's value topic."""
    may_write = {id(v) for v in writable}
    tags: dict[str, Tag] = {}
    for variable in variables:
        if not shiboken6.isValid(variable):
            continue
        name = tag_name(variable)
        if not name:
            log.warning("S7Gateway: an S7Variable without name or address is not published")
            continue
        known = tags.get(name)
        if known is not None:
            if known.variable is not variable:
                log.warning('S7Gateway: two S7Variables named "%s": the first is published', name)
            continue
        tags[name] = Tag(variable, name, topic(name), id(variable) in may_write)
    for variable in writable:
        if shiboken6.isValid(variable) and tag_name(variable) not in tags:
            log.warning(
                'S7Gateway: "%s" is writable but not published, so panels cannot write it',
                tag_name(variable),
            )
    return list(tags.values())


def describe(tag: Tag) -> messages.TagInfo:
    """A tag's catalog entry: type, writable, comment (the variable's description, else the tag
    table's comment) and unit (a ``unit`` property declared on the variable in QML)."""
    variable = tag.variable
    comment = variable.description
    if not comment:
        client = client_of(variable)
        symbol = client.symbol(tag.name) if client is not None else None
        comment = symbol.comment if symbol is not None else ""
    unit = variable.property("unit")
    return messages.TagInfo(
        variable.s7Type, tag.writable, comment, unit if isinstance(unit, str) else ""
    )


def catalog_of(tags: Iterable[Tag]) -> bytes:
    """The catalog message of ``tags``."""
    return messages.encode_catalog({tag.name: describe(tag) for tag in tags}, now_ms())


def value_of(variable: S7Variable) -> bytes:
    """The value message of a variable now: its data, quality and timestamp."""
    stamp = variable.timestamp or now_ms()
    return messages.encode_tag_value(plain_value(variable.data), variable.quality, stamp)


class Hooks:
    """Callables connected to variables' signals, disconnected together. Plain Python: the
    owner's destroyed() undoes them without touching the owner (it is going), so that no
    variable that lives on calls into it."""

    def __init__(self) -> None:
        self._made: list[tuple[QObject, str, Callable[..., None]]] = []

    def connect(self, source: QObject, signal: str, slot: Callable[..., None]) -> None:
        getattr(source, signal).connect(slot)
        self._made.append((source, signal, slot))

    def clear(self, *_: object) -> None:
        made, self._made = self._made, []
        for source, signal, slot in made:
            if shiboken6.isValid(source):
                getattr(source, signal).disconnect(slot)


class TagPublisher(QObject):
    """Sends the values of the tags it watches when they change (see the module doc)."""

    def __init__(self, send: Send, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._send = send
        self._tags: list[Tag] = []
        self._hooks = Hooks()
        self.destroyed.connect(self._hooks.clear)
        self._marked: dict[int, None] = {}  # indexes into _tags, in the order they changed
        self._flush_due = False
        self.live = False  # connected to the broker: send; else forget (all go at connect)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._flush)

    @property
    def tags(self) -> list[Tag]:
        return self._tags

    def watch(self, tags: list[Tag]) -> None:
        """Publish these tags' changes from now on (instead of any watched before)."""
        self.unwatch()
        self._tags = tags
        for index, tag in enumerate(tags):
            tag.index = index
            mark = partial(self._mark, index)  # one per variable, for both of its signals
            self._hooks.connect(tag.variable, "dataChanged", mark)
            self._hooks.connect(tag.variable, "qualityChanged", mark)

    def unwatch(self) -> None:
        self._hooks.clear()
        self._tags = []
        self._marked.clear()

    def _mark(self, index: int) -> None:
        self._marked[index] = None
        if not self._flush_due:
            self._flush_due = True
            self._timer.start(0)

    def send_all(self) -> None:
        """Every tag's current value now (at connect: retained messages may be gone)."""
        self._marked.clear()
        for tag in self._tags:
            self.send(tag)

    def send(self, tag: Tag) -> None:
        """``tag``'s value now."""
        self._marked.pop(tag.index, None)
        if self.live and shiboken6.isValid(tag.variable):
            self._send(tag.topic, value_of(tag.variable))

    def hold(self, tag: Tag) -> None:
        """A write of ``tag`` is in flight: what it shows is not the PLC's value yet."""
        tag.holds += 1

    def release(self, tag: Tag) -> None:
        """That write ended: the value goes out now (before the write's answer)."""
        tag.holds -= 1
        if not tag.holds:
            self.send(tag)

    @Slot()
    def _flush(self) -> None:
        self._flush_due = False
        marked, self._marked = self._marked, {}
        if not self.live:
            return
        deadline = perf_counter() + _SLICE_S
        tags, send = self._tags, self.send
        order = list(marked)
        for start in range(0, len(order), _CHUNK):
            for index in order[start : start + _CHUNK]:
                tag = tags[index]
                if not tag.holds:
                    send(tag)
            if perf_counter() > deadline and start + _CHUNK < len(order):
                rest = dict.fromkeys(order[start + _CHUNK :])
                rest.update(self._marked)
                self._marked = rest
                self._flush_due = True
                self._timer.start(0)
                return
