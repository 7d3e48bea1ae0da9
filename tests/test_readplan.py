"""The batched read path: packing within the protocol's limits, and execution on a real server."""

from __future__ import annotations

import itertools
import math
import random
import struct
from collections.abc import Iterator

import pytest
import snap7
from snap7.error import S7TimeoutError
from snap7.optimizer import ReadItem, merge_items, packetize, sort_items
from snap7.s7protocol import S7Protocol
from snap7.server import Server
from snap7.type import SrvArea

from qml_s7.core.errors import AnswerError
from qml_s7.core.readplan import (
    ItemError,
    ReadPlan,
    ReadSpec,
    ReplyLayout,
    lower_bound,
    max_block_size,
    pack,
    reply_cost,
)
from qml_s7.link.snap7_client import ClientTransport

DB, PE, PA, MK = 0x84, 0x81, 0x82, 0x83
AREA_OF = {PE: SrvArea.PE, PA: SrvArea.PA, MK: SrvArea.MK}


def word_specs(seed: int = 7) -> list[ReadSpec]:
    """1,000 WORD items: 900 over DB1..DB5 (runs with small and large gaps), 100 over I/Q/M."""
    rnd = random.Random(seed)
    specs = []
    for db in range(1, 6):
        offset = 0
        for _ in range(180):
            specs.append(ReadSpec(DB, db, offset, 2))
            offset += rnd.choice([2, 2, 2, 4, 6, 8, 20, 40])  # gaps 0, 2, 4, 6, 18, 38
    for area, count in ((PE, 33), (PA, 33), (MK, 34)):
        offset = 0
        for _ in range(count):
            specs.append(ReadSpec(area, 0, offset, 2))
            offset += rnd.choice([2, 4, 10, 30])
    rnd.shuffle(specs)
    return specs


def run_specs(seed: int = 3) -> list[ReadSpec]:
    """Contiguous runs of 20..60 WORDs with gaps > 5: blocks large enough that bytes bind."""
    rnd = random.Random(seed)
    specs = []
    for db in range(1, 6):
        offset = 0
        for _ in range(6):
            for _ in range(rnd.randint(20, 60)):
                specs.append(ReadSpec(DB, db, offset, 2))
                offset += 2
            offset += 50
    return specs


