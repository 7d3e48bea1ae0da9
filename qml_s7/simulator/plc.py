"""The simulated PLC: DBs, inputs, outputs and markers served over S7 on 127.0.0.1."""

from __future__ import annotations

import threading
from types import TracebackType

from snap7.datatypes import S7Area
from snap7.server import (
    CPUState,
)
from snap7.type import SrvArea

from .server import AREA_BY_NAME, ID_FIELDS, SRV_TO_S7, S7Server, area_name
from .stats import Stats

DEFAULT_DBS: dict[int, int] = {1: 1024, 2: 1024, 3: 1024}


def _resolve_area(area: str | int) -> S7Area:
    if isinstance(area, SrvArea):
        return SRV_TO_S7[area]
    if isinstance(area, str):
        try:
            return AREA_BY_NAME[area.strip().upper()]
        except KeyError:
            raise ValueError(f"unknown area {area!r}: use 'DB', 'I', 'Q' or 'M'") from None
    try:
        return S7Area(int(area))
    except ValueError:
        raise ValueError(f"unknown area {area!r}") from None


class Simulator:
    """A simulated S7 PLC with DBs, inputs (I), outputs (Q) and markers (M).

    Clients talk to it over S7 on ``host:port``; Python code reads and writes its memory
    directly with :meth:`read` / :meth:`write`, which never count in :attr:`stats`.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        dbs: dict[int, int] | None = None,
        area_size: int = 1024,
        module_name: str = "CPU 1516-3 PN/DP",
        module_type_name: str = "CPU 1516-3 PN/DP",
        serial_number: str = "S QS-SIM00001",
        as_name: str = "QML-S7-SIM",
        max_items: int = 20,
        pdu_length: int = 480,
        parallel_jobs: int = 3,
    ) -> None:
        """Configure the PLC; nothing listens before :meth:`start`.

        ``dbs`` maps DB number to size in bytes (default DB1, DB2, DB3 of 1024 bytes);
        ``area_size`` is the size of I, Q and M; ``port=0`` picks a free port at the first start;
        ``parallel_jobs`` is the AmQ granted in Setup Communication (requests a client may have
        in flight; the server still answers them one after the other).
        """
        if not 240 <= pdu_length <= 960:
            raise ValueError(
                f"pdu_length must be within 240..960 like a real CPU, not {pdu_length}"
            )
        if max_items < 1:
            raise ValueError(f"max_items must be at least 1, not {max_items}")
        if not 0 <= port <= 65535:
            raise ValueError(f"port must be within 0..65535, not {port}")
        identity = {
            "as_name": as_name,
            "module_name": module_name,
            "plant_id": "",
            "copyright": "Original Siemens Equipment",
            "serial_number": serial_number,
            "module_type_name": module_type_name,
        }
        encoded: dict[str, bytes] = {}
        for field, _index, size in ID_FIELDS:
            raw = identity[field].encode("latin-1")
            if len(raw) > size:
                raise ValueError(f"{field} {identity[field]!r} is longer than {size} characters")
            encoded[field] = raw
        self.host = host
        self.port = port
        if not 1 <= parallel_jobs <= 64:
            raise ValueError(f"parallel_jobs must be within 1..64, not {parallel_jobs}")
        self._server = S7Server(
            pdu_length=pdu_length,
            max_items=max_items,
            parallel_jobs=parallel_jobs,
            identity=encoded,
        )
        for number, size in (DEFAULT_DBS if dbs is None else dbs).items():
            if not 1 <= number <= 65535 or size < 1:
                raise ValueError(f"invalid DB{number} of {size} bytes")
            self._server.register_area(SrvArea.DB, number, bytearray(size))
        if area_size < 1:
            raise ValueError(f"area_size must be positive, not {area_size}")
        for srv_area in (SrvArea.PE, SrvArea.PA, SrvArea.MK):
            self._server.register_area(srv_area, 0, bytearray(area_size))

    @property
    def running(self) -> bool:
        """Whether the simulator is listening."""
        return bool(self._server.running)

    @property
    def listening_on(self) -> tuple[str, int] | None:
        """The address the listening socket is bound to (None while stopped)."""
        sock = self._server.server_socket
        return sock.getsockname() if sock is not None else None

    @property
    def stats(self) -> Stats:
        """Counters of the requests clients sent."""
        return self._server.stats

    @property
    def connection_count(self) -> int:
        """Number of established client connections."""
        return self._server.connection_count

    @property
    def pdu_length(self) -> int:
        """The largest PDU the simulator negotiates."""
        return self._server.pdu_length

    @property
    def max_items(self) -> int:
        """The most items a Read/Write Var request may carry."""
        return self._server.max_items

    @property
    def cpu_state(self) -> str:
        """``"RUN"`` or ``"STOP"`` as reported through SZL 0x0424."""
        return "RUN" if self._server.cpu_state == CPUState.RUN else "STOP"

    def set_cpu_state(self, state: str) -> None:
        """Put the CPU into ``"STOP"`` or ``"RUN"`` (the mode switch), as SZL 0x0424 reports.

        Its memory stays readable and writable in STOP, as on a real CPU; what runs on it
        (the tank process) pauses. Starting the simulator puts it into RUN.
        """
        modes = {"RUN": CPUState.RUN, "STOP": CPUState.STOP}
        mode = modes.get(state.strip().upper())
        if mode is None:
            raise ValueError(f"unknown CPU state {state!r}: use 'RUN' or 'STOP'")
        self._server.cpu_state = mode

    def protect_db(self, number: int, protected: bool = True) -> None:
        """Refuse (or allow again) writes to DB ``number``, as a PLC refuses writes to a DB
        it protects: each item answers "access to the object not allowed" (0x03)."""
        if protected:
            self._server.protected_dbs.add(number)
        else:
            self._server.protected_dbs.discard(number)

    def start(self) -> None:
        """Start listening (on the same port as before after a stop); no-op when running."""
        if self.running:
            return
        self._server.host = self.host
        self._server.start(self.port)
        self.port = self._server.port

    def stop(self) -> None:
        """Stop listening and drop every established connection, like a power cycle."""
        self._server.stop()

    def restart(self) -> None:
        """Power-cycle: :meth:`stop`, then :meth:`start` on the same port."""
        self.stop()
        self.start()

    def _memory(self, area: str | int, db: int) -> tuple[bytearray, threading.Lock, str]:
        s7_area = _resolve_area(area)
        key = (s7_area, db if s7_area == S7Area.DB else 0)
        label = f"DB{db}" if s7_area == S7Area.DB else area_name(s7_area)
        memory = self._server.memory_areas.get(key)
        if memory is None:
            raise ValueError(f"{label} does not exist in the simulator")
        return memory, self._server.area_locks[key], label

    def read(self, area: str | int, start: int, size: int, db: int = 0) -> bytes:
        """Read ``size`` bytes at byte ``start`` of ``area`` ("DB", "I", "Q", "M" or an enum)."""
        memory, lock, label = self._memory(area, db)
        if start < 0 or size < 0 or start + size > len(memory):
            raise IndexError(
                f"{label} bytes {start}..{start + size - 1} outside 0..{len(memory) - 1}"
            )
        with lock:
            return bytes(memory[start : start + size])

    def write(self, area: str | int, start: int, data: bytes, db: int = 0) -> None:
        """Write ``data`` at byte ``start`` of ``area``."""
        memory, lock, label = self._memory(area, db)
        if start < 0 or start + len(data) > len(memory):
            raise IndexError(
                f"{label} bytes {start}..{start + len(data) - 1} outside 0..{len(memory) - 1}"
            )
        with lock:
            memory[start : start + len(data)] = data

    def read_bit(self, area: str | int, byte: int, bit: int, db: int = 0) -> bool:
        """Read bit ``byte.bit`` of ``area``."""
        if not 0 <= bit <= 7:
            raise ValueError(f"bit must be within 0..7, not {bit}")
        return bool(self.read(area, byte, 1, db)[0] >> bit & 1)

    def write_bit(self, area: str | int, byte: int, bit: int, value: bool, db: int = 0) -> None:
        """Set or clear bit ``byte.bit`` of ``area``, leaving the other bits alone."""
        if not 0 <= bit <= 7:
            raise ValueError(f"bit must be within 0..7, not {bit}")
        memory, lock, label = self._memory(area, db)
        if not 0 <= byte < len(memory):
            raise IndexError(f"{label} byte {byte} outside 0..{len(memory) - 1}")
        with lock:
            if value:
                memory[byte] |= 1 << bit
            else:
                memory[byte] &= ~(1 << bit) & 0xFF

    def __enter__(self) -> Simulator:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
