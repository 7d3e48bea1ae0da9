"""The gateway's payloads (qml_s7/gateway/messages.py): every value kind there and back, the
catalog, alarms, write requests and responses, and bad input answered, never raised."""

from __future__ import annotations

import datetime
import json
import math
import re
from enum import IntEnum
from pathlib import Path

import pytest

from qml_s7.core.quality import Quality
from qml_s7.gateway.messages import (
    MAX_ID_LENGTH,
    AlarmState,
    BadMessage,
    Catalog,
    Outcome,
    TagInfo,
    TagValue,
    WriteRequest,
    WriteResponse,
    decode_value,
    encode_alarm,
    encode_catalog,
    encode_state,
    encode_tag_value,
    encode_value,
    encode_write_request,
    encode_write_response,
    parse_alarm,
    parse_catalog,
    parse_state,
    parse_tag_value,
    parse_write_request,
    parse_write_response,
)

TS = 1_800_000_000_123


class Mode(IntEnum):
    AUTO = 2


# the Python values of every S7 type (core/codec.py) and what the history also takes
VALUES = [
    True,
    False,
    0,
    -32768,
    2**64 - 1,  # ULINT: beyond a double, JSON keeps it exact
    1.5,
    -0.0,
    3.4028234663852886e38,
    "",
    "text with \"quotes\", 'apostrophes', \\ and\nnewlines",
    "Füllstand 温度 \U0001f600",
    "x",
    datetime.date(2024, 3, 27),
    datetime.time(12, 30, 5, 123_000),
    datetime.datetime(2024, 3, 27, 12, 30, 5, 123_000),
    datetime.datetime(2262, 4, 11, 23, 47, 16, 854_775),
    datetime.timedelta(milliseconds=1500),
    datetime.timedelta(microseconds=500),
    b"\x00\xffAB",
    None,
]


def same(a, b) -> bool:
    if isinstance(a, float) and math.isnan(a):
        return isinstance(b, float) and math.isnan(b)
    return type(a) is type(b) and a == b and (not isinstance(a, float) or str(a) == str(b))


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_every_value_kind_comes_back_as_it_was(value):
    payload = encode_tag_value(value, Quality.Good, TS)
    parsed = parse_tag_value(payload)
    assert isinstance(parsed, TagValue)
    assert same(parsed.value, value), (parsed.value, value)
    assert (parsed.quality, parsed.ts) == (0x80, TS)
    request = parse_write_request(encode_write_request(WriteRequest("1", "T", value, "", "r/1")))
    assert isinstance(request, WriteRequest) and same(request.value, value)


@pytest.mark.parametrize(
    ("value", "flag"), [(math.nan, "nan"), (math.inf, "inf"), (-math.inf, "-inf")]
)
def test_nan_and_infinities_are_null_with_a_flag(value, flag):
    payload = encode_tag_value(value, Quality.Good, TS)
    assert json.loads(payload) == {"v": None, "nf": flag, "q": 128, "ts": TS}
    assert b"NaN" not in payload and b"Infinity" not in payload  # strict JSON
    parsed = parse_tag_value(payload)
    assert isinstance(parsed, TagValue) and same(parsed.value, value)


@pytest.mark.parametrize(
    ("value", "document"),
    [
        (1.5, {"v": 1.5}),
        (Mode.AUTO, {"v": 2}),
        (datetime.date(2024, 3, 27), {"v": "2024-03-27", "t": "date"}),
        (datetime.time(12, 30), {"v": "12:30:00", "t": "time"}),
        (
            datetime.datetime(2024, 3, 27, 12, 30, 0, 250_000),
            {"v": "2024-03-27T12:30:00.250000", "t": "datetime"},
        ),
        (datetime.timedelta(seconds=2), {"v": 2000, "t": "timedelta"}),
        (bytearray(b"\x01\xab"), {"v": "01ab", "t": "bytes"}),
        ([1, 2.5, math.nan, "a"], {"v": [1, 2.5, None, "a"]}),
        ((datetime.date(2024, 1, 2), b"\x01"), {"v": ["2024-01-02", "01"]}),
        (object, {"v": "<class 'object'>"}),
    ],
)
def test_the_json_of_a_value(value, document):
    assert json.loads(encode_tag_value(value, 0x48, 5)) == {**document, "q": 0x48, "ts": 5}


