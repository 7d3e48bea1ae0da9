"""The gateway's payloads: JSON (UTF-8) for values, the catalog, alarms and writes; plain text
for the state. docs/GATEWAY.md shows each with an example.

Values are JSON as far as JSON goes; what it cannot hold travels as text or null with a hint
beside it, so that the receiver gets the very Python value back:

=========================================  ==================  ============================
value                                      JSON                hint
=========================================  ==================  ============================
bool, int, str, finite float, None         as it is
NaN, +infinity, -infinity                  ``null``            ``"nf": "nan" | "inf" | "-inf"``
datetime, date, time                       ISO 8601 text       ``"t": "datetime" | "date" | "time"``
timedelta                                  milliseconds        ``"t": "timedelta"``
bytes                                      hex text            ``"t": "bytes"``
list, tuple                                a list of items as  (none: NaN items become null,
                                           above               dates text, bytes hex)
anything else                              ``str(value)``
=========================================  ==================  ============================

Parsing never raises on bad input (bytes that are no UTF-8, no JSON, JSON of the wrong shape):
it returns a :class:`BadMessage` that says what is wrong. No Qt here.
"""

from __future__ import annotations

import datetime
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

__all__ = [
    "MAX_ID_LENGTH",
    "OFFLINE",
    "ONLINE",
    "AlarmState",
    "BadMessage",
    "Catalog",
    "Outcome",
    "TagInfo",
    "TagValue",
    "WriteRequest",
    "WriteResponse",
    "decode_value",
    "encode_alarm",
    "encode_catalog",
    "encode_state",
    "encode_tag_value",
    "encode_value",
    "encode_write_request",
    "encode_write_response",
    "parse_alarm",
    "parse_catalog",
    "parse_state",
    "parse_tag_value",
    "parse_write_request",
    "parse_write_response",
]

ONLINE = b"online"
OFFLINE = b"offline"
MAX_ID_LENGTH = 200  # a request id longer than this is refused: the ledger keeps 10,000 of them

Payload = bytes | bytearray | memoryview | str
_NON_FINITE = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}
_TIME_KINDS = {"datetime": datetime.datetime, "date": datetime.date, "time": datetime.time}


class Outcome(str, Enum):
    """How a write request ended (``outcome`` of a write response)."""

    CONFIRMED = "confirmed"  # the PLC confirmed the write
    REFUSED = "refused"  # the PLC refused it (an item error)
    INVALID = "invalid"  # the value does not fit the tag's type: nothing was sent
    NOT_SENT = "not_sent"  # the link was down: nothing was sent
    UNKNOWN = "unknown"  # sent, but the answer was lost: it may or may not be written
    NOT_WRITABLE = "not_writable"  # the gateway does not let panels write this tag
    UNKNOWN_TAG = "unknown_tag"  # the gateway has no such tag
    BAD_REQUEST = "bad_request"  # the request is no valid request


@dataclass(frozen=True, slots=True)
class BadMessage:
    """A payload that could not be read, and why. For a write request, its ``id`` and
    ``reply`` when those at least could be read (so that it can be answered)."""

    text: str
    id: str = ""
    reply: str = ""


# ---------------------------------------------------------------------------- values


def encode_value(value: Any) -> tuple[Any, dict[str, str]]:
    """``value`` as JSON can hold it, and the hints (``t``, ``nf``) that bring it back."""
    kind = type(value)
    if kind is str or kind is bool or value is None:
        return value, {}
    if kind is int:
        return value, {}
    if kind is float:
        if math.isfinite(value):
            return value, {}
        return None, {"nf": "nan" if value != value else ("inf" if value > 0 else "-inf")}
    if isinstance(value, bool):
        return bool(value), {}
    if isinstance(value, int):  # IntEnum and friends
        return int(value), {}
    if isinstance(value, float):
        return encode_value(float(value))
    if isinstance(value, str):
        return str(value), {}
    for name, time_kind in _TIME_KINDS.items():  # datetime first: it is a date too
        if isinstance(value, time_kind):
            return value.isoformat(), {"t": name}
    if isinstance(value, datetime.timedelta):
        ms = value / datetime.timedelta(milliseconds=1)
        return (int(ms) if ms.is_integer() else ms), {"t": "timedelta"}
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).hex(), {"t": "bytes"}
    if isinstance(value, (list, tuple)):
        return [encode_value(item)[0] for item in value], {}
    return str(value), {}


