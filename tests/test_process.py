"""The demo tank process (qml_s7.simulator.process): stepped by hand, and in its thread over S7."""

from __future__ import annotations

import os
import queue
import random
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from snap7 import Area, Client, WordLen
from snap7.util import get_int, get_real, set_int, set_real

from qml_s7.core.address import parse_address
from qml_s7.simulator import Simulator
from qml_s7.simulator.process import (
    DEFAULTS,
    DRAIN_MAX_LPM,
    HEATER_MIN_LEVEL,
    MAP,
    PUMP_MAX_LPM,
    TankProcess,
)

HOST = "127.0.0.1"
REPO = Path(__file__).resolve().parents[1]
DT = 0.1


@pytest.fixture
def sim() -> Simulator:
    """A simulator that is not listening: the stepping tests only touch its memory."""
    return Simulator()


@pytest.fixture
def tank(sim: Simulator) -> TankProcess:
    process = TankProcess(sim)
    process.reset()
    return process


def _location(name: str) -> tuple[str, int, int, int | None]:
    """Area, DB, byte and bit of a MAP entry."""
    address = parse_address(MAP[name])
    area = {Area.DB: "DB", Area.PE: "I", Area.PA: "Q", Area.MK: "M"}[address.area]
    return area, address.db, address.start, address.bit if address.is_bit else None


def get(sim: Simulator, name: str) -> float | bool | int:
    """Read a MAP entry from the simulator's memory."""
    area, db, start, bit = _location(name)
    text = MAP[name]
    if text.endswith(":REAL"):
        return get_real(bytearray(sim.read(area, start, 4, db=db)), 0)
    if text.endswith(":INT"):
        return get_int(bytearray(sim.read(area, start, 2, db=db)), 0)
    return sim.read_bit(area, start, bit, db=db)


def put(sim: Simulator, name: str, value: float | bool | int) -> None:
    """Write a MAP entry into the simulator's memory, as an HMI would."""
    area, db, start, bit = _location(name)
    text = MAP[name]
    if text.endswith(":REAL"):
        data = bytearray(4)
        set_real(data, 0, float(value))
        sim.write(area, start, bytes(data), db=db)
    elif text.endswith(":INT"):
        data = bytearray(2)
        set_int(data, 0, int(value))
        sim.write(area, start, bytes(data), db=db)
    else:
        sim.write_bit(area, start, bit, bool(value), db=db)


def run(tank: TankProcess, seconds: float) -> None:
    for _ in range(round(seconds / DT)):
        tank.step(DT)


# -- memory map and initial state ---------------------------------------------------------------


def test_map_addresses_parse_and_do_not_overlap() -> None:
    used: dict[tuple[str, int, int, int | None], str] = {}
    for name, text in MAP.items():
        address = parse_address(text)  # the names the panel binds to are valid
        area, db, start, bit = _location(name)
        if bit is not None:
            bits = [(area, db, start, bit)]
        else:
            bits = [(area, db, start + i, b) for i in range(address.size) for b in range(8)]
        for bit in bits:
            assert bit not in used, f"{name} overlaps {used[bit]}"
            used[bit] = name
    assert TankProcess.MAP is MAP


def test_reset_writes_the_initial_state_and_default_setpoints(
    sim: Simulator, tank: TankProcess
) -> None:
    put(sim, "pump", True)
    put(sim, "level_limit", 12.5)
    sim.write("Q", 0, b"\x07")
    tank.reset()
    assert get(sim, "level") == DEFAULTS["level"] == 40.0
    assert get(sim, "temperature") == 20.0
    assert get(sim, "level_limit") == 90.0
    assert get(sim, "temp_setpoint") == 60.0
    assert get(sim, "pump_speed") == 100
    assert get(sim, "running_hours") == 0.0
    for name in ("pump", "valve", "heater", "ack", "alarm", "pump_running", "valve_open"):
        assert get(sim, name) is False, name
    assert get(sim, "heater_on") is False