def test_the_payload_is_compact_utf8():
    payload = encode_tag_value("Füllstand", Quality.Good, TS)
    assert payload == '{"v":"Füllstand","q":128,"ts":1800000000123}'.encode()
    lone = encode_tag_value("a\ud800b", Quality.Good, TS)  # a garbled WSTRING: still JSON
    parsed = parse_tag_value(lone)
    assert isinstance(parsed, TagValue) and parsed.value == "a\ud800b"


def test_decode_value_refuses_hints_it_does_not_know():
    for value, hints in [
        (None, {"nf": "NaN"}),
        ("x", {"t": "decimal"}),
        (5, {"t": "date"}),
        ("2024-13-01", {"t": "date"}),
        ("zz", {"t": "bytes"}),
        ("5", {"t": "timedelta"}),
        (True, {"t": "timedelta"}),
        (1e300, {"t": "timedelta"}),
    ]:
        with pytest.raises(ValueError):
            decode_value(value, hints)
    assert encode_value(Mode.AUTO) == (2, {})


# ---------------------------------------------------------------------------- bad input


BAD_PAYLOADS = [
    b"",
    b"\xff\xfe\x00garbage",
    b"not json",
    b"[1, 2]",
    b'"text"',
    b"null",
    b"{",
    b"[" * 100_000 + b"]" * 100_000,  # nesting beyond the parser's recursion
    b'{"v": 1}',
]


@pytest.mark.parametrize(
    "parse",
    [parse_tag_value, parse_catalog, parse_alarm, parse_write_request, parse_write_response],
)
@pytest.mark.parametrize("payload", BAD_PAYLOADS, ids=lambda p: repr(p[:20]))
def test_bad_payloads_are_answered_not_raised(parse, payload):
    if parse is parse_tag_value and payload == b'{"v": 1}':
        payload = b'{"v": 1, "q": 128}'
    result = parse(payload)
    assert isinstance(result, BadMessage) and result.text


@pytest.mark.parametrize(
    ("document", "says"),
    [
        ({"q": 128, "ts": 1}, "'v' is missing"),
        ({"v": 1, "q": 256, "ts": 1}, "'q' is a quality byte"),
        ({"v": 1, "q": -1, "ts": 1}, "'q' is a quality byte"),
        ({"v": 1, "q": True, "ts": 1}, "'q' is a quality byte"),
        ({"v": 1, "q": "good", "ts": 1}, "'q' is a quality byte"),
        ({"v": 1, "q": 128}, "'ts' is milliseconds"),
        ({"v": 1, "q": 128, "ts": 1.5}, "'ts' is milliseconds"),
        ({"v": 1, "q": 128, "ts": -5}, "'ts' is milliseconds"),
        ({"v": "x", "t": "date", "q": 128, "ts": 1}, "Invalid isoformat"),
        ({"v": None, "nf": "nope", "q": 128, "ts": 1}, "'nf' is 'nope'"),
    ],
)
def test_a_bad_tag_value_says_what_is_wrong(document, says):
    result = parse_tag_value(json.dumps(document).encode())
    assert isinstance(result, BadMessage) and says in result.text


def test_unknown_keys_are_ignored_for_later_versions():
    parsed = parse_tag_value(b'{"v": 1, "q": 128, "ts": 5, "later": {"x": 1}}')
    assert parsed == TagValue(1, 128, 5)
    assert parse_tag_value(bytearray(b'{"v": 1, "q": 128, "ts": 5}')) == TagValue(1, 128, 5)
    assert parse_tag_value(memoryview(b'{"v": 1, "q": 128, "ts": 5}')) == TagValue(1, 128, 5)


# ---------------------------------------------------------------------------- state


def test_state():
    assert encode_state(True) == b"online" and encode_state(False) == b"offline"
    assert parse_state(b"online") is True and parse_state(b"offline") is False
    assert parse_state("online") is True
    for bad in (b"", b"Online", b"1", b"\xff"):
        assert isinstance(parse_state(bad), BadMessage)


# ---------------------------------------------------------------------------- catalog