def decode_value(value: Any, hints: Mapping[str, Any]) -> Any:
    """The Python value of ``value`` with its hints (``t``, ``nf``); ValueError for a hint it
    does not know or a text that does not read as its ``t`` says."""
    special = hints.get("nf")
    if special is not None:
        if special not in _NON_FINITE:
            raise ValueError(f"'nf' is {special!r}; expected 'nan', 'inf' or '-inf'")
        return _NON_FINITE[special]
    kind = hints.get("t")
    if kind is None:
        return value
    if kind in _TIME_KINDS:
        if not isinstance(value, str):
            raise ValueError(f"a {kind} is ISO 8601 text, not {value!r}")
        return _TIME_KINDS[kind].fromisoformat(value)
    if kind == "timedelta":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"a timedelta is milliseconds, not {value!r}")
        try:
            return datetime.timedelta(milliseconds=value)
        except OverflowError:
            raise ValueError(f"{value!r} ms is beyond a timedelta") from None
    if kind == "bytes":
        if not isinstance(value, str):
            raise ValueError(f"bytes are hex text, not {value!r}")
        return bytes.fromhex(value)
    raise ValueError(f"'t' is {kind!r}; expected datetime, date, time, timedelta or bytes")


# ---------------------------------------------------------------------------- helpers


def _dump(document: dict[str, Any]) -> bytes:
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    try:
        return text.encode()
    except UnicodeEncodeError:  # a lone surrogate (a garbled WSTRING): escaped, it is JSON
        return json.dumps(document, separators=(",", ":"), allow_nan=False).encode()


def _load(payload: Payload, what: str) -> dict[str, Any] | BadMessage:
    if isinstance(payload, (bytearray, memoryview)):
        payload = bytes(payload)
    try:
        document = json.loads(payload)
    except (ValueError, RecursionError) as error:  # UnicodeDecodeError is a ValueError
        return BadMessage(f"{what}: no JSON ({error})")
    if not isinstance(document, dict):
        return BadMessage(f"{what}: a JSON object was expected, not {type(document).__name__}")
    return document


def _int(document: Mapping[str, Any], key: str, low: int, high: int | None = None) -> int | None:
    value = document.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    if value < low or (high is not None and value > high):
        return None
    return value


def _text(document: Mapping[str, Any], key: str, default: str | None = None) -> str | None:
    value = document.get(key, default)
    return value if isinstance(value, str) else None


def _hints(document: Mapping[str, Any]) -> dict[str, Any]:
    return {key: document[key] for key in ("t", "nf") if key in document}


# ---------------------------------------------------------------------------- state


def encode_state(online: bool) -> bytes:
    """``online`` or ``offline`` (retained; ``offline`` is also the will)."""
    return ONLINE if online else OFFLINE


def parse_state(payload: Payload) -> bool | BadMessage:
    """True for ``online``, False for ``offline``."""
    text = bytes(payload) if not isinstance(payload, str) else payload.encode()
    if text == ONLINE:
        return True
    if text == OFFLINE:
        return False
    return BadMessage(f"state: 'online' or 'offline' was expected, not {text[:40]!r}")


# ---------------------------------------------------------------------------- tag values


@dataclass(frozen=True, slots=True)
class TagValue:
    """A tag's value (the Python value), its quality byte and when it was read (ms since the
    epoch)."""

    value: Any
    quality: int
    ts: int


def encode_tag_value(value: Any, quality: int, ts: int) -> bytes:
    """``{"v": value, "q": quality, "ts": ms}`` with the value's hints beside ``v``."""
    plain, hints = encode_value(value)
    return _dump({"v": plain, **hints, "q": int(quality), "ts": int(ts)})


