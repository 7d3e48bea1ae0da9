"""What a REAL's shortest decimal costs: the candidates side by side.

    .venv/bin/python bench/float32.py [--count 20000] [--repeat 5]

A REAL is shown as the shortest decimal that maps back to the same float32 (``1.1``, not
``1.100000023841858``). Each candidate turns the raw bits of a REAL (its four bytes as an
unsigned integer) into that value; all must agree with a linear search over 1..9 significant
digits (checked here on every sample before timing). Three samples: uniformly random bit
patterns (finite ones), values written from a panel (a few decimals), and sensor readings
(uniform in 0..100, full float32 precision). Prints µs per value (best of ``--repeat``) and, for
the cached candidates, the cost of a hit (the same values again, as in a poll cycle where
most values repeat) apart from a miss (values never seen).
"""

from __future__ import annotations

import argparse
import math
import random
import struct
import sys
import time
from collections.abc import Callable

from qml_s7.core import codec

_U32, _F32 = struct.Struct(">I"), struct.Struct(">f")
_to_float = _F32.unpack
_pack_u32 = _U32.pack
_pack_f32 = _F32.pack


def value_of(bits: int) -> float:
    return _to_float(_pack_u32(bits))[0]


def linear(bits: int) -> float:
    """The reference: the fewest significant digits (1..9) whose decimal packs to the same bits."""
    value = value_of(bits)
    if not math.isfinite(value):
        return value
    packed = _pack_u32(bits)
    for digits in range(1, 10):
        candidate = float(f"{value:.{digits}g}")
        try:
            if _pack_f32(candidate) == packed:
                return candidate
        except OverflowError:
            continue
    return value


def bisection(bits: int) -> float:
    """Before issue 16: bisection over 1..9 digits, format and pack each round."""
    value = value_of(bits)
    if not math.isfinite(value):
        return value
    packed = _pack_u32(bits)
    shortest, low, high = value, 1, 9
    while low <= high:
        digits = (low + high) // 2
        candidate = float(f"{value:.{digits}g}")
        try:
            same = _pack_f32(candidate) == packed
        except OverflowError:
            same = False
        if same:
            shortest, high = candidate, digits - 1
        else:
            low = digits + 1
    return shortest


_DIGITS_6_TO_8 = (6, 7, 8)


def ascending(bits: int) -> float:
    """'%.6g', '%.7g', '%.8g' in order with a round-trip check; else '%.9g' (always exact).

    Six digits always suffice when any fewer do: '%.6g' then gives that same decimal.
    """
    packed = _pack_u32(bits)
    value = _to_float(packed)[0]
    if value - value != 0.0:  # NaN or infinity
        return value
    for digits in _DIGITS_6_TO_8:
        candidate = float(f"{value:.{digits}g}")
        try:
            if _pack_f32(candidate) == packed:
                return candidate
        except OverflowError:
            pass
    return float(f"{value:.9g}")


def from_eight(bits: int) -> float:
    """'%.8g' first: if it fails, '%.9g'; if it holds, go down to 7 and 6 while they hold."""
    packed = _pack_u32(bits)
    value = _to_float(packed)[0]
    if value - value != 0.0:
        return value
    found = float(f"{value:.8g}")
    try:
        if _pack_f32(found) != packed:
            return float(f"{value:.9g}")
    except OverflowError:
        return float(f"{value:.9g}")
    for digits in (7, 6):
        candidate = float(f"{value:.{digits}g}")
        try:
            if _pack_f32(candidate) != packed:
                return found
        except OverflowError:
            return found
        found = candidate
    return found


def from_seven(bits: int) -> float:
    """'%.7g' first: if it holds, '%.6g' if that holds too; else '%.8g', else '%.9g'."""
    packed = _pack_u32(bits)
    value = _to_float(packed)[0]
    if value - value != 0.0:
        return value
    seven = float(f"{value:.7g}")
    try:
        if _pack_f32(seven) == packed:
            six = float(f"{value:.6g}")
            return six if _pack_f32(six) == packed else seven
    except OverflowError:
        pass
    eight = float(f"{value:.8g}")
    try:
        if _pack_f32(eight) == packed:
            return eight
    except OverflowError:
        pass
    return float(f"{value:.9g}")


