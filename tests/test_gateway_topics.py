"""The gateway's topics (qml_s7/gateway/topics.py): the encoding of tag names and the scheme."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from qml_s7.gateway.topics import PREFIX, Kind, Parsed, Topics, decode_tag, encode_tag

NAMES = [
    "Level",
    "tank_level-2",
    '"Tank".Level',
    "DB1.DBD2:REAL",
    '"Motors"."M1".speed[3]',
    "a/b",
    "a+b",
    "a#b",
    "100%",
    "%41",
    "with space",
    "Füllstand",
    "温度",
    "emoji \U0001f600",
    "tab\tnewline\n",
    "'single' `back`",
    "~!$&()*,;=@^{}|\\<>?",
    ".",
    "-",
]


@pytest.mark.parametrize("name", NAMES)
def test_every_name_round_trips_through_one_safe_level(name):
    segment = encode_tag(name)
    assert decode_tag(segment) == name
    assert set(segment) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-%")
    for forbidden in "/+#\0 .\"'[]":
        assert forbidden not in segment


@pytest.mark.parametrize(
    ("name", "segment"),
    [
        ("Level", "Level"),
        ("tank_level-2", "tank_level-2"),
        ('"Tank".Level', "%22Tank%22%2ELevel"),
        ("DB1.DBX0.1", "DB1%2EDBX0%2E1"),
        ("speed[3]", "speed%5B3%5D"),
        ("a/b+c#d", "a%2Fb%2Bc%23d"),
        ("100%", "100%25"),
        ("a b", "a%20b"),
        ("ü", "%C3%BC"),
        ("€", "%E2%82%AC"),
    ],
)
def test_the_encoding_is_percent_encoding_of_the_utf8_bytes(name, segment):
    assert encode_tag(name) == segment


def test_distinct_names_get_distinct_levels():
    segments = [encode_tag(name) for name in NAMES]
    assert len(set(segments)) == len(NAMES)


@pytest.mark.parametrize(
    "segment",
    [
        "",  # no name
        "a%",  # a stray percent
        "a%2",
        "a%zz",
        "%2e",  # lower-case hex: the encoder writes %2E
        "%41",  # an escaped plain character: the encoder writes A
        "%FF",  # no UTF-8
        "%C3",  # a truncated sequence
        "a/b",  # a raw separator
        "a+b",
        "a#b",
        "a.b",
        "a b",
        "ü",  # raw unicode
    ],
)
def test_a_segment_the_encoder_does_not_make_is_refused(segment):
    with pytest.raises(ValueError, match="no encoded tag name"):
        decode_tag(segment)


def test_an_empty_name_is_refused():
    with pytest.raises(ValueError, match="not empty"):
        encode_tag("")
    with pytest.raises(ValueError):
        Topics("")


def test_the_topics_of_a_gateway():
    topics = Topics("line1")
    assert topics.root == f"{PREFIX}/line1" == "qmls7/v1/line1"
    assert topics.state == "qmls7/v1/line1/state"
    assert topics.catalog == "qmls7/v1/line1/catalog"
    assert topics.write == "qmls7/v1/line1/cmd/write"
    assert topics.all == "qmls7/v1/line1/#"
    assert topics.tags == "qmls7/v1/line1/tag/+"
    assert topics.alarms == "qmls7/v1/line1/alarm/+"
    assert topics.tag('"Tank".Level') == "qmls7/v1/line1/tag/%22Tank%22%2ELevel"
    assert topics.alarm("High level") == "qmls7/v1/line1/alarm/High%20level"
    assert topics.reply("panel-7") == "qmls7/v1/line1/reply/panel-7"
    assert Topics("Line 1/a").root == "qmls7/v1/Line%201%2Fa"


def test_parse_tells_what_a_topic_is():
    topics = Topics("line 1")
    for name in NAMES:
        assert topics.parse(topics.tag(name)) == Parsed(Kind.TAG, name)
        assert topics.parse(topics.alarm(name)) == Parsed(Kind.ALARM, name)
        assert topics.parse(topics.reply(name)) == Parsed(Kind.REPLY, name)
    assert topics.parse(topics.state) == Parsed(Kind.STATE)
    assert topics.parse(topics.catalog) == Parsed(Kind.CATALOG)
    assert topics.parse(topics.write) == Parsed(Kind.WRITE)


@pytest.mark.parametrize(
    "topic",
    [
        "qmls7/v1/line2/state",  # another gateway
        "qmls7/v1/line1",
        "qmls7/v1/line1/",
        "qmls7/v1/line1/status",
        "qmls7/v1/line1/state/x",
        "qmls7/v1/line1/tag",
        "qmls7/v1/line1/tag/",
        "qmls7/v1/line1/tag/a/b",  # one level only
        "qmls7/v1/line1/tag/a.b",  # not encoded
        "qmls7/v1/line1/tag/+",
        "qmls7/v1/line1/reply/#",
        "qmls7/v1/line1/cmd/read",
        "qmls7/v2/line1/state",
        "elsewhere",
    ],
)
def test_parse_refuses_what_is_not_a_topic_of_the_gateway(topic):
    assert Topics("line1").parse(topic) is None


def test_only_a_reply_topic_of_the_gateway_is_answered_on():
    topics = Topics("line1")
    assert topics.is_reply(topics.reply("panel-1"))
    assert not topics.is_reply(topics.tag("Level"))  # a request cannot overwrite a tag
    assert not topics.is_reply(topics.state)
    assert not topics.is_reply("qmls7/v1/line2/reply/panel-1")
    assert not topics.is_reply("qmls7/v1/line1/reply/+")
    assert not topics.is_reply("qmls7/v1/line1/reply/a/b")
    assert not topics.is_reply("anything/else")


def test_the_encoding_table_of_the_docs_is_right():
    doc = (Path(__file__).resolve().parent.parent / "docs" / "GATEWAY.md").read_text()
    table = doc.split("### Tag names in topics", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `(.+?)` \| `(.+?)` \|$", table, re.MULTILINE)
    assert len(rows) >= 8
    for name, segment in rows:
        assert encode_tag(name) == segment, name
