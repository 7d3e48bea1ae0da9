"""The executor's read results: sparse changes and failures, handed over in parts."""

from __future__ import annotations

import logging
import struct
from collections.abc import Iterator

import pytest

from qml_s7.core.address import parse_address
from qml_s7.core.codec import ByteOrder
from qml_s7.core.jobs import ReadJob, ReadResult, WriteJob
from qml_s7.core.replydecode import CompiledReply
from qml_s7.link.executor import Executor
from qml_s7.link.machine import LinkParams
from qml_s7.simulator import Simulator

# Enough words in DB1 for several requests (20 items of 2 bytes per request, gaps > MAX_GAP).
WORDS = 70
NAMES = [f"DB1.DBW{10 * i}:INT" for i in range(WORDS)] + ["DB9.DBW0:INT", "DB2.DBD0:REAL"]
ADDRESSES = tuple(parse_address(n) for n in NAMES)
KEYS = tuple(range(100, 100 + len(NAMES)))
MISSING = KEYS[WORDS]  # DB9 does not exist


@pytest.fixture
def link() -> Iterator[tuple[Simulator, Executor]]:
    sim = Simulator(parallel_jobs=3)
    sim.start()
    executor = Executor()
    executor.part_interval = 0  # every reply its own part
    executor.open(LinkParams("127.0.0.1", sim.port))
    yield sim, executor
    executor.close()
    sim.stop()


def read(executor: Executor, job: int = 1) -> list[ReadResult]:
    parts: list[ReadResult] = []
    final = executor.read(ReadJob(job, KEYS, ADDRESSES, ByteOrder.BigEndian), parts.append)
    return [*parts, final]


def values(sim: Simulator, seed: int) -> dict[int, int]:
    for i in range(WORDS):
        sim.write("DB", 10 * i, struct.pack(">h", seed + i), db=1)
    return {KEYS[i]: seed + i for i in range(WORDS)}


def test_parts_hold_each_key_once_and_only_the_last_is_final(link) -> None:
    sim, executor = link
    sim.write("DB", 0, struct.pack(">f", 2.5), db=2)
    want = values(sim, 1)
    parts = read(executor)
    assert len(parts) > 2  # replies are handed over as they come
    assert [p.final for p in parts] == [False] * (len(parts) - 1) + [True]
    keys = [k for p in parts for k in p.keys]
    assert sorted(keys) == sorted(KEYS)
    changes = {k: v for p in parts for k, v in p.changes.items()}
    failures = {k: f for p in parts for k, f in p.failures.items()}
    assert changes == {**want, KEYS[-1]: 2.5}
    assert set(failures) == {MISSING}
    for p in parts:
        assert set(p.changes) | set(p.failures) <= set(p.keys)
        assert p.job == 1


def test_parts_come_at_most_once_per_interval(link) -> None:
    """The replies that come within the interval go together: here, as the final part."""
    sim, executor = link
    want = values(sim, 1)
    executor.part_interval = 3600
    (final,) = read(executor)
    assert final.final and sorted(final.keys) == sorted(KEYS)
    assert {k: v for k, v in final.changes.items() if k in want} == want


def test_only_changed_values_are_sent_again(link) -> None:
    sim, executor = link
    values(sim, 1)
    read(executor)
    sim.write("DB", 30, struct.pack(">h", -7), db=1)
    parts = read(executor, job=2)
    changes = {k: v for p in parts for k, v in p.changes.items()}
    failures = {k for p in parts for k in p.failures}
    assert changes == {KEYS[3]: -7}
    assert failures == {MISSING}  # a failed key is forgotten: it fails again, not unchanged
    assert sorted(k for p in parts for k in p.keys) == sorted(KEYS)


def test_a_write_forgets_its_key_so_its_next_read_delivers_the_value(link) -> None:
    sim, executor = link
    values(sim, 1)
    read(executor)
    executor.write(WriteJob(1, KEYS[5], ADDRESSES[5], struct.pack(">h", 6)))  # the same value
    changes = {k: v for p in read(executor, job=2) for k, v in p.changes.items()}
    assert changes == {KEYS[5]: 6}


def test_without_a_part_callback_one_final_result_has_every_key(link) -> None:
    sim, executor = link
    want = values(sim, 3)
    result = executor.read(ReadJob(1, KEYS, ADDRESSES, ByteOrder.BigEndian))
    assert result.final and sorted(result.keys) == sorted(KEYS)
    assert {k: v for k, v in result.changes.items() if k in want} == want


def test_a_read_that_fails_as_a_whole_fails_every_key_in_one_final_result() -> None:
    executor = Executor()  # not connected
    result = executor.read(ReadJob(1, KEYS, ADDRESSES), lambda part: pytest.fail("a part"))
    assert result.final and result.keys == KEYS and not result.changes
    assert set(result.failures) == set(KEYS)


def test_a_bug_in_a_compiled_reply_fails_its_values_and_the_next_read_works(
    link, monkeypatch, caplog
) -> None:
    sim, executor = link
    want = {**values(sim, 1), KEYS[-1]: 0.0}  # DB2 is all zeros
    upstream = CompiledReply.decode
    broken = {"left": 1}

    def decode(self, data, last, changes):
        if broken["left"]:
            broken["left"] -= 1
            changes[self.keys[0]] = "half done"  # a bug after some values were decoded
            raise ZeroDivisionError("a bug in a compiled reply")
        return upstream(self, data, last, changes)

    monkeypatch.setattr(CompiledReply, "decode", decode)
    with caplog.at_level(logging.ERROR, logger="qml_s7"):
        parts = read(executor)
    (record,) = [r for r in caplog.records if r.exc_info]
    assert record.exc_info[0] is ZeroDivisionError  # the traceback is in the log
    failed = {k: f for p in parts for k, f in p.failures.items()}
    changes = {k: v for p in parts for k, v in p.changes.items()}
    bugs = {k for k, f in failed.items() if f.bug}
    assert bugs and "a bug in a compiled reply" in failed[min(bugs)].text
    assert not bugs & set(changes)  # nothing half done goes out
    assert {k: v for k, v in changes.items() if k in want} == {
        k: v for k, v in want.items() if k not in bugs
    }
    # the next read delivers the values that failed (they were forgotten)
    changes = {k: v for p in read(executor, job=2) for k, v in p.changes.items()}
    assert changes == {k: want[k] for k in bugs}