def test_needs_db1_and_positive_timing() -> None:
    with pytest.raises(ValueError, match="DB1"):
        TankProcess(Simulator(dbs={2: 64}))
    with pytest.raises(ValueError, match="DB1"):
        TankProcess(Simulator(dbs={1: 16}))
    with pytest.raises(ValueError, match="step_s"):
        TankProcess(Simulator(), step_s=0)
    with pytest.raises(ValueError, match="time_scale"):
        TankProcess(Simulator(), time_scale=-1)
    with pytest.raises(ValueError, match="dt"):
        TankProcess(Simulator()).step(float("nan"))


# -- level --------------------------------------------------------------------------------------


def test_pump_raises_the_level_in_proportion_to_its_speed(
    sim: Simulator, tank: TankProcess
) -> None:
    put(sim, "pump", True)
    run(tank, 2.0)  # 600 l/min for 2 s = 20 l = 10 % of 200 l
    assert get(sim, "level") == pytest.approx(50.0, abs=1e-3)
    assert get(sim, "pump_running") is True
    assert get(sim, "inflow") == pytest.approx(PUMP_MAX_LPM)
    assert get(sim, "outflow") == 0.0

    put(sim, "pump_speed", 50)
    run(tank, 2.0)
    assert get(sim, "level") == pytest.approx(55.0, abs=1e-3)
    assert get(sim, "inflow") == pytest.approx(PUMP_MAX_LPM / 2)

    put(sim, "pump", False)
    run(tank, 2.0)
    assert get(sim, "level") == pytest.approx(55.0, abs=1e-3)
    assert get(sim, "pump_running") is False
    assert get(sim, "inflow") == 0.0


def test_pump_speed_outside_0_to_100_is_clamped(sim: Simulator, tank: TankProcess) -> None:
    put(sim, "pump", True)
    put(sim, "pump_speed", 250)
    run(tank, 1.0)
    assert get(sim, "level") == pytest.approx(45.0, abs=1e-3)
    put(sim, "pump_speed", -20)
    run(tank, 1.0)
    assert get(sim, "level") == pytest.approx(45.0, abs=1e-3)
    assert get(sim, "inflow") == 0.0
    assert get(sim, "pump_running") is True  # running at zero speed


def test_open_valve_lowers_the_level_faster_when_the_tank_is_fuller(
    sim: Simulator, tank: TankProcess
) -> None:
    put(sim, "valve", True)
    drops = []
    for start in (80.0, 20.0):
        put(sim, "level", start)
        run(tank, 1.0)
        drops.append(start - get(sim, "level"))
        assert get(sim, "valve_open") is True
    assert drops[0] > drops[1] > 0
    assert drops[0] == pytest.approx(DRAIN_MAX_LPM / 60 * 0.8**0.5 / 2, rel=0.05)

    put(sim, "valve", False)
    before = get(sim, "level")
    run(tank, 1.0)
    assert get(sim, "level") == before
    assert get(sim, "valve_open") is False
    assert get(sim, "outflow") == 0.0


def test_pump_and_valve_together_settle_where_the_flows_balance(
    sim: Simulator, tank: TankProcess
) -> None:
    put(sim, "pump", True)
    put(sim, "valve", True)
    run(tank, 300.0)
    expected = (PUMP_MAX_LPM / DRAIN_MAX_LPM) ** 2 * 100  # about 69 %
    assert get(sim, "level") == pytest.approx(expected, abs=0.1)
    assert get(sim, "outflow") == pytest.approx(get(sim, "inflow"), rel=1e-3)
    assert get(sim, "alarm") is False


def test_the_level_never_leaves_0_to_100(sim: Simulator, tank: TankProcess) -> None:
    rng = random.Random(7)
    put(sim, "level_limit", 100.0)
    for _ in range(400):
        put(sim, "pump", rng.random() < 0.6)
        put(sim, "valve", rng.random() < 0.5)
        put(sim, "pump_speed", rng.randint(0, 100))
        tank.step(rng.choice((0.05, 0.1, 1.0, 5.0)))  # long steps are integrated in pieces
        assert 0.0 <= get(sim, "level") <= 100.0

    put(sim, "pump", False)
    put(sim, "valve", True)
    run(tank, 120.0)
    assert get(sim, "level") == 0.0
    assert get(sim, "outflow") == 0.0