def parse_tag_value(payload: Payload) -> TagValue | BadMessage:
    document = _load(payload, "tag value")
    if isinstance(document, BadMessage):
        return document
    if "v" not in document:
        return BadMessage("tag value: 'v' is missing")
    quality = _int(document, "q", 0, 255)
    if quality is None:
        return BadMessage(f"tag value: 'q' is a quality byte 0..255, not {document.get('q')!r}")
    ts = _int(document, "ts", 0)
    if ts is None:
        return BadMessage(f"tag value: 'ts' is milliseconds since 1970, not {document.get('ts')!r}")
    try:
        value = decode_value(document["v"], _hints(document))
    except ValueError as error:
        return BadMessage(f"tag value: {error}")
    return TagValue(value, quality, ts)


# ---------------------------------------------------------------------------- catalog


@dataclass(frozen=True, slots=True)
class TagInfo:
    """A tag in the catalog: its S7 type (``REAL``, ``STRING[20]``...), whether panels may
    write it, its comment and unit."""

    type: str
    writable: bool = False
    comment: str = ""
    unit: str = ""


@dataclass(frozen=True, slots=True)
class Catalog:
    """Every tag of a gateway by name, and when the catalog was made (ms since the epoch)."""

    tags: dict[str, TagInfo] = field(default_factory=dict)
    ts: int = 0


def encode_catalog(tags: Mapping[str, TagInfo], ts: int) -> bytes:
    """``{"tags": {name: {"type", "writable", "comment", "unit"}}, "ts": ms}``."""
    return _dump(
        {
            "tags": {
                name: {
                    "type": info.type,
                    "writable": bool(info.writable),
                    "comment": info.comment,
                    "unit": info.unit,
                }
                for name, info in tags.items()
            },
            "ts": int(ts),
        }
    )


def parse_catalog(payload: Payload) -> Catalog | BadMessage:
    document = _load(payload, "catalog")
    if isinstance(document, BadMessage):
        return document
    entries = document.get("tags")
    if not isinstance(entries, dict):
        return BadMessage("catalog: 'tags' is an object of tags by name")
    ts = _int(document, "ts", 0)
    if ts is None:
        return BadMessage(f"catalog: 'ts' is milliseconds since 1970, not {document.get('ts')!r}")
    tags: dict[str, TagInfo] = {}
    for name, entry in entries.items():
        if not isinstance(entry, dict):
            return BadMessage(f"catalog: the tag {name!r} is no object")
        kind = _text(entry, "type")
        writable = entry.get("writable", False)
        comment = _text(entry, "comment", "")
        unit = _text(entry, "unit", "")
        if not kind or not isinstance(writable, bool) or comment is None or unit is None:
            return BadMessage(
                f"catalog: the tag {name!r} needs a 'type' text, and 'writable' true or "
                "false, 'comment' and 'unit' texts"
            )
        tags[name] = TagInfo(kind, writable, comment, unit)
    return Catalog(tags, ts)


# ---------------------------------------------------------------------------- alarms


@dataclass(frozen=True, slots=True)
class AlarmState:
    """An alarm as the gateway publishes it: its ISA-18.2 state name (``Normal``,
    ``Unacknowledged``, ``Acknowledged``, ``ReturnedUnacknowledged``, ``Shelved``), whether
    it is active and acknowledged, its priority, text and group, and when it last changed."""

    state: str
    active: bool
    acknowledged: bool
    priority: int = 0
    text: str = ""
    group: str = ""
    ts: int = 0


def encode_alarm(alarm: AlarmState) -> bytes:
    return _dump(
        {
            "state": alarm.state,
            "active": bool(alarm.active),
            "acknowledged": bool(alarm.acknowledged),
            "priority": int(alarm.priority),
            "text": alarm.text,
            "group": alarm.group,
            "ts": int(alarm.ts),
        }
    )