def bounds(plan: ReadPlan) -> tuple[int, int]:
    """(by item count, by reply bytes): each a lower bound on the requests of any packing."""
    sizes = [b.size for r in plan.requests for b in r]
    per_request = min(20, (plan.pdu_length - 12) // 12)
    by_count = math.ceil(len(sizes) / per_request)
    by_bytes = math.ceil(sum(4 + s + s % 2 for s in sizes) / (plan.pdu_length - 14))
    return by_count, by_bytes


def check_limits(plan: ReadPlan) -> None:
    for request in plan.requests:
        assert 1 <= len(request) <= 20
        assert 10 + 2 + 12 * len(request) <= plan.pdu_length
        reply = 12 + 2 + sum(4 + b.size for b in request) + sum(b.size % 2 for b in request[:-1])
        assert reply <= plan.pdu_length


def check_covers(plan: ReadPlan, specs: list[ReadSpec]) -> None:
    blocks = [b for r in plan.requests for b in r]
    for s in specs:
        assert any(
            b.area == s.area and b.db == s.db and b.start <= s.start < b.start + b.size
            for b in blocks
        ), s


@pytest.mark.parametrize("pdu", [240, 480, 960])
def test_word_items_pack_into_the_fewest_requests(pdu: int) -> None:
    specs = word_specs()
    plan = ReadPlan(specs, pdu)
    check_limits(plan)
    check_covers(plan, specs)
    # the blocks are python-snap7's merge of the items
    items = [ReadItem(s.area, s.db, s.start, 0, s.size, i) for i, s in enumerate(specs)]
    merged = merge_items(sort_items(items), max_gap=5, max_block_size=max_block_size(pdu))
    ours = sorted((b.area, b.db, b.start, b.size) for r in plan.requests for b in r)
    assert ours == sorted((b.area, b.db_number, b.start_offset, b.byte_length) for b in merged)
    assert 300 < len(ours) < 1000  # merging happened, and gaps > 5 kept blocks apart
    by_count, by_bytes = bounds(plan)
    assert plan.request_count == max(by_count, by_bytes) == plan.lower_bound
    assert by_count >= by_bytes  # small items: the 20-item cap binds
    if pdu == 240:
        assert max(len(r) for r in plan.requests) == 19  # 12 + 12 * 20 > 240


@pytest.mark.parametrize("pdu", [240, 480, 960])
def test_large_blocks_pack_by_reply_bytes(pdu: int) -> None:
    specs = run_specs()
    plan = ReadPlan(specs, pdu)
    check_limits(plan)
    check_covers(plan, specs)
    by_count, by_bytes = bounds(plan)
    assert by_bytes > by_count  # here the reply size binds
    assert plan.request_count == by_bytes


def test_packetize_overfills_requests_and_ours_does_not() -> None:
    # 38 one-byte items 10 bytes apart: nothing merges; 14 + 12 * 38 <= 480
    specs = [ReadSpec(DB, 1, 10 * i, 1) for i in range(38)]
    items = [ReadItem(DB, 1, s.start, 0, 1, i) for i, s in enumerate(specs)]
    packets = packetize(merge_items(sort_items(items)), 480)
    assert max(len(p.blocks) for p in packets) > 20
    plan = ReadPlan(specs, 480)
    assert max(len(r) for r in plan.requests) <= 20
    assert plan.request_count == 2


def test_packing_beats_in_order_greedy() -> None:
    # reply costs 114, 124, 102, 112 in address order; capacity 226 at PDU 240
    sizes = [110, 120, 98, 108]
    specs = [ReadSpec(DB, 1, 200 * i, s) for i, s in enumerate(sizes)]
    items = [ReadItem(DB, 1, s.start, 0, s.size, i) for i, s in enumerate(specs)]
    assert len(packetize(merge_items(sort_items(items)), 240)) == 3
    plan = ReadPlan(specs, 240)
    check_limits(plan)
    assert plan.request_count == 2


def test_pack_fills_the_item_cap_when_items_are_small() -> None:
    rnd = random.Random(1)
    for _ in range(200):
        per_request = rnd.randint(1, 20)
        capacity = rnd.randint(100, 1000)
        top = capacity // per_request
        costs = [rnd.randint(1, top) for _ in range(rnd.randint(1, 400))]
        bins = pack(costs, capacity, per_request)
        assert sorted(i for b in bins for i in b) == list(range(len(costs)))
        assert all(len(b) <= per_request and sum(costs[i] for i in b) <= capacity for b in bins)
        assert len(bins) == math.ceil(len(costs) / per_request)


def test_pack_never_loses_to_first_fit_decreasing() -> None:
    rnd = random.Random(2)
    for _ in range(200):
        capacity, per_request = rnd.choice([(226, 19), (466, 20), (946, 20)])
        costs = [reply_cost(rnd.randint(1, capacity - 4)) for _ in range(rnd.randint(1, 150))]
        costs = [c for c in costs if c <= capacity]
        bins = pack(costs, capacity, per_request)
        assert sorted(i for b in bins for i in b) == list(range(len(costs)))
        assert all(len(b) <= per_request and sum(costs[i] for i in b) <= capacity for b in bins)
        # plain first-fit decreasing
        ffd: list[list[int]] = []
        for c in sorted(costs, reverse=True):
            for b in ffd:
                if len(b) < per_request and sum(b) + c <= capacity:
                    b.append(c)
                    break
            else:
                ffd.append([c])
        assert len(bins) <= len(ffd)


def test_an_oversized_range_is_read_in_pieces() -> None:
    plan = ReadPlan([ReadSpec(DB, 1, 5, 1000), ReadSpec(DB, 1, 1007, 2)], 240)
    check_limits(plan)
    blocks = sorted((b.start, b.size) for r in plan.requests for b in r)
    assert all(size <= 222 for _, size in blocks)
    assert sum(size for _, size in blocks) == 1004  # the last piece merged the gap and the item
    assert plan.request_count == plan.lower_bound


def test_blocks_that_fill_a_reply_count_alone_in_the_bound() -> None:
    # six blocks that each fill a reply, and 40 small ones: 6 + 2 requests
    assert lower_bound([462] * 6 + [2] * 40, 480) == 8
    specs = [ReadSpec(DB, 1, 1000 * i, 462) for i in range(6)]
    specs += [ReadSpec(MK, 0, 10 * i, 2) for i in range(40)]
    plan = ReadPlan(specs, 480)
    check_limits(plan)
    assert plan.request_count == plan.lower_bound == 8


@pytest.mark.parametrize(
    "spec",
    [
        ReadSpec(0x1C, 0, 0, 2),  # counters are not byte-addressed
        ReadSpec(DB, 1, 0, 0),
        ReadSpec(DB, 1, -1, 2),
        ReadSpec(DB, 70000, 0, 2),
        ReadSpec(DB, 1, 2**21 - 1, 2),
    ],
)
def test_unaddressable_ranges_are_refused(spec: ReadSpec) -> None:
    with pytest.raises(ValueError):
        ReadPlan([spec], 480)


def test_empty_plan() -> None:
    plan = ReadPlan([], 480)
    assert plan.request_count == 0
    assert plan.execute(None) == []  # no request, no client needed


# --- against a real snap7 Server on 127.0.0.1 ---


class CountingTransport(ClientTransport):
    """The link a plan reads through, counting its whole-request exchanges."""

    __slots__ = ("plc",)

    def __init__(self, plc: Plc) -> None:
        super().__init__(plc.client)
        self.plc = plc

    def plain_exchange(self, request: bytes) -> dict:
        return super().exchange(request)

    def exchange(self, request: bytes) -> dict:
        self.plc.exchanges += 1
        return self.plc.exchange(request)


class Plc:
    """A snap7 Server on 127.0.0.1 with known memory, and a client that records its exchanges."""

    def __init__(self, memory: dict[tuple[int, int], bytearray], pdu: int) -> None:
        self.memory = memory
        self.server = Server(log=False)
        for (area, db), data in memory.items():
            if area == DB:
                self.server.register_area(SrvArea.DB, db, data)
            else:
                self.server.register_area(AREA_OF[area], 0, data)
        self.server.start_to("127.0.0.1", 0)
        port = self.server.server_socket.getsockname()[1]
        self.client = snap7.Client()
        self.client.pdu_length = pdu  # the server grants up to 480
        try:
            self.client.connect("127.0.0.1", 0, 1, port)
        except Exception:
            self.server.stop()
            raise
        assert self.client.pdu_length == pdu
        self.sent: list[bytes] = []
        self.received: list[bytes] = []
        conn = self.client.connection
        send, receive = conn.send_data, conn.receive_data

        def send_data(data: bytes) -> None:
            self.sent.append(bytes(data))
            send(data)

        def receive_data() -> bytes:
            data = receive()
            self.received.append(data)
            return data

        conn.send_data = send_data
        conn.receive_data = receive_data
        self.exchanges = 0
        self.link = CountingTransport(self)
        self.exchange = self.link.plain_exchange  # a test may put another in between

    def expected(self, spec: ReadSpec) -> bytes:
        return bytes(self.memory[(spec.area, spec.db)][spec.start : spec.start + spec.size])

    def reset_counts(self) -> None:
        self.exchanges = 0
        self.sent.clear()
        self.received.clear()

    def close(self) -> None:
        self.client.disconnect()
        self.server.stop()


def random_memory(seed: int) -> dict[tuple[int, int], bytearray]:
    rnd = random.Random(seed)
    memory = {(DB, db): bytearray(rnd.randbytes(2500)) for db in range(1, 6)}
    for area in (PE, PA, MK):
        memory[(area, 0)] = bytearray(rnd.randbytes(512))
    return memory


@pytest.fixture(params=[240, 480])
def plc(request: pytest.FixtureRequest) -> Iterator[Plc]:
    memory = random_memory(request.param)
    memory[(DB, 9)] = bytearray(range(100))  # a small DB to run off its end
    p = Plc(memory, request.param)
    yield p
    p.close()


def test_execute_reads_every_item_exactly(plc: Plc) -> None:
    rnd = random.Random(5)
    specs = word_specs()
    # odd sizes and odd starts, so fill bytes matter; a range larger than one reply
    specs += [
        ReadSpec(DB, rnd.randint(1, 5), rnd.randrange(2400), rnd.choice([1, 3, 5]))
        for _ in range(60)
    ]
    specs += [ReadSpec(MK, 0, 1, 1), ReadSpec(DB, 3, 1, 1500)]
    plan = ReadPlan(specs, plc.client.pdu_length)
    results = plan.execute(plc.link)
    assert results == [plc.expected(s) for s in specs]
    assert all(type(r) is bytes for r in results)
    assert plc.exchanges == plan.request_count == len(plc.sent) == len(plc.received)
    pdu = plc.client.pdu_length
    assert all(len(frame) <= pdu and frame[11] <= 20 for frame in plc.sent)
    assert all(len(frame) <= pdu for frame in plc.received)
    # the next cycle sees new values
    plc.memory[(DB, 1)][0:2] = b"\xbe\xef"
    plc.reset_counts()
    again = plan.execute(plc.link)
    assert again == [plc.expected(s) for s in specs]
    assert plc.exchanges == plan.request_count


def test_item_errors_land_on_the_affected_items_only(plc: Plc) -> None:
    specs = [
        ReadSpec(DB, 1, 0, 2),
        ReadSpec(DB, 7, 0, 2),  # DB7 does not exist
        ReadSpec(DB, 9, 150, 2),  # DB9 has 100 bytes
        ReadSpec(MK, 0, 10, 4),
        ReadSpec(DB, 2, 100, 3),
    ]
    plan = ReadPlan(specs, plc.client.pdu_length)
    assert plan.request_count == 1
    results = plan.execute(plc.link)
    assert plc.exchanges == 1
    assert results[0] == plc.expected(specs[0])
    assert results[1] == ItemError(0x0A, "Object does not exist (0x0A)")
    assert results[2] == ItemError(0x05, "Invalid address (0x05)")
    assert results[3] == plc.expected(specs[3])
    assert results[4] == plc.expected(specs[4])


def test_a_merged_block_that_fails_is_read_item_by_item_once(plc: Plc) -> None:
    specs = [
        ReadSpec(DB, 9, 94, 2),
        ReadSpec(DB, 9, 96, 2),
        ReadSpec(DB, 9, 98, 4),  # runs past the end of DB9
        ReadSpec(DB, 1, 10, 2),
        ReadSpec(DB, 7, 0, 2),  # DB7 does not exist: three items merged into one block
        ReadSpec(DB, 7, 4, 2),
        ReadSpec(DB, 7, 8, 4),
    ]
    plan = ReadPlan(specs, plc.client.pdu_length)
    assert ReadSpec(DB, 9, 94, 8) in plan.requests[0]
    assert plan.request_count == 1
    results = plan.execute(plc.link)
    assert results[0] == bytes([94, 95])
    assert results[1] == bytes([96, 97])
    assert results[2] == ItemError(0x05, "Invalid address (0x05)")
    assert results[3] == plc.expected(specs[3])
    assert [r.code for r in results[4:]] == [0x0A] * 3  # type: ignore[union-attr]
    assert plc.exchanges == 2  # the plan, then one follow-up with the six items alone
    assert plc.sent[1][11] == 6
    # the good items are merged again, the failing ones kept apart from them
    blocks = plan.requests[0]
    assert ReadSpec(DB, 9, 94, 4) in blocks
    assert ReadSpec(DB, 9, 98, 4) in blocks
    assert ReadSpec(DB, 7, 0, 12) in blocks  # fails as a whole; not split every cycle
    stable = plan.requests
    for _ in range(2):
        plc.reset_counts()
        assert plan.execute(plc.link) == results
        assert plc.exchanges == plan.request_count == 1
        assert plan.requests == stable


def test_a_block_whose_items_all_succeed_alone_is_split_for_good(plc: Plc) -> None:
    specs = [ReadSpec(DB, 1, 0, 2), ReadSpec(DB, 1, 4, 2)]
    plan = ReadPlan(specs, plc.client.pdu_length)
    low_level = plc.exchange
    refused = []

    def refuse_merged(request: bytes) -> dict:
        response = low_level(request)
        if request[11] == 1 and request[16:18] == b"\x00\x06":  # one item of six bytes
            refused.append(request)  # make the PLC refuse the merged six bytes
            data = response["raw_data"]
            response["raw_data"] = b"\x05\x00\x00\x00"
            assert len(data) == 10
        return response

    plc.exchange = refuse_merged
    assert plan.execute(plc.link) == [plc.expected(s) for s in specs]
    assert len(refused) == 1
    assert sorted(plan.requests[0], key=lambda b: b.start) == specs
    assert plan.execute(plc.link) == [plc.expected(s) for s in specs]
    assert len(refused) == 1


@pytest.mark.parametrize("in_flight", [1, 3])
def test_ready_hands_over_each_final_result_once_as_replies_come(plc: Plc, in_flight: int) -> None:
    joined = ReadSpec(DB, 3, 1, 1500)  # larger than one reply: joined from pieces at the end
    failing = [ReadSpec(DB, 7, 0, 2), ReadSpec(DB, 7, 4, 2)]  # one merged block, read again
    specs = [*word_specs(), joined, *failing]
    plan = ReadPlan(specs, plc.client.pdu_length)
    requests = plan.request_count
    handed: dict[int, bytes | ItemError] = {}
    calls = []

    def ready(results: list, indices: list[int]) -> None:
        calls.append(len(plc.received))
        for i in indices:
            assert i not in handed
            handed[i] = results[i]

    results = plan.execute(plc.link, in_flight, ready)
    assert results[: len(specs) - 3] == [plc.expected(s) for s in specs[: len(specs) - 3]]
    assert all(isinstance(r, ItemError) for r in results[-2:])
    assert all(results[i] == value for i, value in handed.items())
    assert set(handed) == set(range(len(specs))) - {
        specs.index(joined),
        len(specs) - 2,
        len(specs) - 1,
    }
    assert calls == list(range(1, requests + 1))  # right after each reply, not at the end


@pytest.mark.parametrize("in_flight", [1, 3])
def test_replies_that_came_back_whole_are_handed_over_unsliced(plc: Plc, in_flight: int) -> None:
    joined = ReadSpec(DB, 3, 1, 1500)  # larger than one reply: joined from pieces at the end
    failing = [ReadSpec(DB, 7, 0, 2), ReadSpec(DB, 7, 4, 2)]  # one merged block, read again
    specs = [*word_specs(), joined, *failing]
    plan = ReadPlan(specs, plc.client.pdu_length)
    handed: dict[int, bytes | ItemError] = {}
    layouts = []

    def ready(results: list, indices: list[int]) -> None:
        for i in indices:
            assert i not in handed
            handed[i] = results[i]

    def reply(layout: ReplyLayout, data: bytes) -> None:
        layouts.append(layout)
        for i, offset, size in zip(layout.finals, layout.offsets, layout.sizes, strict=True):
            assert i not in handed
            handed[i] = data[offset : offset + size]

    results = plan.execute(plc.link, in_flight, ready, reply)
    whole = {i for layout in layouts for i in layout.finals}
    assert whole and all(results[i] is None for i in whole)  # not sliced
    assert all(handed[i] == plc.expected(specs[i]) for i in whole)
    assert results[specs.index(joined)] == plc.expected(joined)
    assert all(isinstance(r, ItemError) for r in results[-2:])  # read again, not handed over
    assert set(handed) == set(range(len(specs))) - {
        specs.index(joined),
        *range(len(specs) - 2, len(specs)),
    }
    # the first cycle regrouped the failing block (new layouts); later cycles keep theirs, so
    # a cache put there lives on
    cycles: list[list[int]] = [[], []]
    for seen in cycles:
        plan.execute(
            plc.link, in_flight, None, lambda layout, data, seen=seen: seen.append(id(layout))
        )
    assert cycles[0] and cycles[0] == cycles[1]


@pytest.mark.parametrize("in_flight", [1, 3])
def test_requests_are_built_once_and_sent_again_with_a_new_pdu_reference(
    plc: Plc, in_flight: int
) -> None:
    specs = word_specs()
    plan = ReadPlan(specs, plc.client.pdu_length)
    built = []
    protocol = plc.client.protocol
    build = protocol.build_multi_read_request
    protocol.build_multi_read_request = lambda items: built.append(items) or build(items)
    cycles = []
    for _ in range(3):
        plc.reset_counts()
        assert plan.execute(plc.link, in_flight) == [plc.expected(s) for s in specs]
        cycles.append(list(plc.sent))
    assert len(built) == plan.request_count
    for earlier, later in itertools.pairwise(cycles):
        for a, b in zip(earlier, later, strict=True):  # S7 PDUs: the reference is at 4-5
            assert a[:4] + a[6:] == b[:4] + b[6:]
            assert a[4:6] != b[4:6]


def test_a_wrong_pipelined_reply_leaves_the_link_in_step(plc: Plc) -> None:
    specs = word_specs()
    plan = ReadPlan(specs, plc.client.pdu_length)
    conn = plc.client.connection
    receive = conn.receive_data
    wrong = [True]

    def first_reply_wrong() -> bytes:
        data = bytearray(receive())
        if wrong:
            wrong.clear()
            data[4:6] = b"\xff\xfe"  # a PDU reference no pending request carries
        return bytes(data)

    conn.receive_data = first_reply_wrong
    with pytest.raises(AnswerError, match="no pending request"):
        plan.execute(plc.link, 3)
    assert len(plc.received) == len(plc.sent) == 3  # nothing more sent; every reply read
    assert plan.execute(plc.link, 3) == [plc.expected(s) for s in specs]


# --- replies that break the rules, and failures of the whole exchange ---


class FakeLink:
    """Answers every read with a canned data section (items as the PLC would frame them)."""

    def __init__(self, raw: bytes, item_count: int | None = None, exc: Exception | None = None):
        self.protocol = S7Protocol()
        self.raw = raw
        self.item_count = item_count
        self.exc = exc
        self.requests: list[bytes] = []

    def build(self, specs: list[tuple[int, int, int, int]]) -> bytes:
        return self.protocol.build_multi_read_request(specs)

    def renumber(self, request: bytes) -> bytes:
        return request

    def exchange(self, request: bytes) -> dict:
        self.requests.append(request)
        if self.exc:
            raise self.exc
        count = request[11] if self.item_count is None else self.item_count
        return {"parameters": {"function_code": 4, "item_count": count}, "raw_data": self.raw}


def item(data: bytes, code: int = 0xFF, transport: int = 0x04, bits: bool = True) -> bytes:
    length = len(data) * 8 if bits else len(data)
    return struct.pack(">BBH", code, transport, length) + data


TWO_ITEMS = [ReadSpec(DB, 1, 0, 3), ReadSpec(DB, 1, 100, 2)]


def test_fill_bytes_and_byte_counted_transport_sizes() -> None:
    raw = item(b"abc") + b"\x00" + item(b"de", transport=0x09, bits=False)
    assert ReadPlan(TWO_ITEMS, 480).execute(FakeLink(raw)) == [b"abc", b"de"]


def test_a_short_or_long_item_is_an_item_error() -> None:
    raw = item(b"ab") + item(b"def")
    results = ReadPlan(TWO_ITEMS, 480).execute(FakeLink(raw))
    assert results == [
        ItemError(0, "PLC returned 2 bytes, expected 3"),
        ItemError(0, "PLC returned 3 bytes, expected 2"),
    ]


@pytest.mark.parametrize(
    "raw",
    [
        item(b"abc") + b"\x00" + struct.pack(">BBH", 0xFF, 0x04, 16) + b"d",  # data cut short
        item(b"abc") + b"\x00" + b"\xff\x04",  # item header cut short
        item(b"abc") + b"\x00" + item(b"de") + b"xx",  # trailing bytes
        b"",
    ],
)
def test_malformed_replies_raise(raw: bytes) -> None:
    with pytest.raises(AnswerError):
        ReadPlan(TWO_ITEMS, 480).execute(FakeLink(raw))


def test_a_reply_with_another_item_count_raises() -> None:
    raw = item(b"abc") + b"\x00" + item(b"de")
    with pytest.raises(AnswerError, match="item"):
        ReadPlan(TWO_ITEMS, 480).execute(FakeLink(raw, item_count=1))


@pytest.mark.parametrize(
    ("exc", "raised"),
    [
        (S7TimeoutError("Receive timeout"), S7TimeoutError),
        (ConnectionResetError("reset"), ConnectionResetError),
        (AnswerError("Malformed answer: unpack requires a buffer of 4 bytes"), AnswerError),
    ],
)
def test_exchange_failures_raise(exc: Exception, raised: type[Exception]) -> None:
    fake = FakeLink(b"", exc=exc)
    with pytest.raises(raised):
        ReadPlan(TWO_ITEMS, 480).execute(fake)
    assert len(fake.requests) == 1  # nothing re-sent


@pytest.mark.parametrize("in_flight", [2, 3, 8])
def test_requests_in_flight_never_exceed_the_granted_jobs(plc: Plc, in_flight: int) -> None:
    specs = word_specs()
    plan = ReadPlan(specs, plc.client.pdu_length)
    assert plan.request_count > in_flight  # several windows
    outstanding, most = 0, 0
    conn = plc.client.connection
    send, receive = conn.send_data, conn.receive_data

    def send_data(data: bytes) -> None:
        nonlocal outstanding, most
        outstanding += 1
        most = max(most, outstanding)
        send(data)

    def receive_data() -> bytes:
        nonlocal outstanding
        outstanding -= 1
        return receive()

    conn.send_data, conn.receive_data = send_data, receive_data
    assert plan.execute(plc.link, in_flight) == [plc.expected(s) for s in specs]
    assert most == min(in_flight, plan.request_count)
    assert len(plc.sent) == plan.request_count  # pipelining adds no exchange


def test_a_pipelined_reply_to_no_pending_request_is_refused(plc: Plc) -> None:
    plan = ReadPlan(word_specs(), plc.client.pdu_length)
    conn = plc.client.connection
    receive = conn.receive_data

    def wrong_reference() -> bytes:
        data = bytearray(receive())
        data[4:6] = b"\xff\xfe"  # a PDU reference no request of this window carries
        return bytes(data)

    conn.receive_data = wrong_reference
    with pytest.raises(AnswerError, match="no pending request"):
        plan.execute(plc.link, 3)