def test_a_long_step_matches_many_short_ones() -> None:
    levels = []
    for steps, dt in ((1, 3.0), (30, 0.1)):
        sim = Simulator()
        tank = TankProcess(sim)
        tank.reset()
        put(sim, "pump", True)
        put(sim, "valve", True)
        put(sim, "heater", True)
        for _ in range(steps):
            tank.step(dt)
        levels.append((get(sim, "level"), get(sim, "temperature")))
    assert levels[0] == pytest.approx(levels[1], abs=1e-4)


def test_a_level_written_by_a_client_is_taken_over(sim: Simulator, tank: TankProcess) -> None:
    put(sim, "level", 10.0)
    put(sim, "pump", True)
    run(tank, 1.0)
    assert get(sim, "level") == pytest.approx(15.0, abs=1e-3)
    put(sim, "level", 250.0)  # out of range: clamped
    put(sim, "pump", False)
    tank.step(DT)
    assert get(sim, "level") == 100.0


# -- overflow protection and the high-level alarm -------------------------------------------------


def test_overflow_cuts_the_pump_and_latches_the_alarm(sim: Simulator, tank: TankProcess) -> None:
    put(sim, "pump", True)
    run(tank, 5.0)  # 40 -> 65 %
    assert get(sim, "alarm") is False
    assert get(sim, "level_high") is False
    run(tank, 5.1)  # past the 90 % limit: the alarm latches, the pump keeps running
    assert get(sim, "alarm") is True
    assert get(sim, "level_high") is True
    assert get(sim, "pump_running") is True
    run(tank, 2.0)  # reaches 100 %
    assert get(sim, "level") == 100.0
    assert get(sim, "pump") is False  # the command is reset: the HMI shows the pump off
    assert get(sim, "pump_running") is False
    assert get(sim, "inflow") == 0.0
    assert get(sim, "alarm") is True
    run(tank, 5.0)
    assert get(sim, "level") == 100.0

    put(sim, "pump", True)  # switching it on again at 100 % trips it at once
    tank.step(DT)
    assert get(sim, "pump") is False
    assert get(sim, "pump_running") is False
    assert get(sim, "level") == 100.0


def test_overflow_trips_the_pump_even_with_the_limit_at_100(
    sim: Simulator, tank: TankProcess
) -> None:
    put(sim, "level_limit", 100.0)
    put(sim, "pump", True)
    run(tank, 11.0)
    assert get(sim, "alarm") is False
    run(tank, 1.5)
    assert get(sim, "level") == 100.0
    assert get(sim, "pump") is False
    assert get(sim, "alarm") is True


def test_acknowledge_clears_the_alarm_only_below_the_limit(
    sim: Simulator, tank: TankProcess
) -> None:
    put(sim, "level", 95.0)
    tank.step(DT)
    assert get(sim, "alarm") is True

    put(sim, "ack", True)  # above the limit: consumed, the alarm stays
    tank.step(DT)
    assert get(sim, "ack") is False
    assert get(sim, "alarm") is True

    put(sim, "valve", True)
    run(tank, 2.0)
    assert get(sim, "level") < 90.0
    run(tank, 1.0)
    assert get(sim, "alarm") is True  # latched: back under the limit is not enough

    put(sim, "ack", True)
    tank.step(DT)
    assert get(sim, "ack") is False
    assert get(sim, "alarm") is False
    assert get(sim, "level_high") is False


def test_acknowledge_without_an_alarm_is_reset_too(sim: Simulator, tank: TankProcess) -> None:
    put(sim, "ack", True)
    tank.step(DT)
    assert get(sim, "ack") is False
    assert get(sim, "alarm") is False


def test_a_lower_limit_raises_the_alarm(sim: Simulator, tank: TankProcess) -> None:
    put(sim, "level_limit", 30.0)
    tank.step(DT)
    assert get(sim, "alarm") is True
    put(sim, "level_limit", float("nan"))  # unusable: the default limit applies
    put(sim, "ack", True)
    tank.step(DT)
    assert get(sim, "alarm") is False


