"""The batched read path of a poll cycle: merge, pack into requests, execute, slice results.

A :class:`ReadPlan` is built once for a set of byte ranges (the caller caches it while its
variable set is unchanged). It merges adjacent ranges with python-snap7's merge step
(``snap7.optimizer.sort_items`` + ``merge_items``), packs the merged blocks into the fewest
multi-read requests it can find within the protocol's limits (at most 20 items; request and
reply within the negotiated PDU length), and :meth:`ReadPlan.execute` runs them on a
:class:`Transport` (the link side gives one over python-snap7). Failures of single items (a
missing DB, an address out of range) come back as :class:`ItemError` on the affected ranges
only; failures of a whole request (timeouts, broken links, S7 header errors, malformed
replies) are raised. A reply whose items all came back whole can be handed over unsliced,
with its :class:`ReplyLayout` (where each value lies in it), for a decoder compiled per
layout; each request is built once and then only renumbered.

Nothing here touches Qt. A plan is not thread-safe: use it from the thread that owns the client.
"""

from __future__ import annotations

import bisect
import heapq
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Any, Protocol

from snap7.optimizer import ReadBlock, ReadItem, merge_items, sort_items
from snap7.s7protocol import S7Function, get_return_code_description

from .errors import AnswerError, ClientError

MAX_ITEMS = 20
"""Items per read request that real PLCs and the original Snap7 server accept."""

MAX_GAP = 5
"""Bytes between two ranges up to which they are read as one block."""

_REQUEST_FIXED = 10 + 2  # job header + (function, item count)
_REQUEST_PER_ITEM = 12  # address specification
_REPLY_FIXED = 12 + 2  # ack-data header + (function, item count)
_REPLY_PER_ITEM = 4  # return code, transport size, length
_MAX_ITEM_BYTES = 0xFFFF // 8  # the reply's item length is a 16-bit count of bits
_MAX_START = (1 << 24) // 8  # the start is a 24-bit bit address
_DB = 0x84
_AREAS = frozenset({0x81, 0x82, 0x83, _DB})  # inputs, outputs, markers, DBs
_BYTE_LENGTH_TS = frozenset({0x03, 0x07, 0x09})  # transport sizes whose length counts bytes
_SUCCESS = 0xFF


class Transport(Protocol):
    """How a plan talks to a PLC: build, send and receive S7 read requests on one link."""

    def build(self, specs: list[tuple[int, int, int, int]]) -> bytes:
        """A Read Var request for ``specs`` (area, db, start, size)."""
        ...

    def renumber(self, request: bytes) -> bytes:
        """``request`` (made by :meth:`build`) with the PDU reference a new build would get."""
        ...

    def exchange(self, request: bytes) -> dict[str, Any]:
        """Send ``request`` and return its answer, parsed (never re-sent)."""
        ...

    def send(self, request: bytes) -> None:
        """Send ``request`` without waiting for its answer."""
        ...

    def receive(self) -> bytes:
        """The next answer frame on the link."""
        ...

    def parse(self, frame: bytes) -> dict[str, Any]:
        """``frame`` parsed; raises AnswerError when it is malformed."""
        ...


class UnreadableRange(ValueError):
    """A range no read request can address (an area, DB or offset out of the protocol's reach)."""


@dataclass(frozen=True, slots=True)
class ReadSpec:
    """A byte range to read: area code (0x81 I, 0x82 Q, 0x83 M, 0x84 DB), DB number, start, size."""

    area: int
    db: int
    start: int
    size: int


@dataclass(frozen=True, slots=True)
class ItemError:
    """A failure of one range: the S7 item return code (0 for a size mismatch) and its text."""

    code: int
    message: str


def reply_cost(size: int) -> int:
    """Bytes one item of ``size`` data bytes takes in a read reply (fill byte included)."""
    return _REPLY_PER_ITEM + size + (size & 1)