def test_the_catalog_round_trips():
    tags = {
        '"Tank".Level': TagInfo("REAL", False, "level of the tank", "m"),
        "DB1.DBW0:INT": TagInfo("INT", True),
        "Name": TagInfo("STRING[20]", True, "Füllstand", ""),
    }
    payload = encode_catalog(tags, TS)
    assert json.loads(payload) == {
        "tags": {
            '"Tank".Level': {
                "type": "REAL",
                "writable": False,
                "comment": "level of the tank",
                "unit": "m",
            },
            "DB1.DBW0:INT": {"type": "INT", "writable": True, "comment": "", "unit": ""},
            "Name": {"type": "STRING[20]", "writable": True, "comment": "Füllstand", "unit": ""},
        },
        "ts": TS,
    }
    assert parse_catalog(payload) == Catalog(tags, TS)
    assert parse_catalog(encode_catalog({}, 0)) == Catalog({}, 0)


@pytest.mark.parametrize(
    "document",
    [
        {"ts": 1},
        {"tags": [], "ts": 1},
        {"tags": {}},
        {"tags": {"a": "REAL"}, "ts": 1},
        {"tags": {"a": {"writable": True}}, "ts": 1},
        {"tags": {"a": {"type": "REAL", "writable": 1}}, "ts": 1},
        {"tags": {"a": {"type": "REAL", "comment": 5}}, "ts": 1},
    ],
)
def test_a_bad_catalog_is_answered(document):
    assert isinstance(parse_catalog(json.dumps(document).encode()), BadMessage)


def test_a_catalog_entry_may_leave_out_what_it_does_not_have():
    parsed = parse_catalog(b'{"tags": {"a": {"type": "BOOL"}}, "ts": 3}')
    assert parsed == Catalog({"a": TagInfo("BOOL")}, 3)


# ---------------------------------------------------------------------------- alarms


def test_an_alarm_round_trips():
    alarm = AlarmState("Unacknowledged", True, False, 700, "High level", "Tank", TS)
    payload = encode_alarm(alarm)
    assert json.loads(payload) == {
        "state": "Unacknowledged",
        "active": True,
        "acknowledged": False,
        "priority": 700,
        "text": "High level",
        "group": "Tank",
        "ts": TS,
    }
    assert parse_alarm(payload) == alarm
    short = b'{"state": "Normal", "active": false, "acknowledged": true, "ts": 1}'
    assert parse_alarm(short) == AlarmState("Normal", False, True, ts=1)
    for bad in (
        b'{"active": false, "acknowledged": true, "ts": 1}',
        b'{"state": "Normal", "active": 0, "acknowledged": true, "ts": 1}',
        b'{"state": "Normal", "active": false, "acknowledged": true}',
        b'{"state": "Normal", "active": false, "acknowledged": true, "ts": 1, "priority": "x"}',
    ):
        assert isinstance(parse_alarm(bad), BadMessage)


# ---------------------------------------------------------------------------- writes


def test_a_write_request_round_trips():
    request = WriteRequest("p1-17", '"Tank".Setpoint', 2.5, "alice", "qmls7/v1/line1/reply/p1")
    payload = encode_write_request(request)
    assert json.loads(payload) == {
        "id": "p1-17",
        "tag": '"Tank".Setpoint',
        "value": 2.5,
        "user": "alice",
        "reply": "qmls7/v1/line1/reply/p1",
    }
    assert parse_write_request(payload) == request
    dated = WriteRequest("2", "Day", datetime.date(2024, 1, 2), "", "r/2")
    assert json.loads(encode_write_request(dated))["t"] == "date"
    assert parse_write_request(encode_write_request(dated)) == dated


def test_a_write_request_without_user_is_anonymous():
    parsed = parse_write_request(b'{"id": "1", "tag": "T", "value": 1, "reply": "r/1"}')
    assert parsed == WriteRequest("1", "T", 1, "", "r/1")
    nulled = parse_write_request(b'{"id": "1", "tag": "T", "value": null, "reply": "r/1"}')
    assert isinstance(nulled, WriteRequest) and nulled.value is None