# -- temperature ---------------------------------------------------------------------------------


def test_heater_heads_toward_the_setpoint(sim: Simulator, tank: TankProcess) -> None:
    put(sim, "heater", True)
    run(tank, 5.0)
    warmer = get(sim, "temperature")
    assert warmer > 25.0
    assert get(sim, "heater_on") is True
    assert get(sim, "heater_interlock") is False
    run(tank, 60.0)
    assert get(sim, "temperature") == pytest.approx(60.0, abs=0.5)
    assert get(sim, "temperature") <= 60.0

    put(sim, "temp_setpoint", 45.0)  # below the water temperature: it cools toward ambient
    run(tank, 5.0)
    cooled = get(sim, "temperature")
    assert 45.0 < cooled < 60.0
    run(tank, 120.0)
    assert get(sim, "temperature") == pytest.approx(45.0, abs=0.5)


def test_without_the_heater_the_water_cools_toward_ambient(
    sim: Simulator, tank: TankProcess
) -> None:
    put(sim, "temperature", 50.0)
    temperatures = []
    for _ in range(10):
        run(tank, 60.0)
        temperatures.append(get(sim, "temperature"))
    assert temperatures == sorted(temperatures, reverse=True)
    assert 20.0 < temperatures[-1] < 21.0
    assert get(sim, "heater_on") is False


def test_cold_inflow_lowers_the_temperature(sim: Simulator) -> None:
    results = []
    for pump in (False, True):
        tank = TankProcess(sim)
        tank.reset()
        put(sim, "temperature", 50.0)
        put(sim, "pump", pump)
        run(tank, 4.0)
        results.append(get(sim, "temperature"))
    assert results[1] < results[0] - 5.0


def test_heater_is_interlocked_off_without_enough_level(sim: Simulator, tank: TankProcess) -> None:
    put(sim, "level", HEATER_MIN_LEVEL - 2.0)
    put(sim, "heater", True)
    run(tank, 10.0)
    assert get(sim, "temperature") == pytest.approx(20.0)
    assert get(sim, "heater_on") is False
    assert get(sim, "heater_interlock") is True
    assert get(sim, "level_low") is True
    assert get(sim, "heater") is True  # the command stays; the heater resumes with level

    put(sim, "pump", True)
    run(tank, 1.0)  # + 5 %
    assert get(sim, "heater_interlock") is False
    assert get(sim, "level_low") is False
    assert get(sim, "heater_on") is True
    put(sim, "pump", False)
    run(tank, 2.0)
    assert get(sim, "temperature") > 25.0


# -- running hours, heartbeat --------------------------------------------------------------------


def test_running_hours_count_only_while_the_pump_runs(sim: Simulator, tank: TankProcess) -> None:
    run(tank, 5.0)
    assert get(sim, "running_hours") == 0.0
    put(sim, "pump", True)
    put(sim, "pump_speed", 20)
    run(tank, 10.0)
    assert get(sim, "running_hours") == pytest.approx(1.0, abs=1e-4)  # 0.1 h per second
    put(sim, "pump", False)
    put(sim, "valve", True)
    run(tank, 10.0)
    assert get(sim, "running_hours") == pytest.approx(1.0, abs=1e-4)

    put(sim, "running_hours", 0.0)  # a client resets the counter
    put(sim, "pump", True)
    run(tank, 1.0)
    assert get(sim, "running_hours") == pytest.approx(0.1, abs=1e-4)


def test_heartbeat_increments_every_step_and_wraps(sim: Simulator, tank: TankProcess) -> None:
    assert get(sim, "heartbeat") == 0
    for expected in range(1, 6):
        tank.step(DT)
        assert get(sim, "heartbeat") == expected
    tank.step(0.0)
    assert get(sim, "heartbeat") == 6
    put(sim, "heartbeat", 32766)
    tank.step(DT)
    assert get(sim, "heartbeat") == 32767
    tank.step(DT)
    assert get(sim, "heartbeat") == 0


