"""Reading the history back: a tag's values downsampled for a trend, the audit trail.

A trend asks for a time range and at most ``max_points``. When the range holds more rows, it
is cut into buckets and each bucket gives its minimum and its maximum row (in time order), so
a spike of one sample survives any zoom; a bucket with rows of bad quality (below 0x40) also
gives a gap point (``value`` None) at the first of them. SQLite does the work: one correlated
subquery per bucket walks the bucket's run of the covering index ``samples_tag_ts`` (no sort,
no row fetched into Python but the answer). The last row before the range starts the series.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any, NamedTuple

GOOD_ENOUGH = 0x40  # below: bad quality, the value means nothing: a gap
MIN_POINTS = 4


class Point(NamedTuple):
    """One point of a trend: ``value`` None is a gap (bad quality)."""

    ts: int
    value: Any
    quality: int


@dataclass(frozen=True, slots=True)
class WriteRecord:
    """One row of ``writes``: a write attempt; ``outcome`` None: in flight or never known."""

    id: int
    ts: int
    tag: str
    old: Any
    new: Any
    outcome: str | None
    user: str
    client: str
    detail: str


@dataclass(frozen=True, slots=True)
class AlarmRecord:
    """One row of ``alarm_events``."""

    ts: int
    alarm: str
    event: str
    value: Any
    user: str
    text: str
    priority: int
    group: str


def _point(ts: int, value: Any, quality: int) -> Point:
    return Point(ts, value if quality >= GOOD_ENOUGH else None, quality)


_RANGE = "tag = :tag AND ts >= :lo AND ts <= :hi"

# b: the buckets i = 0..n-1 of [f, f + span), each [lo, hi); one correlated subquery per
# bucket finds the rowid of its minimum, its maximum and its first bad row (SQLite's min/max
# with a bare column gives that row's rowid); the join fetches those rows only.
_BUCKETS = """
WITH RECURSIVE
  n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < :n),
  b(lo, hi) AS (SELECT :f + :span * i / :n, :f + :span * (i + 1) / :n FROM n),
  m(rmin, rmax, rgap) AS (SELECT
    (SELECT r FROM (SELECT min(value), rowid AS r FROM samples
                    WHERE tag = :tag AND ts >= b.lo AND ts < b.hi AND quality >= 64)),
    (SELECT r FROM (SELECT max(value), rowid AS r FROM samples
                    WHERE tag = :tag AND ts >= b.lo AND ts < b.hi AND quality >= 64)),
    {gap}
    FROM b)
SELECT lo.ts, lo.value, lo.quality, hi.ts, hi.value, hi.quality, gap.ts, gap.quality
FROM m
LEFT JOIN samples AS lo ON lo.rowid = m.rmin
LEFT JOIN samples AS hi ON hi.rowid = m.rmax
LEFT JOIN samples AS gap ON gap.rowid = m.rgap
"""
_GAP = """(SELECT r FROM (SELECT min(ts), rowid AS r FROM samples
                    WHERE tag = :tag AND ts >= b.lo AND ts < b.hi AND quality < 64))"""
BUCKETS_WITH_GAPS = _BUCKETS.format(gap=_GAP)
BUCKETS_WITHOUT_GAPS = _BUCKETS.format(gap="NULL")


def downsample(
    conn: sqlite3.Connection, tag: str, from_ms: int, to_ms: int, max_points: int
) -> list[Point]:
    """The points of ``tag`` in [from_ms, to_ms], at most ``max_points`` (at least 4), in
    time order, led by the last row before ``from_ms`` (at its own time stamp) if any."""
    from_ms, to_ms = int(from_ms), int(to_ms)
    if to_ms < from_ms:
        return []
    budget = max(int(max_points), MIN_POINTS)
    args = {"tag": tag, "lo": from_ms, "hi": to_ms}
    points = [
        _point(*row)
        for row in conn.execute(
            "SELECT ts, value, quality FROM samples WHERE tag = ? AND ts < ? "
            "ORDER BY ts DESC LIMIT 1",
            (tag, from_ms),
        )
    ]
    budget -= len(points)
    rows = conn.execute(
        f"SELECT count(*) FROM (SELECT 1 FROM samples WHERE {_RANGE} LIMIT :limit)",
        {**args, "limit": budget + 1},
    ).fetchone()[0]
    if rows <= budget:  # few enough: every row as it is
        points.extend(
            _point(*row)
            for row in conn.execute(
                f"SELECT ts, value, quality FROM samples WHERE {_RANGE} ORDER BY ts", args
            )
        )
        return points
    gaps = conn.execute(
        f"SELECT 1 FROM samples WHERE {_RANGE} AND quality < {GOOD_ENOUGH} LIMIT 1", args
    ).fetchone()
    # a bucket gives up to two points, three with a gap
    buckets = max(1, budget // (3 if gaps else 2))
    sql = BUCKETS_WITH_GAPS if gaps else BUCKETS_WITHOUT_GAPS
    span = to_ms - from_ms + 1
    for row in conn.execute(sql, {"tag": tag, "f": from_ms, "span": span, "n": buckets}):
        low = (row[0], row[1], row[2]) if row[0] is not None else None
        high = (row[3], row[4], row[5]) if row[3] is not None else None
        found = []
        if low is not None:
            found.append(Point(*low))
        if high is not None and high != low:
            found.append(Point(*high))
        if row[6] is not None:
            found.append(Point(row[6], None, row[7]))
        found.sort(key=lambda p: p.ts)
        points.extend(found)
    return points


def writes(conn: sqlite3.Connection, tag: str = "", user: str = "", limit: int = 200) -> list:
    """The newest ``limit`` write attempts, newest first; ``tag``/``user`` "" match any."""
    where, args = _filters(("tag", tag), ("user", user))
    rows = conn.execute(
        "SELECT id, ts, tag, old, new, outcome, user, client, detail FROM writes"
        f"{where} ORDER BY ts DESC, id DESC LIMIT ?",
        (*args, int(limit)),
    )
    return [WriteRecord(*row) for row in rows]


def alarm_events(
    conn: sqlite3.Connection, alarm: str = "", user: str = "", limit: int = 200
) -> list:
    """The newest ``limit`` alarm events, newest first; ``alarm``/``user`` "" match any."""
    where, args = _filters(("alarm", alarm), ("user", user))
    rows = conn.execute(
        "SELECT ts, alarm, event, value, user, text, priority, grp FROM alarm_events"
        f"{where} ORDER BY ts DESC, rowid DESC LIMIT ?",
        (*args, int(limit)),
    )
    return [AlarmRecord(*row) for row in rows]


def _filters(*pairs: tuple[str, str]) -> tuple[str, list[str]]:
    used = [(column, value) for column, value in pairs if value]
    if not used:
        return "", []
    return " WHERE " + " AND ".join(f"{c} = ?" for c, _ in used), [v for _, v in used]
