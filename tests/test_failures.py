"""Failures are judged once, by type and fields; a bug of ours is logged, reported, survived."""

from __future__ import annotations

import logging
import struct

import pytest
from snap7.error import S7ConnectionError, S7ProtocolError, S7TimeoutError

from qml_s7.core.errors import (
    AnswerError,
    ClientError,
    ItemRefused,
    Operation,
    Outcome,
    interpret,
)
from qml_s7.link import executor, snap7_client
from qml_s7.qmltypes.variable import VariableError

TIMEOUT = 10_000
R, W, C = Operation.READ, Operation.WRITE, Operation.CONNECT


def make(cls: type[Exception], *fields: object):
    """An exception of ``cls`` with the given fields, for any message text."""
    return lambda text: cls(text, *fields)


@pytest.mark.parametrize(
    ("make_exc", "operation", "sent", "code", "outcome", "lost"),
    [
        # the PLC said no: nothing done, the link is fine
        (make(ItemRefused, 0x05), W, True, ClientError.AddressOutOfRange, Outcome.REFUSED, False),
        (make(ItemRefused, 0x0A), R, True, ClientError.ItemNotAvailable, Outcome.REFUSED, False),
        (make(ItemRefused, None), R, True, ClientError.FunctionRefused, Outcome.REFUSED, False),
        (make(S7ProtocolError, 0x8104), W, True, ClientError.FunNotAvailable, Outcome.REFUSED, 0),
        (make(S7ProtocolError, 0x8701), W, True, ClientError.FunctionRefused, Outcome.REFUSED, 0),
        # a garbled answer: the request went out, what happened is unknown; the link stays
        (make(AnswerError), W, True, ClientError.InvalidPlcAnswer, Outcome.UNKNOWN, False),
        (make(AnswerError, ClientError.ShortPacket), R, True, ClientError.ShortPacket, 0, False),
        (make(S7ProtocolError), W, True, ClientError.InvalidPlcAnswer, Outcome.UNKNOWN, False),
        # the link broke: sent or not decides the outcome and the code
        (make(S7ConnectionError), W, False, ClientError.SendPacket, Outcome.NOT_SENT, True),
        (make(S7ConnectionError), W, True, ClientError.RecvPacket, Outcome.UNKNOWN, True),
        (make(ConnectionResetError), R, True, ClientError.RecvPacket, Outcome.UNKNOWN, True),
        (make(S7TimeoutError), W, True, ClientError.JobTimeout, Outcome.UNKNOWN, True),
        (make(TimeoutError), R, False, ClientError.JobTimeout, Outcome.NOT_SENT, True),
        # connecting: what was being done names the failure
        (make(ConnectionRefusedError), C, False, ClientError.ConnectError, Outcome.NOT_SENT, True),
        (make(S7ConnectionError), Operation.HANDSHAKE, True, ClientError.ConnectError, 0, True),
        (make(AnswerError), Operation.NEGOTIATE, True, ClientError.NegotiatingPDU, 0, True),
        (
            make(S7ProtocolError, 0x8104),
            Operation.NEGOTIATE,
            True,
            ClientError.NegotiatingPDU,
            0,
            1,
        ),
    ],
)
def test_interpret_judges_by_type_fields_and_operation(
    make_exc, operation, sent, code, outcome, lost
):
    failure = interpret(make_exc("x"), operation, sent=sent)
    assert failure is not None
    assert failure.code == code
    if outcome:
        assert failure.outcome is outcome
    assert failure.link_lost is bool(lost)
    # The message text plays no part: the same exception with another text is judged alike.
    other = make_exc("send failed: connection refused by PLC, TSAP, truncated, out of range")
    again = interpret(other, operation, sent=sent)
    assert again is not None
    assert (again.code, again.outcome, again.link_lost) == (
        failure.code,
        failure.outcome,
        failure.link_lost,
    )


@pytest.mark.parametrize(
    "exc",
    [KeyError("x"), TypeError("x"), ZeroDivisionError(), AttributeError("x"), ValueError("x")],
)
def test_anything_else_is_a_bug_of_ours(exc):
    assert interpret(exc, Operation.READ, sent=True) is None