def test_steps_leave_other_bits_of_the_shared_bytes_alone(
    sim: Simulator, tank: TankProcess
) -> None:
    sim.write_bit("Q", 0, 7, True)
    sim.write_bit("I", 0, 6, True)
    sim.write_bit("DB", 0, 6, True, db=1)
    put(sim, "pump", True)
    put(sim, "ack", True)
    run(tank, 1.0)
    assert sim.read("Q", 0, 1)[0] == 0b1000_0001
    assert sim.read_bit("I", 0, 6)
    assert sim.read("DB", 0, 1, db=1)[0] == 0b0100_0001


# -- in its thread, over S7 ----------------------------------------------------------------------


@pytest.fixture
def running_sim() -> Iterator[Simulator]:
    with Simulator() as simulator:
        yield simulator


def wait_until(predicate: Callable[[], bool], timeout: float = 10.0) -> bool:
    """Poll ``predicate`` until it holds or ``timeout`` seconds pass (no fixed sleeps)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


def test_thread_runs_the_process_for_a_real_client(running_sim: Simulator) -> None:
    sim = running_sim
    tank = TankProcess(sim, step_s=0.05, time_scale=2.0)
    tank.reset()
    tank.start()
    try:
        assert tank.running
        assert get(sim, "running") is True
        assert wait_until(lambda: get(sim, "heartbeat") >= 3)
        assert get(sim, "level") == 40.0  # idle: nothing moves but the heartbeat

        plc = Client()
        plc.connect(HOST, 0, 1, sim.port)
        try:
            # pump on with the S7 bit transport: start = byte * 8 + bit
            plc.write_area(Area.DB, 1, 0 * 8 + 0, bytearray([1]), WordLen.Bit)
            assert wait_until(lambda: get(sim, "level") > 45.0), get(sim, "level")
            assert get(sim, "pump_running") is True
            level = get_real(plc.db_read(1, 2, 4), 0)
            assert 45.0 < level <= 100.0
            assert plc.read_area(Area.PA, 0, 0, 1)[0] & 1 == 1  # QB0: pump feedback
            plc.write_area(Area.DB, 1, 0 * 8 + 0, bytearray([0]), WordLen.Bit)
            assert wait_until(lambda: get(sim, "pump_running") is False)
        finally:
            plc.disconnect()
        tank.start()  # no-op while running
    finally:
        tank.stop()
    assert not tank.running
    assert get(sim, "running") is False
    stopped = get(sim, "heartbeat")
    tank.stop()  # idempotent; the thread is joined, so nothing steps any more
    assert get(sim, "heartbeat") == stopped


def test_command_runs_the_process() -> None:
    command = [sys.executable, "-m", "qml_s7.simulator", "--port", "0", "--process"]
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    with subprocess.Popen(
        command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as proc:
        lines: queue.Queue[str] = queue.Queue()
        assert proc.stdout is not None
        stdout = proc.stdout
        reader = threading.Thread(target=lambda: [lines.put(x) for x in stdout], daemon=True)
        reader.start()
        try:
            first = lines.get(timeout=60)
            match = re.match(r"qml-s7 simulator listening on 127\.0\.0\.1:(\d+), CPU in RUN", first)
            assert match, first
            assert "level DB1.DBD2:REAL" in lines.get(timeout=30)
            plc = Client()
            plc.connect(HOST, 0, 1, int(match.group(1)))
            try:
                assert get_real(plc.db_read(1, 2, 4), 0) == pytest.approx(40.0, abs=1.0)
                plc.write_area(Area.DB, 1, 0 * 8 + 0, bytearray([1]), WordLen.Bit)
                assert wait_until(lambda: get_real(plc.db_read(1, 2, 4), 0) > 45.0)
                assert plc.read_area(Area.MK, 0, 2, 1)[0] & 1 == 1  # M2.0: running
            finally:
                plc.disconnect()
            proc.terminate()
            assert proc.wait(timeout=30) == 0
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=30)


def test_command_refuses_the_process_without_db1() -> None:
    command = [sys.executable, "-m", "qml_s7.simulator", "--port", "0", "--db", "5:64"]
    result = subprocess.run(
        [*command, "--process"], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1
    assert "DB1" in result.stderr
