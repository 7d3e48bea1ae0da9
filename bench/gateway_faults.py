"""Fault figures of the gateway: broker restarts, gateway kill -9, PLC power cycles, writes.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/gateway_faults.py [--rounds 10] [--seed 1]
                                                                       [--only broker,kill,...]

Runs the plant of tests/test_gateway_system.py (tests/gateway_plant.py) with more rounds: the
PLC (qml-s7's Simulator, in this process: its write log and its connections are the ground
truth), a Mosquitto on 127.0.0.1, one ``qml-s7 gateway`` process and three panel processes
(tests/panel_proc.py, an S7RemoteClient each, offscreen), and prints one Markdown table per
scenario: the figures of docs/RELIABILITY.md, "Through the gateway". Times are taken on
CLOCK_MONOTONIC, which the panels' reports share; a panel's time is that of its own report.
Outage lengths are seeded (``--seed``).

The gateway's S7Client: pollInterval 100 ms, connectTimeout 500 ms, requestTimeout 1000 ms,
reconnectInterval 500 ms; the panels: reconnectInterval 1000 ms, requestTimeout 3000 ms; the
broker connections' back-off starts at 250 ms and doubles (docs/GATEWAY.md, "Connections").
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import sys
import time
from collections import Counter
from collections.abc import Callable
from itertools import pairwise
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from faults import ms, spread, table
from gateway_plant import BY_VAR, WAIT_S, PanelProcess, Plant, dint_writes

Row = tuple[str, str]


def until(probe: Callable[..., float | None], *args: Any) -> float:
    """Poll ``probe(*args)`` (every 5 ms, bounded) until it gives a time; that time."""
    deadline = time.monotonic() + WAIT_S
    while True:
        found = probe(*args)
        if found is not None:
            return found
        if time.monotonic() > deadline:
            raise TimeoutError(f"waited {WAIT_S} s for {probe.__name__}{args}")
        time.sleep(0.005)


def ended(panel: PanelProcess, prefix: str, count: int) -> float | None:
    """Now, once ``count`` writes of ids starting ``prefix`` ended; None before."""
    return time.monotonic() if len(panel.ended(prefix)) >= count else None


class Values:
    """A fresh, exactly representable level for each round."""

    def __init__(self) -> None:
        self.n = 0

    def next(self) -> float:
        self.n += 1
        return 100.0 + self.n * 0.25


def write_round_trip(plant: Plant, panel_index: int, ident: str, value: int) -> float | None:
    """A write of ``setpoint`` from one panel: the seconds to its confirmation, None if it
    failed."""
    panel = plant.panels[panel_index % len(plant.panels)]
    sent = time.monotonic()
    panel.write(ident, "setpoint", value)
    until(panel.outcome, ident)
    result = panel.outcome(ident)
    assert result is not None
    if result.outcome != "confirmed":
        return None
    plant.values["setpoint"] = value
    return result.t - sent


# -- scenarios ------------------------------------------------------------------------------
def broker_restarts(plant: Plant, rounds: int, rng: random.Random, fresh: Values) -> list[Row]:
    noticed, connected, current, trips, downs = [], [], [], [], []
    failed_writes = 0
    for n in range(rounds):
        plant.healthy()
        down = rng.uniform(0.2, 1.5)
        downs.append(down)
        stopped = time.monotonic()
        plant.broker.stop()
        level = fresh.next()
        plant.set("level", level)  # the gateway reads it, and cannot publish it yet
        time.sleep(down)  # the outage's length (seeded), not a synchronisation
        plant.broker.start()
        back = time.monotonic()
        for panel in plant.panels:
            noticed.append(until(panel.link_after, False, stopped) - stopped)
            connected.append(until(panel.link_after, True, back) - back)
            current.append(until(panel.first_shown, "level", level, back) - back)
        trip = write_round_trip(plant, n, f"broker-{n}", 1000 + n)
        if trip is None:
            failed_writes += 1
        else:
            trips.append(trip)
    return [
        ("broker restarts survived (no action on gateway or panels)", f"{rounds} / {rounds}"),
        ("broker down for", f"{min(downs):.1f} to {max(downs):.1f} s"),
        ("panels saw the broker go (connected false), after its stop", spread(noticed)),
        ("panels connected again, after the broker was back", spread(connected)),
        ("panels showed a value changed during the outage, good, after", spread(current)),
        ("a write right after: confirmed / failed", f"{len(trips)} / {failed_writes}"),
        ("its round trip (command to confirmation)", spread(trips)),
        ("PLC connections (most at once)", str(plant.max_plc_connections)),
    ]


def long_broker_outage(plant: Plant, seconds: float, fresh: Values) -> list[Row]:
    """One long outage: the panels retry every reconnectInterval (1 s here), the gateway's
    broker connection backs off up to 30 s (S7Gateway has no setting for it)."""
    plant.healthy()
    plant.broker.stop()
    level = fresh.next()
    plant.set("level", level)
    time.sleep(seconds)  # the outage's length, not a synchronisation
    plant.broker.start()
    back = time.monotonic()
    online = plant.watch.wait_for(b"online", back, timeout=60)
    shown = [until(panel.first_shown, "level", level, back) for panel in plant.panels]
    return [
        ("broker down for", f"{seconds:.0f} s"),
        (
            "the gateway online again (at a subscriber), after the broker was back",
            ms(online - back),
        ),
        ("every panel showed a value changed during the outage, after", ms(max(shown) - back)),
    ]


def gateway_kills(plant: Plant, rounds: int, fresh: Values) -> list[Row]:
    wills, not_good, recovered, links = [], [], [], []
    for _n in range(rounds):
        plant.healthy()
        killed = time.monotonic()
        plant.gateway.kill()
        will = plant.watch.wait_for(b"offline", killed)
        wills.append(will - killed)
        for panel in plant.panels:
            not_good.append(until(panel.first_not_good_after, killed) - will)
        level = fresh.next()
        plant.set("level", level)
        links.append(plant.plc.connection_count)
        started = time.monotonic()
        plant.restart_gateway()
        shown = [until(panel.first_shown, "level", level, started) for panel in plant.panels]
        recovered.append(max(shown) - started)
    within = sum(1 for d in not_good if d < 2.0)
    return [
        ("gateway processes killed (kill -9) and started again", str(rounds)),
        ("the will at a subscriber, after the kill", spread(wills)),
        ("panels not good (every variable), after the will", spread(not_good)),
        ("of those within 2 s of the will", f"{within} / {len(not_good)}"),
        ("PLC connections while the gateway was dead", str(max(links))),
        ("every panel good with a fresh value, after the new process started", spread(recovered)),
        ("PLC connections (most at once)", str(plant.max_plc_connections)),
    ]


def plc_cycles(plant: Plant, rounds: int, rng: random.Random, fresh: Values) -> list[Row]:
    not_good, recovered, offs = [], [], []
    dropped = 0
    for _n in range(rounds):
        plant.healthy()
        off = time.monotonic()
        plant.plc.stop()
        for panel in plant.panels:
            not_good.append(until(panel.first_not_good_after, off) - off)
        level = fresh.next()
        plant.set("level", level)
        pause = rng.uniform(0.2, 1.0)
        offs.append(pause)
        time.sleep(pause)  # the PLC stays off (seeded), not a synchronisation
        on = time.monotonic()
        plant.plc.start()
        for panel in plant.panels:
            recovered.append(until(panel.first_shown, "level", level, on) - on)
            if panel.link_after(False, off) is not None:
                dropped += 1
    return [
        ("PLC power cycles (simulator stopped, started again)", str(rounds)),
        ("PLC off for", f"{min(offs):.1f} to {max(offs):.1f} s"),
        ("panels not good (every variable), after the PLC went off", spread(not_good)),
        ("panels that lost the gateway meanwhile (connected false)", str(dropped)),
        ("every panel good with a fresh value, after the PLC came back", spread(recovered)),
        ("bound: the gateway's reconnectInterval + connectTimeout + a poll", "1100 ms"),
        ("PLC connections (most at once)", str(plant.max_plc_connections)),
    ]


def writes_through_restart(plant: Plant, every_ms: int) -> list[Row]:
    plant.healthy()
    bursts = {"wa": 334, "wb": 333, "wc": 333}
    firsts = {"wa": 1_000_000, "wb": 2_000_000, "wc": 3_000_000}
    logged = {var: len(dint_writes(plant.plc, BY_VAR[var])) for var in bursts}
    started = time.monotonic()
    for panel, (var, count) in zip(plant.panels, bursts.items(), strict=True):
        panel.burst(var, f"{var}-bench", firsts[var], count, every_ms=every_ms)
    pairs = list(zip(plant.panels, bursts.items(), strict=True))
    for panel, (var, count) in pairs:
        until(ended, panel, f"{var}-bench-", count // 3)
    restart_at = time.monotonic() - started
    plant.broker.restart()
    for panel, (var, count) in pairs:
        until(ended, panel, f"{var}-bench-", count)
    took = time.monotonic() - started
    tally: Counter[str] = Counter()
    for panel, (var, count) in pairs:
        ours = panel.ended(f"{var}-bench-")
        landed = dint_writes(plant.plc, BY_VAR[var])[logged[var] :]
        confirmed = {o.value for o in ours if o.outcome == "confirmed"}
        unknown = {o.value for o in ours if o.outcome == "unknown"}
        tally["issued"] += count
        tally["ended"] += len(ours)
        for o in ours:
            tally[o.outcome] += 1
        tally["unknown, landed"] += len(unknown & set(landed))
        tally["twice"] += len(panel.repeated)
        tally["landed twice"] += len(landed) - len(set(landed))
        tally["confirmed, not landed"] += len(confirmed - set(landed))
        tally["landed, reported not written"] += len(set(landed) - confirmed - unknown)
        tally["out of order"] += sum(1 for a, b in pairwise(landed) if b < a)
        tally["told before in the PLC"] += sum(
            1 for o in ours if o.outcome == "confirmed" and o.in_plc < o.value
        )
        tally["PLC holds the last landed"] += int(not landed or plant.plc_value(var) == landed[-1])
        if landed:
            plant.values[var] = landed[-1]
    plant.healthy()  # every panel shows what the PLC holds, good
    lost = tally["issued"] - tally["ended"]
    unknown = f"{tally['unknown']:,} / {tally['unknown, landed']:,}"
    early = f"{tally['confirmed, not landed']} / {tally['told before in the PLC']}"
    last = f"{tally['PLC holds the last landed']} / {len(bursts)}"
    return [
        (f"writes issued (3 panels, each one every {every_ms} ms)", f"{tally['issued']:,}"),
        ("all ended after", f"{took:.1f} s"),
        ("broker restarted after", f"{restart_at:.1f} s (a third of the writes had ended)"),
        ("confirmed (each in the PLC's write log, once)", f"{tally['confirmed']:,}"),
        ("not sent (the panel was not connected)", f"{tally['not_sent']:,}"),
        ("unknown (in flight as the broker went) / of those landed", unknown),
        ("refused", f"{tally['refused']:,}"),
        ("**lost (no outcome)**", f"**{lost}**"),
        ("ended twice", str(tally["twice"])),
        ("landed twice (the PLC's write log)", str(tally["landed twice"])),
        ("confirmed but not landed / confirmed before it was in the PLC", early),
        ("landed but reported not written", str(tally["landed, reported not written"])),
        ("landed out of the order issued", str(tally["out of order"])),
        ("variables whose PLC memory holds the last write that landed", last),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=10, help="rounds of each fault (10)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--every-ms", type=int, default=3, help="a panel's write interval")
    parser.add_argument("--long-s", type=float, default=10.0, help="the long outage (10 s)")
    parser.add_argument("--only", default="", help="comma-separated: broker,long,kill,plc,writes")
    args = parser.parse_args()
    logging.getLogger("qml_s7").setLevel(logging.ERROR)
    rng = random.Random(args.seed)
    fresh = Values()
    plant = Plant()
    try:
        plant.healthy()
        scenarios: dict[str, tuple[str, Callable[[], list[Row]]]] = {
            "broker": (
                "Broker restarts",
                lambda: broker_restarts(plant, args.rounds, rng, fresh),
            ),
            "long": (
                f"A long broker outage ({args.long_s:.0f} s)",
                lambda: long_broker_outage(plant, args.long_s, fresh),
            ),
            "kill": ("Gateway killed (kill -9)", lambda: gateway_kills(plant, args.rounds, fresh)),
            "plc": ("PLC power cycles", lambda: plc_cycles(plant, args.rounds, rng, fresh)),
            "writes": (
                "1,000 writes through a broker restart",
                lambda: writes_through_restart(plant, args.every_ms),
            ),
        }
        chosen = [s for s in args.only.split(",") if s] or list(scenarios)
        print(f"# qml-s7 gateway faults (seed {args.seed}, {args.rounds} rounds)")
        print(
            f"\nPython {sys.version.split()[0]}, {os.cpu_count()} CPUs; the PLC, Mosquitto, one "
            "gateway and three panel processes on 127.0.0.1."
        )
        for name in chosen:
            title, run = scenarios[name]
            table(title, run())
    finally:
        plant.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
