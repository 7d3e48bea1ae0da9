"""The demo process: a heated water tank that runs on a :class:`~qml_s7.simulator.Simulator`.

A pump fills the tank, a drain valve empties it (faster when the tank is fuller, like water
running out of a hole), and a heater with a proportional thermostat warms the water while cold
mains water from the pump cools it. The model keeps all of its state in the simulator's
memory: every step it reads the commands there, so writes from any S7 client (an HMI, a
``snap7.Client``, a test) take effect at the next step, and it writes its states back with
:meth:`Simulator.read` / :meth:`Simulator.write` / :meth:`Simulator.write_bit`, which take the
area lock the S7 server takes for every item, so a client never reads a half-written value.
No Qt here.

Memory map (:data:`MAP`, name -> address name as ``S7Variable.address`` takes it):

==================  ==================  ===============================================
name                address             meaning
==================  ==================  ===============================================
*commands: written by the HMI, read by the model*
pump                DB1.DBX0.0          pump on (reset by the overflow protection)
valve               DB1.DBX0.1          drain valve open
heater              DB1.DBX0.2          heater on
ack                 DB1.DBX0.3          alarm acknowledge (pulse; the model resets it)
level_limit         DB1.DBD10:REAL      high-level alarm limit in % (default 90)
temp_setpoint       DB1.DBD14:REAL      temperature setpoint in °C (default 60)
pump_speed          DB1.DBW18:INT       pump speed in % (0..100, default 100)
*states: written by the model*
level               DB1.DBD2:REAL       level in % (0..100)
temperature         DB1.DBD6:REAL       water temperature in °C (ambient 20)
alarm               DB1.DBX1.0          high-level alarm (latched)
heater_interlock    DB1.DBX1.1          level too low for the heater (dry-run protection)
running_hours       DB1.DBD20:REAL      pump running hours (counts 360 times too fast)
inflow              DB1.DBD24:REAL      inflow in l/min
outflow             DB1.DBD28:REAL      outflow in l/min
pump_running        Q0.0                pump contactor (feedback)
valve_open          Q0.1                drain valve solenoid (feedback)
heater_on           Q0.2                heater contactor (feedback)
level_low           I0.0                low-level switch: level below 10 %
level_high          I0.1                high-level switch: level at or above the limit
heartbeat           MW0:INT             +1 every step (wraps from 32767 to 0)
running             M2.0                the model's background thread is running
==================  ==================  ===============================================

Rules:

* the pump delivers ``PUMP_MAX_LPM * pump_speed / 100`` l/min; the open drain valve lets out
  ``DRAIN_MAX_LPM * sqrt(level / 100)`` l/min; the level stays within 0..100 %;
* overflow protection: when the level reaches 100 % the pump cuts out (its command bit is
  reset, so the HMI shows it off) and the alarm latches;
* the high-level alarm latches when the level reaches ``level_limit`` and clears on an
  acknowledge while the level is back under the limit (an acknowledge above it is consumed
  and changes nothing);
* the heater runs only with at least ``HEATER_MIN_LEVEL`` % in the tank; while it runs the
  temperature heads toward the setpoint (its power falls off over the last kelvin), otherwise
  the water cools toward ambient; inflow at ``INFLOW_C`` mixes in and cools it;
* the running hours count while the pump runs; the heartbeat counts every :meth:`step`.

The rates are those of a 200 l tank and are meant for a lively demo: at full speed the pump
fills it from empty in 20 s, the open valve empties a full tank in about 33 s, pump and valve
together settle near 69 %, the heater takes the initial 40 % from 20 to 59 °C in 16 s and holds
it within 0.2 K under the setpoint. ``time_scale`` speeds the thread up or slows it down. The
level, temperature and running hours are also read back from memory, so a client may overwrite
them (e.g. reset the hours counter).

Use: ``process = TankProcess(sim); process.reset(); process.start()`` ... ``process.stop()``.
Tests call :meth:`TankProcess.step` directly instead of starting the thread.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from typing import TYPE_CHECKING

from snap7.util import get_int, get_real, set_int, set_real

if TYPE_CHECKING:
    from .plc import Simulator

__all__ = ["DEFAULTS", "MAP", "TankProcess"]

logger = logging.getLogger(__name__)

DB = 1  # the process data block
DB_SIZE = 32  # bytes of DB1 the model uses

# Byte offsets in DB1.
_CMD = 0  # command bits
_STATUS = 1  # status bits
_LEVEL = 2
_TEMP = 6
_LIMIT = 10
_TEMP_SP = 14
_SPEED = 18
_HOURS = 20
_INFLOW = 24
_OUTFLOW = 28
# Bits of the command byte.
_PUMP, _VALVE, _HEATER, _ACK = 0, 1, 2, 3
# Bits of the status byte.
_ALARM, _INTERLOCK = 0, 1
# Bits of QB0 and IB0, marker and heartbeat.
_Q_PUMP, _Q_VALVE, _Q_HEATER = 0, 1, 2
_I_LOW, _I_HIGH = 0, 1
_HEARTBEAT = 0  # MW0
_RUNNING = (2, 0)  # M2.0

MAP: dict[str, str] = {
    # commands
    "pump": "DB1.DBX0.0",
    "valve": "DB1.DBX0.1",
    "heater": "DB1.DBX0.2",
    "ack": "DB1.DBX0.3",
    "level_limit": "DB1.DBD10:REAL",
    "temp_setpoint": "DB1.DBD14:REAL",
    "pump_speed": "DB1.DBW18:INT",
    # states
    "level": "DB1.DBD2:REAL",
    "temperature": "DB1.DBD6:REAL",
    "alarm": "DB1.DBX1.0",
    "heater_interlock": "DB1.DBX1.1",
    "running_hours": "DB1.DBD20:REAL",
    "inflow": "DB1.DBD24:REAL",
    "outflow": "DB1.DBD28:REAL",
    "pump_running": "Q0.0",
    "valve_open": "Q0.1",
    "heater_on": "Q0.2",
    "level_low": "I0.0",
    "level_high": "I0.1",
    "heartbeat": "MW0:INT",
    "running": "M2.0",
}
"""Readable name -> S7 address name of every value of the process (see the module docstring)."""

# Initial state and default setpoints written by reset().
DEFAULTS: dict[str, float] = {
    "level": 40.0,
    "temperature": 20.0,
    "level_limit": 90.0,
    "temp_setpoint": 60.0,
    "pump_speed": 100,
}

TANK_VOLUME_L = 200.0
PUMP_MAX_LPM = 600.0  # inflow at 100 % pump speed
DRAIN_MAX_LPM = 720.0  # outflow through the open valve with a full tank
AMBIENT_C = 20.0
INFLOW_C = 12.0  # cold mains water
HEATER_POWER_W = 1e6  # heats a 40 % tank by about 2.6 K/s
HEATER_BAND_K = 1.0  # the heater power falls from full to zero over the last kelvin
HEAT_LOSS_W_PER_K = 4000.0  # to the surroundings
TANK_HEAT_CAPACITY_KG = 10.0  # the empty tank's heat capacity, in kg of water
WATER_J_PER_KG_K = 4186.0
HEATER_MIN_LEVEL = 10.0  # % below which the heater is interlocked off
HOURS_PER_SECOND = 0.1  # running hours per second of pump operation (360 times too fast)
TEMP_SETPOINT_RANGE = (0.0, 100.0)
MAX_SUBSTEP_S = 0.1  # step() integrates in pieces no longer than this


def _clamp(value: float, low: float, high: float) -> float:
    return min(max(value, low), high)


def _bit(byte: int, bit: int) -> bool:
    return bool(byte >> bit & 1)


class TankProcess:
    """The tank of the module docstring, running on ``simulator``'s memory.

    :meth:`step` advances the process by ``dt`` seconds; :meth:`start` runs it in a background
    thread that steps every ``step_s`` seconds of wall time by ``step_s * time_scale`` seconds
    of process time. Call :meth:`reset` first to write the initial state and the setpoints.
    """

    MAP = MAP

    def __init__(
        self, simulator: Simulator, *, step_s: float = 0.1, time_scale: float = 1.0
    ) -> None:
        if not (math.isfinite(step_s) and step_s > 0):
            raise ValueError(f"step_s must be a positive number of seconds, not {step_s}")
        if not (math.isfinite(time_scale) and time_scale > 0):
            raise ValueError(f"time_scale must be positive, not {time_scale}")
        try:  # the areas the model uses must exist and be large enough
            simulator.read("DB", 0, DB_SIZE, db=DB)
            simulator.read("Q", 0, 1)
            simulator.read("I", 0, 1)
            simulator.read("M", 0, 3)
        except (ValueError, IndexError) as e:
            raise ValueError(
                f"the tank process needs DB{DB} of at least {DB_SIZE} bytes, QB0, IB0 and "
                f"MB0..MB2 in the simulator: {e}"
            ) from None
        self.simulator = simulator
        self.step_s = step_s
        self.time_scale = time_scale
        self._lock = threading.RLock()  # one step at a time (thread, tests, reset)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        # The REALs the model keeps in double precision: offset -> (bytes written, value).
        # A value whose bytes changed in memory was written by a client and is taken over.
        self._shadow: dict[int, tuple[bytes, float]] = {}

    # -- thread -------------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        """Whether the background thread runs."""
        thread = self._thread
        return thread is not None and thread.is_alive()

    def start(self) -> None:
        """Run the process in a background thread; no-op when it runs."""
        with self._lock:
            if self.running:
                return
            self._stop.clear()
            self.simulator.write_bit("M", *_RUNNING, True)
            self._thread = threading.Thread(target=self._run, name="qml-s7-process", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Stop the background thread and wait for it; no-op when it does not run."""
        thread = self._thread
        self._stop.set()
        if thread is not None and thread is not threading.current_thread():
            thread.join()
        self._thread = None
        self.simulator.write_bit("M", *_RUNNING, False)

    def _run(self) -> None:
        deadline = time.monotonic()
        while not self._stop.is_set():
            try:
                if self.simulator.cpu_state == "RUN":  # in STOP no program runs the tank
                    self.step(self.step_s * self.time_scale)
            except Exception:
                logger.exception("tank process step failed; the process stops")
                self.simulator.write_bit("M", *_RUNNING, False)
                return
            deadline += self.step_s
            delay = deadline - time.monotonic()
            if delay < 0:  # fell behind (a slow machine, a debugger): do not catch up
                deadline = time.monotonic()
                delay = 0.0
            self._stop.wait(delay)

    # -- model --------------------------------------------------------------------------------

    def reset(self) -> None:
        """Write the initial state: commands off, level 40 %, 20 °C, default setpoints."""
        with self._lock:
            self._shadow.clear()
            data = bytearray(DB_SIZE)
            set_real(data, _LEVEL, DEFAULTS["level"])
            set_real(data, _TEMP, DEFAULTS["temperature"])
            set_real(data, _LIMIT, DEFAULTS["level_limit"])
            set_real(data, _TEMP_SP, DEFAULTS["temp_setpoint"])
            set_int(data, _SPEED, int(DEFAULTS["pump_speed"]))
            self.simulator.write("DB", 0, bytes(data), db=DB)
            for offset in (_LEVEL, _TEMP, _HOURS):
                self._shadow[offset] = (bytes(data[offset : offset + 4]), get_real(data, offset))
            sim = self.simulator
            for bit in (_Q_PUMP, _Q_VALVE, _Q_HEATER):
                sim.write_bit("Q", 0, bit, False)
            sim.write_bit("I", 0, _I_LOW, DEFAULTS["level"] < HEATER_MIN_LEVEL)
            sim.write_bit("I", 0, _I_HIGH, DEFAULTS["level"] >= DEFAULTS["level_limit"])
            sim.write("M", _HEARTBEAT, b"\x00\x00")

    def _state(self, data: bytearray, offset: int, fallback: float) -> float:
        """A REAL state: the model's own double if the memory still holds it, else memory's."""
        raw = bytes(data[offset : offset + 4])
        shadow = self._shadow.get(offset)
        if shadow is not None and shadow[0] == raw:
            return shadow[1]
        value = get_real(data, offset)
        return value if math.isfinite(value) else fallback

    @staticmethod
    def _setpoint(data: bytearray, offset: int, default: float, low: float, high: float) -> float:
        value = get_real(data, offset)
        return _clamp(value, low, high) if math.isfinite(value) else default

    def step(self, dt: float) -> None:
        """Advance the process by ``dt`` seconds of process time (any length; integrated in
        pieces of at most ``MAX_SUBSTEP_S``) and count the heartbeat once."""
        if not (math.isfinite(dt) and dt >= 0):
            raise ValueError(f"dt must be a non-negative number of seconds, not {dt}")
        with self._lock:
            self._step(dt)

    def _step(self, dt: float) -> None:
        sim = self.simulator
        data = bytearray(sim.read("DB", 0, DB_SIZE, db=DB))  # one consistent snapshot
        commands, status = data[_CMD], data[_STATUS]
        pump_cmd = _bit(commands, _PUMP)
        valve = _bit(commands, _VALVE)
        heater_cmd = _bit(commands, _HEATER)
        ack = _bit(commands, _ACK)
        alarm = _bit(status, _ALARM)
        limit = self._setpoint(data, _LIMIT, DEFAULTS["level_limit"], 0.0, 100.0)
        temp_sp = self._setpoint(data, _TEMP_SP, DEFAULTS["temp_setpoint"], *TEMP_SETPOINT_RANGE)
        speed = _clamp(get_int(data, _SPEED), 0, 100)
        level = _clamp(self._state(data, _LEVEL, 0.0), 0.0, 100.0)
        temp = self._state(data, _TEMP, AMBIENT_C)
        hours = max(self._state(data, _HOURS, 0.0), 0.0)

        pump = pump_cmd
        tripped = False
        pieces = max(1, math.ceil(dt / MAX_SUBSTEP_S))
        h = dt / pieces
        for _ in range(pieces):
            inflow = PUMP_MAX_LPM * speed / 100 if pump else 0.0
            outflow = DRAIN_MAX_LPM * math.sqrt(level / 100) if valve else 0.0
            heating = heater_cmd and level >= HEATER_MIN_LEVEL
            water_kg = level / 100 * TANK_VOLUME_L
            # temperature: heater and losses on the water and the tank, then the cold inflow
            heat_capacity = (water_kg + TANK_HEAT_CAPACITY_KG) * WATER_J_PER_KG_K
            power = HEATER_POWER_W * _clamp((temp_sp - temp) / HEATER_BAND_K, 0.0, 1.0)
            joules = ((power if heating else 0.0) - HEAT_LOSS_W_PER_K * (temp - AMBIENT_C)) * h
            temp += joules / heat_capacity
            added_kg = inflow / 60 * h
            temp = (temp * (water_kg + TANK_HEAT_CAPACITY_KG) + INFLOW_C * added_kg) / (
                water_kg + TANK_HEAT_CAPACITY_KG + added_kg
            )
            # level
            volume = _clamp(water_kg + (inflow - outflow) / 60 * h, 0.0, TANK_VOLUME_L)
            level = volume / TANK_VOLUME_L * 100
            if pump:
                hours += HOURS_PER_SECOND * h
            if pump and level >= 100.0:  # overflow protection
                pump, tripped, alarm = False, True, True
            if level >= limit:
                alarm = True
        if ack and level < limit:
            alarm = False

        # what the instruments show at the end of the step
        inflow = PUMP_MAX_LPM * speed / 100 if pump else 0.0
        outflow = DRAIN_MAX_LPM * math.sqrt(level / 100) if valve else 0.0
        heating = heater_cmd and level >= HEATER_MIN_LEVEL
        interlock = level < HEATER_MIN_LEVEL

        states = bytearray(DB_SIZE)
        for offset, value in ((_LEVEL, level), (_TEMP, temp), (_HOURS, hours)):
            set_real(states, offset, value)
            self._shadow[offset] = (bytes(states[offset : offset + 4]), value)
        set_real(states, _INFLOW, inflow)
        set_real(states, _OUTFLOW, outflow)
        sim.write("DB", _LEVEL, bytes(states[_LEVEL:_LIMIT]), db=DB)  # level, temperature
        sim.write("DB", _HOURS, bytes(states[_HOURS:DB_SIZE]), db=DB)  # hours, flows
        # single bits under the area lock, so a client's bit writes next to them survive
        for bit, value in ((_ALARM, alarm), (_INTERLOCK, interlock)):
            if _bit(status, bit) != value:
                sim.write_bit("DB", _STATUS, bit, value, db=DB)
        if ack:
            sim.write_bit("DB", _CMD, _ACK, False, db=DB)
        if tripped:
            sim.write_bit("DB", _CMD, _PUMP, False, db=DB)
        self._write_bits("Q", {_Q_PUMP: pump, _Q_VALVE: valve, _Q_HEATER: heating})
        self._write_bits("I", {_I_LOW: level < HEATER_MIN_LEVEL, _I_HIGH: level >= limit})
        beat = get_int(bytearray(sim.read("M", _HEARTBEAT, 2)), 0)
        counter = bytearray(2)
        set_int(counter, 0, beat + 1 if 0 <= beat < 32767 else 0)
        sim.write("M", _HEARTBEAT, bytes(counter))

    def _write_bits(self, area: str, bits: dict[int, bool]) -> None:
        """Set the bits of byte 0 of ``area`` that differ, one locked bit write each."""
        current = self.simulator.read(area, 0, 1)[0]
        for bit, value in bits.items():
            if _bit(current, bit) != value:
                self.simulator.write_bit(area, 0, bit, value)