def cached(miss: Callable[[int], float], size: int = 1 << 16) -> Callable[[int], float]:
    """``miss`` behind a dict keyed by the bits, emptied when it holds ``size`` values."""
    table: dict[int, float] = {}
    get = table.get

    def shortest(bits: int) -> float:
        value = get(bits)
        if value is None:
            if len(table) >= size:
                table.clear()
            value = table[bits] = miss(bits)
        return value

    return shortest


def samples(count: int, seed: int) -> dict[str, list[int]]:
    rng = random.Random(seed)
    random_bits = []
    while len(random_bits) < count:
        bits = rng.getrandbits(32)
        if math.isfinite(value_of(bits)):
            random_bits.append(bits)

    def bits_of(value: float) -> int:
        return _U32.unpack(_pack_f32(value))[0]

    panel = [bits_of(round(rng.uniform(-1e4, 1e4), rng.randint(0, 3))) for _ in range(count)]
    sensor = [bits_of(rng.uniform(0, 100)) for _ in range(count)]
    return {"random bits": random_bits, "panel values": panel, "sensor values": sensor}


def per_value(function: Callable[[int], float], values: list[int], repeat: int) -> float:
    best = math.inf
    for _ in range(repeat):
        started = time.perf_counter()
        for bits in values:
            function(bits)
        best = min(best, time.perf_counter() - started)
    return best / len(values) * 1e6


def digits_needed(values: list[int]) -> str:
    counts: dict[int, int] = {}
    for bits in values:
        text = repr(linear(bits)).split("e")[0].replace("-", "").replace(".", "").strip("0")
        counts[len(text)] = counts.get(len(text), 0) + 1
    return ", ".join(f"{d}: {100 * n / len(values):.0f} %" for d, n in sorted(counts.items()))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args()
    sets = samples(args.count, args.seed)
    candidates: dict[str, Callable[[int], float]] = {
        "bisection (before)": bisection,
        "%.6g..%.8g ascending, else %.9g": ascending,
        "%.8g first, then down or %.9g": from_eight,
        "%.7g first, then %.6g or up": from_seven,
        "codec._shortest_bits (what shortest_real does on a miss)": codec._shortest_bits,
    }
    for name, values in sets.items():
        reference = [linear(b) for b in values]
        for label, function in candidates.items():
            got = [function(b) for b in values]
            if got != reference:
                print(f"{label} differs from the linear search on {name}", file=sys.stderr)
                return 1
    print("significant digits the shortest decimal needs:")
    for name, values in sets.items():
        print(f"  {name}: {digits_needed(values)}")
    print()
    header = "| candidate (µs per value) | " + " | ".join(sets) + " |"
    print(header)
    print("| :-- |" + " --: |" * len(sets))
    for label, function in candidates.items():
        row = [per_value(function, values, args.repeat) for values in sets.values()]
        print(f"| {label} | " + " | ".join(f"{t:.2f}" for t in row) + " |")
    for label, miss in (("ascending", ascending), ("from seven", from_seven)):
        misses, hits = [], []
        for values in sets.values():
            # every value new (a table too small to keep any), then every value known
            misses.append(per_value(cached(miss, size=1), values, args.repeat))
            warm = cached(miss, size=len(values) + 1)
            for bits in values:
                warm(bits)
            hits.append(per_value(warm, values, args.repeat))
        print(f"| cached {label}, miss | " + " | ".join(f"{t:.2f}" for t in misses) + " |")
        print(f"| cached {label}, hit | " + " | ".join(f"{t:.2f}" for t in hits) + " |")
    seen = []
    for values in sets.values():
        known = values[: codec._REALS_KEPT // 2]  # fits its table next to the other samples'
        for bits in known:
            codec.shortest_real(bits)
        seen.append(per_value(codec.shortest_real, known, args.repeat))
    print("| codec.shortest_real, seen before | " + " | ".join(f"{t:.2f}" for t in seen) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