@pytest.mark.parametrize(
    ("document", "says", "ident", "reply"),
    [
        ({"tag": "T", "value": 1, "reply": "r"}, "'id' is a text", "", ""),
        ({"id": 5, "tag": "T", "value": 1, "reply": "r"}, "'id' is a text", "", ""),
        ({"id": "", "tag": "T", "value": 1, "reply": "r"}, "'id' is a text", "", ""),
        ({"id": "x" * (MAX_ID_LENGTH + 1), "tag": "T", "value": 1}, "'id' is a text", "", ""),
        ({"id": "7", "tag": "T", "value": 1}, "'reply' topic is missing", "7", ""),
        ({"id": "7", "tag": "T", "value": 1, "reply": ""}, "is empty", "7", ""),
        ({"id": "7", "tag": "T", "value": 1, "reply": "r/#"}, "has a wildcard", "7", ""),
        ({"id": "7", "tag": "T", "value": 1, "reply": "r/+/x"}, "has a wildcard", "7", ""),
        ({"id": "7", "tag": "T", "value": 1, "reply": 3}, "is missing", "7", ""),
        ({"id": "7", "value": 1, "reply": "r"}, "'tag' is the name", "7", "r"),
        ({"id": "7", "tag": "", "value": 1, "reply": "r"}, "'tag' is the name", "7", "r"),
        ({"id": "7", "tag": "T", "reply": "r"}, "'value' is missing", "7", "r"),
        ({"id": "7", "tag": "T", "value": 1, "user": 1, "reply": "r"}, "'user'", "7", "r"),
        ({"id": "7", "tag": "T", "value": "x", "t": "date", "reply": "r"}, "isoformat", "7", "r"),
    ],
)
def test_a_bad_write_request_keeps_what_it_takes_to_answer_it(document, says, ident, reply):
    result = parse_write_request(json.dumps(document).encode())
    assert isinstance(result, BadMessage)
    assert says in result.text
    assert (result.id, result.reply) == (ident, reply)


@pytest.mark.parametrize("outcome", list(Outcome))
def test_every_write_response_round_trips(outcome):
    response = WriteResponse("p1-17", outcome, "the PLC said: address out of range")
    payload = encode_write_response(response)
    assert json.loads(payload) == {
        "id": "p1-17",
        "outcome": outcome.value,
        "text": "the PLC said: address out of range",
    }
    assert parse_write_response(payload) == response


def test_the_outcomes_are_those_of_the_contract():
    assert [o.value for o in Outcome] == [
        "confirmed",
        "refused",
        "invalid",
        "not_sent",
        "unknown",
        "not_writable",
        "unknown_tag",
        "bad_request",
    ]
    assert encode_write_response(WriteResponse("1", "confirmed")) == (  # a str is taken too
        b'{"id":"1","outcome":"confirmed","text":""}'
    )


def test_a_bad_write_response_is_answered():
    for bad, ident in [
        (b'{"outcome": "confirmed"}', ""),
        (b'{"id": "1", "outcome": "done"}', "1"),
        (b'{"id": "1"}', "1"),
        (b'{"id": "1", "outcome": "refused", "text": 5}', "1"),
    ]:
        result = parse_write_response(bad)
        assert isinstance(result, BadMessage) and result.id == ident
    assert parse_write_response(b'{"id": "1", "outcome": "refused"}') == WriteResponse(
        "1", Outcome.REFUSED
    )


def test_every_json_example_of_the_docs_reads_as_what_its_section_says():
    doc = (Path(__file__).resolve().parent.parent / "docs" / "GATEWAY.md").read_text()
    parsers = {
        "### `catalog`": parse_catalog,
        "### `tag/<tag>`": parse_tag_value,
        "### `alarm/<alarm>`": parse_alarm,
        "### `cmd/write`": parse_write_request,
        "### `reply/<panel>`": parse_write_response,
    }
    checked = 0
    for section in re.split(r"^(?=### )", doc, flags=re.MULTILINE):
        heading = next((h for h in parsers if section.startswith(h)), None)
        if heading is None:
            continue
        examples = re.findall(r"^```json\n(.*?)\n```", section, re.MULTILINE | re.DOTALL)
        examples += re.findall(r"\| `(\{.*?\})` ", section)  # the value table's examples
        assert examples, heading
        for example in examples:
            parsed = parsers[heading](example.encode())
            assert not isinstance(parsed, BadMessage), (heading, example, parsed)
            assert json.loads(example) is not None
            checked += 1
    assert checked >= 15
