"""The gateway's ledger of write requests (qml_s7/gateway/writes.py): one write per id,
repeats answered (at once, or when the write completes), bounded in count and age."""

from __future__ import annotations

import math
import threading

import pytest

from qml_s7.gateway.messages import Outcome, WriteRequest, WriteResponse
from qml_s7.gateway.writes import Admission, Ticket, WriteLedger, fingerprint

CONFIRMED = WriteResponse("a", Outcome.CONFIRMED, "")


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_first_request_is_written_and_answered_on_its_reply_topic():
    ledger = WriteLedger()
    assert ledger.admit("a", "reply/p1") == Ticket(Admission.NEW)
    assert ledger.in_flight("a")
    assert ledger.finish("a", CONFIRMED) == ["reply/p1"]
    assert not ledger.in_flight("a")
    assert ledger.answer("a") == CONFIRMED


def test_a_repeat_after_the_answer_gets_the_same_answer_and_is_not_written():
    ledger = WriteLedger()
    ledger.admit("a", "reply/p1")
    ledger.finish("a", CONFIRMED)
    for reply in ("reply/p1", "reply/p1", "reply/p2"):
        assert ledger.admit("a", reply) == Ticket(Admission.DONE, CONFIRMED)
    assert len(ledger) == 1


def test_a_repeat_while_in_flight_waits_for_the_first_answer():
    ledger = WriteLedger()
    assert ledger.admit("a", "reply/p1").admission is Admission.NEW
    # the panel reconnected and asked again, twice; another panel reused the id
    assert ledger.admit("a", "reply/p1") == Ticket(Admission.PENDING)
    assert ledger.admit("a", "reply/p1") == Ticket(Admission.PENDING)
    assert ledger.admit("a", "reply/p2") == Ticket(Admission.PENDING)
    refused = WriteResponse("a", Outcome.REFUSED, "the PLC refused it")
    assert ledger.finish("a", refused) == ["reply/p1", "reply/p2"]  # each topic once
    assert ledger.admit("a", "reply/p3") == Ticket(Admission.DONE, refused)


def test_a_second_finish_changes_nothing():
    ledger = WriteLedger()
    ledger.admit("a", "reply/p1")
    ledger.finish("a", CONFIRMED)
    assert ledger.finish("a", WriteResponse("a", Outcome.UNKNOWN)) == []
    assert ledger.answer("a") == CONFIRMED
    assert ledger.finish("never-admitted", CONFIRMED) == []
    assert ledger.answer("never-admitted") is None


def test_ids_are_independent():
    ledger = WriteLedger()
    assert ledger.admit("a", "r").admission is Admission.NEW
    assert ledger.admit("b", "r").admission is Admission.NEW
    ledger.finish("b", WriteResponse("b", Outcome.NOT_SENT))
    assert ledger.admit("a", "r").admission is Admission.PENDING
    assert ledger.admit("b", "r").response == WriteResponse("b", Outcome.NOT_SENT)


def test_an_id_reused_for_another_write_is_a_conflict():
    ledger = WriteLedger()
    first = WriteRequest("a", "Setpoint", 2.5, "alice", "r/1")
    assert ledger.admit("a", "r/1", fingerprint(first)).admission is Admission.NEW
    other_value = WriteRequest("a", "Setpoint", 3.0, "alice", "r/1")
    other_tag = WriteRequest("a", "Level", 2.5, "alice", "r/1")
    assert ledger.admit("a", "r/1", fingerprint(other_value)) == Ticket(Admission.CONFLICT)
    assert ledger.admit("a", "r/1", fingerprint(other_tag)) == Ticket(Admission.CONFLICT)
    assert ledger.admit("a", "r/1", fingerprint(first)).admission is Admission.PENDING
    assert ledger.finish("a", CONFIRMED) == ["r/1"]  # the conflicting ones wait for nothing
    assert ledger.admit("a", "r/1", fingerprint(other_value)) == Ticket(Admission.CONFLICT)
    assert ledger.admit("a", "r/1", fingerprint(first)).admission is Admission.DONE
    assert ledger.admit("a", "r/1").admission is Admission.DONE  # no fingerprint: no check


def test_the_fingerprint_of_a_repeat_equals_the_first_even_for_nan():
    one = WriteRequest("a", "T", math.nan, "", "r")
    again = WriteRequest("a", "T", float("nan"), "", "r")
    assert fingerprint(one) == fingerprint(again)
    assert fingerprint(WriteRequest("a", "T", 1, "", "r")) != fingerprint(
        WriteRequest("a", "T", 1.0, "", "r")
    )
    assert fingerprint(WriteRequest("a", "T", True, "", "r")) != fingerprint(
        WriteRequest("a", "T", 1, "", "r")
    )


def test_the_ledger_keeps_the_last_answers_only():
    ledger = WriteLedger(capacity=3)
    for ident in "abcde":
        ledger.admit(ident, "r")
        ledger.finish(ident, WriteResponse(ident, Outcome.CONFIRMED))
    assert len(ledger) == 3
    assert [ledger.answer(i) is not None for i in "abcde"] == [False, False, True, True, True]
    # forgotten: a request that old is written again (a panel does not wait 10,000 writes)
    assert ledger.admit("a", "r").admission is Admission.NEW


def test_answers_are_forgotten_after_max_age_but_a_write_in_flight_never():
    clock = Clock()
    ledger = WriteLedger(max_age=3600.0, clock=clock)
    ledger.admit("old", "r")
    ledger.finish("old", WriteResponse("old", Outcome.CONFIRMED))
    ledger.admit("slow", "r")  # its write takes longer than the hour (it does not, but if)
    clock.now += 1800
    ledger.admit("newer", "r")
    ledger.finish("newer", WriteResponse("newer", Outcome.CONFIRMED))
    clock.now += 1800.5
    assert ledger.answer("old") is None
    assert ledger.answer("newer") is not None
    assert ledger.admit("slow", "r2").admission is Admission.PENDING
    assert ledger.finish("slow", WriteResponse("slow", Outcome.UNKNOWN)) == ["r", "r2"]
    clock.now += 3599  # "newer" is older than an hour now, "slow" not: aged from its answer
    assert len(ledger) == 1 and ledger.answer("slow") is not None
    clock.now += 2
    assert ledger.answer("slow") is None and len(ledger) == 0


def test_capacity_and_age_must_make_sense():
    with pytest.raises(ValueError):
        WriteLedger(capacity=0)
    with pytest.raises(ValueError):
        WriteLedger(max_age=0)


def test_many_threads_repeating_ids_get_each_id_written_once():
    ledger = WriteLedger()
    written: list[str] = []
    answered: list[tuple[str, str]] = []
    lock = threading.Lock()
    start = threading.Barrier(4)

    def panel(name: str) -> None:
        start.wait()
        for number in range(500):
            ident = f"w{number}"
            ticket = ledger.admit(ident, f"reply/{name}")
            if ticket.admission is Admission.NEW:
                with lock:
                    written.append(ident)
                for reply in ledger.finish(ident, WriteResponse(ident, Outcome.CONFIRMED)):
                    with lock:
                        answered.append((ident, reply))
            elif ticket.admission is Admission.DONE:
                with lock:
                    answered.append((ident, f"reply/{name}"))

    threads = [threading.Thread(target=panel, args=(f"p{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(written) == sorted(f"w{n}" for n in range(500))  # each once
    # every panel got its answer to every id, exactly once
    assert sorted(answered) == sorted(
        (f"w{n}", f"reply/p{i}") for n in range(500) for i in range(4)
    )
