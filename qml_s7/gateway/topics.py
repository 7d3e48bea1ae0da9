"""The gateway's topics: ``qmls7/v1/<name>/...`` and the encoding of tag names in them.

One gateway publishes under its root (docs/GATEWAY.md has the table):

- ``state``: ``online`` / ``offline`` (retained; ``offline`` is the will);
- ``catalog``: every tag with its type, writable flag, comment and unit (retained);
- ``tag/<tag>``: a tag's value, quality and time stamp (retained);
- ``alarm/<alarm>``: an alarm's state (retained);
- ``cmd/write``: write requests from panels;
- ``reply/<panel>``: the answers, one topic per panel (the request names it).

A tag name becomes one topic level: every character outside ``[A-Za-z0-9_-]`` is written as
``%XX`` per byte of its UTF-8 form (upper-case hex), so quotes, dots, brackets, ``/``, ``+``,
``#``, ``%`` and spaces cannot split a level or act as wildcards, and each name has exactly
one topic. The gateway's name is encoded the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

__all__ = ["PREFIX", "Kind", "Parsed", "Topics", "decode_tag", "encode_tag"]

PREFIX = "qmls7/v1"

_PLAIN = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
_ENCODED = re.compile(r"(?:[A-Za-z0-9_-]|%[0-9A-F]{2})+")


def encode_tag(name: str) -> str:
    """``name`` as one topic level: ``"Tank".Level`` -> ``%22Tank%22%2ELevel``. ValueError
    for an empty name (an empty level would be no tag)."""
    if not name:
        raise ValueError("a tag name is not empty")
    if all(char in _PLAIN for char in name):
        return name
    return "".join(
        char if char in _PLAIN else "".join(f"%{byte:02X}" for byte in char.encode())
        for char in name
    )


def decode_tag(segment: str) -> str:
    """The name :func:`encode_tag` made ``segment`` of. ValueError for a segment it does not
    make (a stray ``%``, lower-case hex, an escaped plain character, bytes that are no UTF-8):
    one name, one topic."""
    if not _ENCODED.fullmatch(segment):
        raise ValueError(f"{segment!r} is no encoded tag name")
    if "%" not in segment:
        return segment
    raw = bytearray()
    index = 0
    while index < len(segment):
        if segment[index] == "%":
            raw.append(int(segment[index + 1 : index + 3], 16))
            index += 3
        else:
            raw.append(ord(segment[index]))
            index += 1
    try:
        name = raw.decode()
    except UnicodeDecodeError:
        raise ValueError(f"{segment!r} is no encoded tag name (not UTF-8)") from None
    if encode_tag(name) != segment:
        raise ValueError(f"{segment!r} is no encoded tag name (written {encode_tag(name)!r})")
    return name


class Kind(Enum):
    """What a topic under a gateway's root is."""

    STATE = "state"
    CATALOG = "catalog"
    TAG = "tag"
    ALARM = "alarm"
    WRITE = "cmd/write"
    REPLY = "reply"


@dataclass(frozen=True, slots=True)
class Parsed:
    """A topic of a gateway: its kind and, for tags, alarms and replies, the decoded name."""

    kind: Kind
    name: str = ""


@dataclass(frozen=True, slots=True)
class Topics:
    """The topics of the gateway ``name`` (any text: it is encoded as one level)."""

    name: str

    def __post_init__(self) -> None:
        encode_tag(self.name)  # an empty name: ValueError

    @property
    def root(self) -> str:
        return f"{PREFIX}/{encode_tag(self.name)}"

    @property
    def state(self) -> str:
        return f"{self.root}/state"

    @property
    def catalog(self) -> str:
        return f"{self.root}/catalog"

    @property
    def write(self) -> str:
        return f"{self.root}/cmd/write"

    @property
    def all(self) -> str:
        """A filter for everything of this gateway."""
        return f"{self.root}/#"

    @property
    def tags(self) -> str:
        """A filter for every tag's value."""
        return f"{self.root}/tag/+"

    @property
    def alarms(self) -> str:
        """A filter for every alarm."""
        return f"{self.root}/alarm/+"

    def tag(self, name: str) -> str:
        return f"{self.root}/tag/{encode_tag(name)}"

    def alarm(self, name: str) -> str:
        return f"{self.root}/alarm/{encode_tag(name)}"

    def reply(self, panel: str) -> str:
        """The topic where the panel ``panel`` (its client id, say) gets its answers."""
        return f"{self.root}/reply/{encode_tag(panel)}"

    def is_reply(self, topic: str) -> bool:
        """Whether ``topic`` is a reply topic of this gateway: the only topics it answers on
        (a request cannot make it publish over a tag, and an ACL can keep replies apart)."""
        parsed = self.parse(topic)
        return parsed is not None and parsed.kind is Kind.REPLY

    def parse(self, topic: str) -> Parsed | None:
        """What ``topic`` is, or None for one that is not of this gateway or not well formed."""
        root = self.root + "/"
        if not topic.startswith(root):
            return None
        rest = topic[len(root) :]
        if rest == "state":
            return Parsed(Kind.STATE)
        if rest == "catalog":
            return Parsed(Kind.CATALOG)
        if rest == "cmd/write":
            return Parsed(Kind.WRITE)
        kind, _, segment = rest.partition("/")
        for known in (Kind.TAG, Kind.ALARM, Kind.REPLY):
            if kind == known.value:
                try:
                    return Parsed(known, decode_tag(segment))
                except ValueError:
                    return None
        return None