def test_the_adapter_turns_parser_errors_into_bad_answers():
    """python-snap7's parser raises struct.error and friends on malformed bytes; from inside
    the adapter's parse call these mean a bad answer, not a bug."""

    class Protocol:
        def parse_response(self, frame: bytes) -> dict:
            raise struct.error("unpack requires a buffer of 4 bytes")

    class Client:
        protocol = Protocol()

    with pytest.raises(AnswerError, match="Malformed answer"):
        snap7_client.parse(Client(), b"\x32")


PANEL = """
import QtQml
import QmlS7
S7Client {
    hostname: "127.0.0.1"; port: %d
    S7Variable { objectName: "faulty"; name: "DB1.DBW0:S5TIME" }
    S7Variable { objectName: "fine"; name: "DB1.DBD4:REAL" }
}
"""


def variables(client):
    return {v.objectName(): v for v in client.childObjects()}


def test_a_bug_while_decoding_is_logged_reported_and_survived(
    qml, qtbot, simulator, monkeypatch, caplog
):
    # 70 ms and 2.5; an S5TIME is decoded by the codec alone (no compiled reply unpacks it)
    simulator.write("DB", 0, b"\x00\x07\x00\x00\x40\x20\x00\x00", db=1)
    upstream = executor.decoder
    broken = {"left": 1}

    def decoder(address, order):
        decode = upstream(address, order)
        if address.start != 0:
            return decode

        def faulty(data: bytes):
            if broken["left"]:
                broken["left"] -= 1
                raise ZeroDivisionError("a bug in a decoder")
            return decode(data)

        return faulty

    monkeypatch.setattr(executor, "decoder", decoder)
    client = qml(PANEL % simulator.port)
    found = variables(client)
    faulty, fine = found["faulty"], found["fine"]
    qtbot.waitUntil(lambda: client.property("connected") is True, timeout=TIMEOUT)
    with (
        caplog.at_level(logging.ERROR, logger="qml_s7"),
        qtbot.waitSignal(faulty.errorOccurred, timeout=TIMEOUT),
    ):
        faulty.pollData()
        fine.pollData()
    assert faulty.property("error") == VariableError.ReadError
    assert "internal error in qml-s7 (ZeroDivisionError: a bug in a decoder)" in (
        faulty.property("errorString")
    )
    (record,) = [r for r in caplog.records if r.exc_info]
    assert record.exc_info[0] is ZeroDivisionError  # the traceback is in the log
    qtbot.waitUntil(lambda: fine.property("data") == 2.5, timeout=TIMEOUT)
    # The thread lives on, the link stays up, and the next read of the same variable works.
    assert client.session.thread.isRunning() and client.property("connected") is True
    faulty.pollData()
    qtbot.waitUntil(lambda: faulty.property("data") == 70, timeout=TIMEOUT)
    assert faulty.property("error") == VariableError.NoError


def test_a_bug_while_writing_is_logged_and_reported_as_not_a_plc_error(
    qml, qtbot, simulator, monkeypatch, caplog
):
    client = qml(PANEL % simulator.port)
    faulty = variables(client)["faulty"]
    qtbot.waitUntil(lambda: client.property("connected") is True, timeout=TIMEOUT)

    def write(*args: object) -> None:
        raise KeyError("a bug on the write path")

    monkeypatch.setattr(snap7_client, "write", write)
    with (
        caplog.at_level(logging.ERROR, logger="qml_s7"),
        qtbot.waitSignal(faulty.errorOccurred, timeout=TIMEOUT),
    ):
        faulty.setProperty("data", 5)
    assert faulty.property("error") == VariableError.WriteError
    assert "internal error in qml-s7 (KeyError" in faulty.property("errorString")
    assert any(r.exc_info and r.exc_info[0] is KeyError for r in caplog.records)
    assert simulator.stats.write_requests == 0
    monkeypatch.undo()
    with qtbot.waitSignal(faulty.written, timeout=TIMEOUT):
        faulty.setProperty("data", 60)  # the worker lived on
    assert simulator.read("DB", 0, 2, db=1) == b"\x00\x06"  # 60 ms as an S5TIME