def items_per_request(pdu_length: int, max_items: int = MAX_ITEMS) -> int:
    """The most items one read request may hold (item cap and request size)."""
    return min(max_items, (pdu_length - _REQUEST_FIXED) // _REQUEST_PER_ITEM)


def reply_capacity(pdu_length: int) -> int:
    """Bytes of a reply left for items after its header."""
    return pdu_length - _REPLY_FIXED


def max_block_size(pdu_length: int) -> int:
    """The largest block one reply can carry."""
    return min(reply_capacity(pdu_length) - _REPLY_PER_ITEM, _MAX_ITEM_BYTES)


def lower_bound(block_sizes: Sequence[int], pdu_length: int, max_items: int = MAX_ITEMS) -> int:
    """Fewest requests any packing of these blocks needs (see :func:`bin_bound`)."""
    return bin_bound(
        [reply_cost(s) for s in block_sizes],
        reply_capacity(pdu_length),
        items_per_request(pdu_length, max_items),
    )


def bin_bound(costs: Sequence[int], capacity: int, max_items: int) -> int:
    """A lower bound on the bins any packing needs: by count and by cost.

    Items that cannot share a bin even with the smallest other item are counted apart.
    """
    if not costs:
        return 0
    smallest = min(costs)
    alone = [c for c in costs if c + smallest > capacity]
    rest = len(costs) - len(alone)
    return len(alone) + max(
        math.ceil(rest / max_items), math.ceil((sum(costs) - sum(alone)) / capacity)
    )


class _Block:
    """A merged range read as one request item, and the ranges (pieces) it serves."""

    __slots__ = ("area", "bad_code", "db", "items", "size", "slices", "start")

    def __init__(self, items: list[ReadItem], bad_code: int | None = None) -> None:
        first = items[0]
        self.area = first.area
        self.db = first.db_number
        self.start = first.byte_offset
        self.size = max(it.byte_offset + it.byte_length for it in items) - self.start
        self.items = items
        # (piece, first, end) relative to the block's data
        self.slices = tuple(
            (it.index, it.byte_offset - self.start, it.byte_offset - self.start + it.byte_length)
            for it in items
        )
        # set when all items failed alone with this code: a failure with it is not split again
        self.bad_code = bad_code

    @property
    def spec(self) -> ReadSpec:
        return ReadSpec(self.area, self.db, self.start, self.size)


Ready = Callable[[list, Sequence[int]], None]
"""``ready(results, indices)``: the results at these spec indices are final (see execute)."""


class ReplyLayout:
    """Where the final results of one request lie in the data of its reply, when every item
    of it came back whole (success, the planned size): see :meth:`ReadPlan.execute`.

    ``finals`` are spec indices, ``offsets`` where each one's bytes start in the reply's data
    (``raw_data``: item headers and fill bytes included), ``sizes`` how many bytes it has.
    ``cache`` is the caller's: e.g. a decoder compiled for this layout. A plan that regroups
    its blocks (after a fall-back) makes new layouts, so what is cached there never outlives
    the layout it was made for.
    """

    __slots__ = ("cache", "finals", "offsets", "sizes")

    def __init__(
        self, finals: tuple[int, ...], offsets: tuple[int, ...], sizes: tuple[int, ...]
    ) -> None:
        self.finals = finals
        self.offsets = offsets
        self.sizes = sizes
        self.cache: Any = None


Reply = Callable[[ReplyLayout, bytes], None]
"""``reply(layout, data)``: a reply came back whole; its finals are in ``data`` at
``layout.offsets`` (see execute)."""


class _Request:
    """One multi-read request: its items, the blocks they read, and the spec indices whose
    results are final once its reply is sliced (ranges not joined from several pieces).

    ``layout`` says where the finals lie in a reply that came back whole; ``others`` are the
    rest of its pieces (of joined ranges) as (piece, first, end) in that reply's data, the only
    ones sliced from such a reply when the caller takes it whole.
    """

    __slots__ = ("blocks", "built", "finals", "layout", "others", "specs")

    def __init__(
        self, blocks: list[_Block], last: int = 0, joined: frozenset[int] = frozenset()
    ) -> None:
        self.blocks = blocks
        self.specs = [(b.area, b.db, b.start, b.size) for b in blocks]
        self.built: bytes | None = None  # the request as last sent
        finals: list[int] = []
        offsets: list[int] = []
        sizes: list[int] = []
        others: list[tuple[int, int, int]] = []
        offset = 0
        for block in blocks:
            first = offset + 4  # after the item's return code, transport size and length
            for piece, lo, hi in block.slices:
                if piece < last and piece not in joined:
                    finals.append(piece)
                    offsets.append(first + lo)
                    sizes.append(hi - lo)
                else:
                    others.append((piece, first + lo, first + hi))
            offset = first + block.size + (block.size & 1)  # a fill byte after an odd item
        self.finals = finals
        self.layout = ReplyLayout(tuple(finals), tuple(offsets), tuple(sizes))
        self.others = others


class ReadPlan:
    """Reads a fixed list of byte ranges in the fewest multi-read requests it can find."""

    def __init__(
        self,
        specs: Sequence[ReadSpec],
        pdu_length: int,
        max_items: int = MAX_ITEMS,
        max_gap: int = MAX_GAP,
    ) -> None:
        """Merge and pack ``specs`` for a connection with the negotiated ``pdu_length``.

        Raises UnreadableRange for a range no read request can address (area, DB, start, size) or
        a PDU length too small for one item.
        """
        self._capacity = reply_capacity(pdu_length)
        self._per_request = items_per_request(pdu_length, max_items)
        self._max_block = max_block_size(pdu_length)
        if self._per_request < 1 or self._max_block < 1:
            raise UnreadableRange(f"PDU length {pdu_length} is too small for a read request")
        self.pdu_length = pdu_length
        self._max_gap = max_gap
        self._spec_count = len(specs)
        # A range larger than one reply is read as several pieces, joined after the read.
        pieces: list[ReadItem] = []
        extra: list[ReadItem] = []
        self._joins: list[tuple[int, tuple[int, ...]]] = []
        for index, spec in enumerate(specs):
            _check(spec)
            db = spec.db if spec.area == _DB else 0
            step = self._max_block
            if spec.size <= step:
                pieces.append(ReadItem(spec.area, db, spec.start, 0, spec.size, index))
                continue
            parts = [index]
            for offset in range(0, spec.size, step):
                piece = index if offset == 0 else self._spec_count + len(extra)
                item = ReadItem(
                    spec.area, db, spec.start + offset, 0, min(step, spec.size - offset), piece
                )
                (pieces if offset == 0 else extra).append(item)
                if offset:
                    parts.append(piece)
            self._joins.append((index, tuple(parts)))
        pieces.extend(extra)
        self._piece_count = len(pieces)
        self._blocks = [_Block(b.items) for b in self._merge(sort_items(pieces))]
        self._joined = frozenset(index for index, _ in self._joins)
        self._requests: list[_Request] = []
        self._pack()

    @property
    def requests(self) -> list[list[ReadSpec]]:
        """The blocks of each request, in the order they are sent."""
        return [[b.spec for b in r.blocks] for r in self._requests]

    @property
    def request_count(self) -> int:
        """Request exchanges one :meth:`execute` costs (when no merged block fails)."""
        return len(self._requests)

    @property
    def lower_bound(self) -> int:
        """Fewest requests any packing of the current blocks needs."""
        return lower_bound([b.size for b in self._blocks], self.pdu_length, self._per_request)

    def execute(
        self,
        link: Transport,
        in_flight: int = 1,
        ready: Ready | None = None,
        reply: Reply | None = None,
    ) -> list[bytes | ItemError | None]:
        """Read every range over ``link`` (never reconnected here): one result per spec.

        Up to ``in_flight`` requests are kept in flight: pass the parallel jobs (AmQ) the PLC
        granted in Setup Communication, never more. ``ready(results, indices)`` is called as
        soon as the results at ``indices`` are final, while later requests are still in
        flight (a caller decodes them there, in the time the PLC takes to answer); results it
        was not called for are final when this returns. With ``reply``, a reply whose items
        all came back whole is not sliced: ``reply(layout, data)`` gets its data and where
        its finals lie (:class:`ReplyLayout`), and their results stay None in the returned
        list. A merged block that fails with an item error is re-read item by item in
        follow-up requests, and regrouped for later cycles (see ``_regroup``). Raises
        AnswerError for a reply that is not the answer asked for, and whatever ``link``
        raises (a broken link, a timeout, an S7 error answer).
        """
        results: list[bytes | ItemError | None] = [None] * self._piece_count
        suspects: list[_Block] = []
        requests = self._requests
        whole = reply is not None
        if in_flight <= 1 or len(requests) == 1:
            for request in requests:
                before = len(suspects)
                data = _exchange(link, request, results, suspects, whole)
                _deliver(request, results, suspects, before, ready, reply, data)
        else:
            _exchange_pipelined(link, requests, in_flight, results, suspects, ready, reply)
        if suspects:
            self._fall_back(link, suspects, results)
        for index, parts in self._joins:
            chunks = [results[p] for p in parts]
            error = next((c for c in chunks if isinstance(c, ItemError)), None)
            results[index] = error or b"".join(chunks)  # type: ignore[arg-type]
        del results[self._spec_count :]
        return results

    def _merge(self, items: list[ReadItem]) -> list[ReadBlock]:
        return merge_items(items, max_gap=self._max_gap, max_block_size=self._max_block)

    def _pack(self) -> None:
        bins = pack([reply_cost(b.size) for b in self._blocks], self._capacity, self._per_request)
        self._requests = []
        last, joined = self._spec_count, self._joined
        for indices in bins:
            blocks = sorted((self._blocks[i] for i in indices), key=_block_key)
            self._requests.append(_Request(blocks, last, joined))
        self._requests.sort(key=lambda r: _block_key(r.blocks[0]))

    def _fall_back(self, link: Transport, suspects: list[_Block], results: list) -> None:
        """Re-read the items of failed merged blocks alone, then regroup them for later cycles."""
        singles = [_Block([item]) for block in suspects for item in block.items]
        for indices in pack(
            [reply_cost(b.size) for b in singles], self._capacity, self._per_request
        ):
            _exchange(link, _Request([singles[i] for i in indices]), results, None)
        replaced = {id(block): self._regroup(block, results) for block in suspects}
        self._blocks = [new for block in self._blocks for new in replaced.get(id(block), (block,))]
        self._pack()

    def _regroup(self, block: _Block, results: list) -> list[_Block]:
        """New blocks for a failed merged block, from how its items fared alone.

        Runs of items that succeeded are merged again; items that failed are merged per
        return code into blocks whose failure with that code is not split again. If every
        item succeeded alone, the items stay apart for good. Each regrouping either isolates
        items for good or separates failing ones, so a plan settles after a few cycles.
        """
        if not any(isinstance(results[it.index], ItemError) for it in block.items):
            return [_Block([item]) for item in block.items]
        new: list[_Block] = []
        bad: dict[int, list[ReadItem]] = {}
        run: list[ReadItem] = []
        for item in block.items:
            result = results[item.index]
            if isinstance(result, ItemError):
                new.extend(_Block(b.items) for b in self._merge(run))
                run = []
                bad.setdefault(result.code, []).append(item)
            else:
                run.append(item)
        new.extend(_Block(b.items) for b in self._merge(run))
        for code, items in bad.items():
            new.extend(_Block(b.items, bad_code=code) for b in self._merge(items))
        return new


def _check(spec: ReadSpec) -> None:
    if spec.area not in _AREAS:
        raise UnreadableRange(f"{spec}: area must be one of I, Q, M, DB (0x81..0x84)")
    if not 0 <= spec.db <= 0xFFFF:
        raise UnreadableRange(f"{spec}: invalid DB number")
    if spec.size < 1 or spec.start < 0 or spec.start + spec.size > _MAX_START:
        raise UnreadableRange(f"{spec}: range not addressable")


def _block_key(block: _Block) -> tuple[int, int, int]:
    return (block.area, block.db, block.start)


def _exchange(
    link: Transport,
    request: _Request,
    results: list,
    suspects: list[_Block] | None,
    whole: bool = False,
) -> bytes | None:
    """Send one multi-read request and slice its reply into ``results`` (see _slice).

    Failed multi-item blocks go to ``suspects`` (when given) instead of failing their items.
    """
    response = link.exchange(_request_bytes(link, request))
    return _slice(response, request, results, suspects, whole)


def _request_bytes(link: Transport, request: _Request) -> bytes:
    """The bytes of ``request``: built once, then only given a new PDU reference."""
    built = request.built
    built = link.build(request.specs) if built is None else link.renumber(built)
    request.built = built
    return built


def _exchange_pipelined(
    link: Transport,
    requests: list[_Request],
    in_flight: int,
    results: list,
    suspects: list[_Block],
    ready: Ready | None,
    reply: Reply | None,
) -> None:
    """Keep up to ``in_flight`` of ``requests`` in flight; slice each reply as it comes.

    Each reply is matched to its request by the PDU reference, and the next request goes out
    before the reply is sliced, so the PLC works while this side does. When a reply is wrong
    (malformed, or for no pending request) nothing more is sent and the replies still due
    are read and dropped before the error is raised: the link stays in step.
    """
    pending: dict[int, _Request] = {}
    queue = iter(requests)

    def send(request: _Request) -> None:
        data = _request_bytes(link, request)
        pending[int.from_bytes(data[4:6], "big")] = request  # the S7 header's PDU reference
        link.send(data)

    for request in islice(queue, in_flight):
        send(request)
    due = len(pending)
    while due:
        frame = link.receive()
        due -= 1
        try:
            response = link.parse(frame)
            request = pending.pop(response.get("sequence"), None)
            if request is None:
                raise AnswerError(
                    f"Read reply to no pending request (PDU reference {response.get('sequence')})"
                )
            following = next(queue, None)
            if following is not None:
                send(following)
                due += 1
            before = len(suspects)
            data = _slice(response, request, results, suspects, reply is not None)
        except AnswerError:
            for _ in range(due):
                link.receive()
            raise
        _deliver(request, results, suspects, before, ready, reply, data)


def _deliver(
    request: _Request,
    results: list,
    suspects: list[_Block],
    before: int,
    ready: Ready | None,
    reply: Reply | None = None,
    data: bytes | None = None,
) -> None:
    """Hand the final results of ``request`` over: a reply that came back whole (``data``)
    to ``reply``; else tell ``ready`` which results are final: all but those of blocks that
    became suspects (``suspects[before:]``), whose items are read again."""
    if data is not None:
        if reply is not None and request.finals:
            reply(request.layout, data)
        return
    if ready is None:
        return
    if len(suspects) == before:
        ready(results, request.finals)
        return
    again = {piece for block in suspects[before:] for piece, _, _ in block.slices}
    ready(results, [i for i in request.finals if i not in again])


def _slice(
    response: dict,
    request: _Request,
    results: list,
    suspects: list[_Block] | None,
    whole: bool = False,
) -> bytes | None:
    """Check one multi-read reply to ``request`` and slice its items into ``results``.

    ``whole``: when every item came back whole, slice only the pieces that are no finals and
    return the reply's data (the caller decodes the finals from it, see ReplyLayout). Else
    None, with every result sliced.
    """
    specs, blocks = request.specs, request.blocks
    params = response.get("parameters") or {}
    if params.get("function_code") != S7Function.READ_AREA or params.get("item_count") != len(
        specs
    ):
        raise AnswerError(
            f"Unexpected S7 read reply: function {params.get('function_code')}, "
            f"{params.get('item_count')} items for {len(specs)} requested"
        )
    raw: bytes = response.get("raw_data") or b""
    end_of_data = len(raw)
    offset = 0
    last = len(blocks) - 1
    good: list[tuple[_Block, int]] = []  # blocks that came back whole, where their data starts
    for i, block in enumerate(blocks):
        if offset + 4 > end_of_data:
            raise AnswerError(
                f"S7 read reply truncated at item {i + 1} of {len(blocks)}", ClientError.ShortPacket
            )
        code = raw[offset]
        transport = raw[offset + 1]
        length = (raw[offset + 2] << 8) | raw[offset + 3]
        by_bytes = transport in _BYTE_LENGTH_TS
        size = length if by_bytes else (length + 7) >> 3
        first = offset + 4
        offset = first + size
        if offset > end_of_data:
            raise AnswerError(
                f"S7 read reply truncated in item {i + 1} of {len(blocks)}", ClientError.ShortPacket
            )
        if i < last:
            offset += size & 1
        if code == _SUCCESS and size == block.size and (by_bytes or length == size * 8):
            good.append((block, first))
            block.bad_code = None
            continue
        if code != _SUCCESS:
            error = ItemError(code, f"{get_return_code_description(code)} (0x{code:02X})")
        elif by_bytes or length == size * 8:
            error = ItemError(0, f"PLC returned {size} bytes, expected {block.size}")
        else:
            error = ItemError(0, f"PLC returned {length} bits, expected {block.size * 8}")
        if suspects is not None and len(block.slices) > 1 and block.bad_code != error.code:
            suspects.append(block)
        else:
            for piece, _, _ in block.slices:
                results[piece] = error
    # tolerate one fill byte after an odd last item; anything else is malformed
    if not offset <= end_of_data <= offset + (size & 1):
        raise AnswerError("S7 read reply has trailing bytes")
    if whole and len(good) == len(blocks):  # at the offsets the request's layout has
        for piece, lo, hi in request.others:
            results[piece] = raw[lo:hi]
        return raw
    for block, first in good:
        for piece, lo, hi in block.slices:
            results[piece] = raw[first + lo : first + hi]
    return None


def pack(costs: Sequence[int], capacity: int, max_items: int) -> list[list[int]]:
    """Group indices of ``costs`` into bins of at most ``max_items`` and total ``capacity``.

    Returns the fewest bins of three heuristics: first-fit decreasing; worst-fit decreasing
    into a target bin count (binary search between the lower bound and the first-fit
    result); and, while still above the lower bound, minimum bin slack with a bounded
    search. Each cost must be at most ``capacity``.
    """
    if not costs:
        return []
    order = sorted(range(len(costs)), key=costs.__getitem__, reverse=True)
    best = _first_fit(order, costs, capacity, max_items)
    bound = bin_bound(costs, capacity, max_items)
    low, high = bound, len(best) - 1
    while low <= high:
        target = (low + high) // 2
        bins = _worst_fit(order, costs, capacity, max_items, target)
        if bins is None:
            low = target + 1
        else:
            best, high = bins, len(bins) - 1
    if len(best) > bound:
        bins = _min_slack(costs, capacity, max_items, len(best) - 1)
        if bins is not None:
            best = bins
    return best


def _first_fit(
    order: list[int], costs: Sequence[int], capacity: int, max_items: int
) -> list[list[int]]:
    """First-fit in the given order; a max-tree over bins finds the first that fits in log time."""
    leaves = 1
    while leaves < len(order):
        leaves *= 2
    room = [capacity] * (2 * leaves)  # room left in a bin (-1: full), max over subtrees
    bins: list[list[int]] = []
    for i in order:
        cost = costs[i]
        node = 1
        while node < leaves:
            node = 2 * node if room[2 * node] >= cost else 2 * node + 1
        b = node - leaves
        if b == len(bins):
            bins.append([])
        bins[b].append(i)
        room[node] = room[node] - cost if len(bins[b]) < max_items else -1
        node //= 2
        while node:
            room[node] = max(room[2 * node], room[2 * node + 1])
            node //= 2
    return bins


def _worst_fit(
    order: list[int], costs: Sequence[int], capacity: int, max_items: int, target: int
) -> list[list[int]] | None:
    """Each item into the least loaded of ``target`` bins with a free slot; None if one fails."""
    heap = [(0, b) for b in range(target)]
    bins: list[list[int]] = [[] for _ in range(target)]
    for i in order:
        if not heap:
            return None
        load, b = heap[0]
        load += costs[i]
        if load > capacity:
            return None
        bins[b].append(i)
        if len(bins[b]) == max_items:
            heapq.heappop(heap)
        else:
            heapq.heapreplace(heap, (load, b))
    return [b for b in bins if b]


_SEARCH_BUDGET = 200_000  # steps of the minimum bin slack search (some 0.1 s)


def _min_slack(
    costs: Sequence[int], capacity: int, max_items: int, most: int
) -> list[list[int]] | None:
    """Minimum bin slack (Gupta and Ho): fill one bin at a time as full as a search can.

    Each bin takes the largest cost left plus the subset of the others that leaves the least
    room. Works on distinct costs with their counts; None when it needs more than ``most``
    bins or more than its step budget.
    """
    values = sorted(set(costs), reverse=True)
    negated = [-v for v in values]
    left = [0] * len(values)
    where = {v: k for k, v in enumerate(values)}
    for c in costs:
        left[where[c]] += 1
    steps = 0
    chosen: list[int] = []
    best: list[int] = []
    slack = 0

    def search(start: int, room: int, slots: int) -> bool:
        # True stops the search: an exact fill, or the budget is spent
        nonlocal steps, best, slack
        for k in range(max(start, bisect.bisect_left(negated, -room)), len(values)):
            steps += 1
            if not left[k]:
                continue
            left[k] -= 1
            chosen.append(k)
            if room - values[k] < slack:
                slack, best = room - values[k], chosen[:]
            stop = (
                slack == 0
                or steps > _SEARCH_BUDGET
                or (slots > 1 and search(k, room - values[k], slots - 1))
            )
            left[k] += 1
            chosen.pop()
            if stop:
                return True
        return False

    bins: list[list[int]] = []
    first = 0
    while True:
        while first < len(values) and not left[first]:
            first += 1
        if first == len(values):
            break
        if len(bins) == most:
            return None
        left[first] -= 1
        best, slack = [], capacity - values[first]
        if max_items > 1:
            search(first, slack, max_items - 1)
        if steps > _SEARCH_BUDGET:
            return None
        for k in best:
            left[k] -= 1
        bins.append([first, *best])
    pools: dict[int, list[int]] = {}
    for i, c in enumerate(costs):
        pools.setdefault(where[c], []).append(i)
    return [[pools[k].pop() for k in b] for b in bins]