def parse_alarm(payload: Payload) -> AlarmState | BadMessage:
    document = _load(payload, "alarm")
    if isinstance(document, BadMessage):
        return document
    state = _text(document, "state")
    active = document.get("active")
    acknowledged = document.get("acknowledged")
    priority = _int(document, "priority", -(2**31), 2**31 - 1) if "priority" in document else 0
    text = _text(document, "text", "")
    group = _text(document, "group", "")
    ts = _int(document, "ts", 0)
    if (
        not state
        or not isinstance(active, bool)
        or not isinstance(acknowledged, bool)
        or priority is None
        or text is None
        or group is None
        or ts is None
    ):
        return BadMessage(
            "alarm: 'state' text, 'active' and 'acknowledged' true or false, 'ts' in ms, "
            "and optionally 'priority' (integer), 'text' and 'group' were expected"
        )
    return AlarmState(state, active, acknowledged, priority, text, group, ts)


# ---------------------------------------------------------------------------- writes


@dataclass(frozen=True, slots=True)
class WriteRequest:
    """A panel's request to write ``value`` into ``tag``, answered on ``reply``. ``id`` is
    the panel's own (unique: a repeated id is answered again, never written again)."""

    id: str
    tag: str
    value: Any
    user: str = ""
    reply: str = ""


@dataclass(frozen=True, slots=True)
class WriteResponse:
    """The gateway's answer to the request ``id``."""

    id: str
    outcome: Outcome
    text: str = ""


def _topic_problem(topic: str) -> str:
    if not topic:
        return "is empty"
    if "+" in topic or "#" in topic:
        return "has a wildcard"
    if "\0" in topic:
        return "has a NUL character"
    if len(topic.encode()) > 65_535:
        return "is too long"
    return ""


def encode_write_request(request: WriteRequest) -> bytes:
    """``{"id", "tag", "value", "user", "reply"}`` with the value's hints beside ``value``."""
    plain, hints = encode_value(request.value)
    return _dump(
        {
            "id": request.id,
            "tag": request.tag,
            "value": plain,
            **hints,
            "user": request.user,
            "reply": request.reply,
        }
    )


def parse_write_request(payload: Payload) -> WriteRequest | BadMessage:
    """The request, or a BadMessage with the ``id`` and ``reply`` if those could be read
    (the gateway then answers ``bad_request`` there)."""
    document = _load(payload, "write request")
    if isinstance(document, BadMessage):
        return document
    ident = _text(document, "id")
    if not ident or len(ident) > MAX_ID_LENGTH:
        return BadMessage(f"write request: 'id' is a text of 1 to {MAX_ID_LENGTH} characters")
    reply = _text(document, "reply")
    problem = "is missing" if reply is None else _topic_problem(reply)
    if reply is None or problem:
        return BadMessage(f"write request {ident!r}: its 'reply' topic {problem}", id=ident)

    def bad(text: str) -> BadMessage:
        return BadMessage(f"write request {ident!r}: {text}", id=ident, reply=reply)

    tag = _text(document, "tag")
    if not tag:
        return bad("'tag' is the name of a tag")
    user = _text(document, "user", "")
    if user is None:
        return bad("'user' is a text")
    if "value" not in document:
        return bad("'value' is missing")
    try:
        value = decode_value(document["value"], _hints(document))
    except ValueError as error:
        return bad(str(error))
    return WriteRequest(ident, tag, value, user, reply)


def encode_write_response(response: WriteResponse) -> bytes:
    """``{"id", "outcome", "text"}``."""
    return _dump(
        {"id": response.id, "outcome": Outcome(response.outcome).value, "text": response.text}
    )


def parse_write_response(payload: Payload) -> WriteResponse | BadMessage:
    document = _load(payload, "write response")
    if isinstance(document, BadMessage):
        return document
    ident = _text(document, "id")
    if not ident:
        return BadMessage("write response: 'id' is missing")
    try:
        outcome = Outcome(document.get("outcome"))
    except ValueError:
        known = ", ".join(o.value for o in Outcome)
        return BadMessage(
            f"write response {ident!r}: 'outcome' is one of {known}, "
            f"not {document.get('outcome')!r}",
            id=ident,
        )
    text = _text(document, "text", "")
    if text is None:
        return BadMessage(f"write response {ident!r}: 'text' is a text", id=ident)
    return WriteResponse(ident, outcome, text)
