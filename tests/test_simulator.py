"""The PLC simulator, exercised with a real python-snap7 client on 127.0.0.1.

Several tests pin down where the simulator departs from upstream ``snap7.server.Server``
(bit transport, dropped connections on stop, item/PDU limits, identity, per-item write
errors); each of them fails against the upstream server.
"""

from __future__ import annotations

import os
import queue
import re
import signal
import struct
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from snap7 import Area, Client, SrvArea, WordLen
from snap7.error import S7ConnectionError, S7Error, S7ProtocolError

from qml_s7.simulator import Simulator, WriteRecord, main

HOST = "127.0.0.1"
REPO = Path(__file__).resolve().parents[1]
DB, PE, PA, MK = 0x84, 0x81, 0x82, 0x83


def connect(sim: Simulator, pdu_length: int | None = None) -> Client:
    client = Client()
    if pdu_length is not None:
        client.pdu_length = pdu_length  # the PDU size it asks for in Setup Communication
    client.connect(HOST, 0, 1, sim.port)
    return client


@pytest.fixture
def sim() -> Iterator[Simulator]:
    with Simulator() as simulator:
        yield simulator


@pytest.fixture
def client(sim: Simulator) -> Iterator[Client]:
    plc = connect(sim)
    yield plc
    plc.disconnect()


def multi_read(client: Client, items: list[tuple[int, int, int, int]]) -> list[tuple[int, bytes]]:
    """Send one Read Var request of BYTE items (area, db, start, size); (return code, data)."""
    response = client._send_receive(client.protocol.build_multi_read_request(items))
    assert response["parameters"]["item_count"] == len(items)
    raw, offset, result = response["raw_data"], 0, []
    for i in range(len(items)):
        code, _ts, bits = struct.unpack_from(">BBH", raw, offset)
        data = raw[offset + 4 : offset + 4 + bits // 8]
        offset += 4 + len(data) + (len(data) % 2 if i < len(items) - 1 else 0)
        result.append((code, bytes(data)))
    assert offset == len(raw)
    return result


def multi_write(client: Client, items: list[tuple[int, int, int, bytes]]) -> bytes:
    """Send one Write Var request of BYTE items (area, db, start, data); the return codes."""
    params = bytes([0x05, len(items)])
    data = b""
    for i, (area, db, start, value) in enumerate(items):
        params += struct.pack(">BBBBHHB", 0x12, 0x0A, 0x10, 0x02, len(value), db, area)
        params += struct.pack(">I", start * 8)[1:]
        data += struct.pack(">BBH", 0, 0x04, len(value) * 8) + value
        if i < len(items) - 1 and len(value) % 2:
            data += b"\x00"
    seq = client.protocol._next_sequence()
    header = struct.pack(">BBHHHH", 0x32, 0x01, 0, seq, len(params), len(data))
    response = client._send_receive(header + params + data)
    assert response["parameters"] == {"function_code": 0x05, "item_count": len(items)}
    return bytes(response["raw_data"])


# -- lifecycle ---------------------------------------------------------------------------------


def test_starts_on_a_free_loopback_port_and_serves_a_client(sim: Simulator) -> None:
    assert sim.running and sim.port != 0
    assert sim.listening_on == (HOST, sim.port)  # loopback only, not every interface
    plc = connect(sim)
    try:
        assert plc.get_connected()
        assert sim.connection_count == 1
    finally:
        plc.disconnect()


def test_stop_drops_connected_clients_and_start_reuses_the_port(sim: Simulator) -> None:
    plc = connect(sim)
    try:
        sim.write("DB", 0, b"\x2a", db=1)
        assert plc.db_read(1, 0, 1) == b"\x2a"
        port = sim.port

        sim.stop()
        assert not sim.running and sim.connection_count == 0
        with pytest.raises((S7Error, OSError)):
            plc.db_read(1, 0, 1)  # upstream keeps serving this connection
    finally:
        plc.disconnect()

    sim.start()
    assert sim.port == port
    again = connect(sim)
    try:
        assert again.db_read(1, 0, 1) == b"\x2a"  # memory survives a power cycle
    finally:
        again.disconnect()


def test_restart_drops_clients_and_listens_on_the_same_port(sim: Simulator) -> None:
    port = sim.port
    plc = connect(sim)
    try:
        sim.restart()
        assert sim.running and sim.port == port
        with pytest.raises((S7Error, OSError)):
            plc.db_read(1, 0, 1)
    finally:
        plc.disconnect()
    again = connect(sim)
    again.disconnect()


def test_a_second_simulator_cannot_share_the_port(sim: Simulator) -> None:
    other = Simulator(port=sim.port)
    with pytest.raises(S7ConnectionError):
        other.start()  # upstream sets SO_REUSEPORT and would silently share it
    assert not other.running


def test_context_manager_starts_and_stops() -> None:
    with Simulator() as simulator:
        assert simulator.running
        plc = connect(simulator)
        plc.disconnect()
    assert not simulator.running


# -- memory ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "area", "db"),
    [("DB", Area.DB, 2), ("I", Area.PE, 0), ("Q", Area.PA, 0), ("M", Area.MK, 0)],
)
def test_memory_both_ways(sim: Simulator, client: Client, name: str, area: Area, db: int) -> None:
    sim.write(name, 10, b"\x01\x02\x03\x04", db=db)
    assert client.read_area(area, db, 10, 4) == b"\x01\x02\x03\x04"
    client.write_area(area, db, 100, bytearray(b"\xde\xad\xbe\xef"))
    assert sim.read(name, 100, 4, db=db) == b"\xde\xad\xbe\xef"
    assert sim.read(area, 98, 2, db=db) == b"\x00\x00"  # the neighbours are untouched


def test_local_api_areas_bits_and_bounds() -> None:
    simulator = Simulator(dbs={7: 8}, area_size=4)  # never started: memory works without a port
    simulator.write(SrvArea.MK, 0, b"\x0f")
    assert simulator.read("m", 0, 1) == simulator.read(Area.MK, 0, 1) == b"\x0f"
    simulator.write_bit("E", 3, 7, True)
    assert simulator.read("I", 3, 1) == b"\x80" and simulator.read_bit(Area.PE, 3, 7)
    simulator.write_bit("Q", 1, 0, True)
    simulator.write_bit("A", 1, 0, False)
    assert not simulator.read_bit("Q", 1, 0)
    simulator.write("DB", 6, b"\xff\xff", db=7)
    simulator.write_bit("DB", 7, 3, False, db=7)
    assert simulator.read("DB", 6, 2, db=7) == b"\xff\xf7"
    with pytest.raises(IndexError):
        simulator.read("DB", 7, 2, db=7)
    with pytest.raises(IndexError):
        simulator.write("M", 4, b"\x00")
    with pytest.raises(ValueError, match="DB1"):
        simulator.read("DB", 0, 1, db=1)
    with pytest.raises(ValueError):
        simulator.read("X", 0, 1)
    with pytest.raises(ValueError):
        simulator.write_bit("M", 0, 8, True)


# -- bit transport -----------------------------------------------------------------------------


def test_bit_transport_read_returns_exactly_that_bit(sim: Simulator, client: Client) -> None:
    sim.write("DB", 5, bytes([0b1010_0110]), db=1)
    sim.write("M", 2, bytes([0b0000_0001]))
    bits = [client.read_area(Area.DB, 1, 5 * 8 + bit, 1, WordLen.Bit) for bit in range(8)]
    assert bits == [b"\x00", b"\x01", b"\x01", b"\x00", b"\x00", b"\x01", b"\x00", b"\x01"]
    assert client.read_area(Area.MK, 0, 2 * 8, 1, WordLen.Bit) == b"\x01"
    assert client.read_area(Area.MK, 0, 2 * 8 + 1, 1, WordLen.Bit) == b"\x00"


def test_bit_transport_write_leaves_neighbouring_bits_untouched(
    sim: Simulator, client: Client
) -> None:
    sim.write("DB", 3, bytes([0b1010_1010, 0x5A, 0xFF]), db=1)
    client.write_area(Area.DB, 1, 4 * 8 + 0, bytearray([1]), WordLen.Bit)  # DB1.DBX4.0 := 1
    assert sim.read("DB", 3, 3, db=1) == bytes([0b1010_1010, 0x5B, 0xFF])
    client.write_area(Area.DB, 1, 4 * 8 + 6, bytearray([0]), WordLen.Bit)  # DB1.DBX4.6 := 0
    assert sim.read("DB", 3, 3, db=1) == bytes([0b1010_1010, 0x1B, 0xFF])
    client.write_area(Area.PA, 0, 0 * 8 + 7, bytearray([1]), WordLen.Bit)  # Q0.7 := 1
    assert sim.read("Q", 0, 2) == b"\x80\x00"
    assert sim.stats.writes[-1] == WriteRecord("Q", 0, 0, 7, b"\x01", "bit", True)
    assert [(w.area, w.db, w.start, w.bit) for w in sim.stats.writes] == [
        ("DB", 1, 4, 0),
        ("DB", 1, 4, 6),
        ("Q", 0, 0, 7),
    ]


# -- limits ------------------------------------------------------------------------------------


def test_read_with_more_than_20_items_is_refused(sim: Simulator, client: Client) -> None:
    assert len(multi_read(client, [(DB, 1, i, 1) for i in range(20)])) == 20
    with pytest.raises(S7ProtocolError) as refused:
        multi_read(client, [(DB, 1, i, 1) for i in range(21)])  # upstream serves 21 items
    assert refused.value.error_code == 0x8500
    assert sim.stats.read_item_counts == [20, 21]
    assert client.db_read(1, 0, 1) == b"\x00"  # the connection is still usable


def test_max_items_is_configurable() -> None:
    with Simulator(max_items=4) as simulator:
        plc = connect(simulator)
        try:
            assert len(multi_read(plc, [(MK, 0, i, 1) for i in range(4)])) == 4
            with pytest.raises(S7ProtocolError):
                multi_read(plc, [(MK, 0, i, 1) for i in range(5)])
        finally:
            plc.disconnect()


def test_reply_larger_than_the_pdu_is_refused(sim: Simulator, client: Client) -> None:
    assert client.pdu_length == 480
    protocol = client.protocol
    # 12 header + 2 parameter + 4 item header + 462 data = 480: fits exactly.
    response = client._send_receive(protocol.build_read_request(DB, 1, 0, WordLen.Byte, 462))
    assert len(response["data"]["data"]) == 462
    with pytest.raises(S7ProtocolError) as refused:
        client._send_receive(protocol.build_read_request(DB, 1, 0, WordLen.Byte, 463))
    assert refused.value.error_code == 0x8500
    with pytest.raises(S7ProtocolError):  # two items: 14 + 2 * (4 + 232) = 486 > 480
        multi_read(client, [(DB, 1, 0, 232), (DB, 2, 0, 232)])
    # 14 + (4 + 229 + 1 fill byte) + (4 + 228) = 480: fits exactly.
    assert len(multi_read(client, [(DB, 1, 0, 229), (DB, 2, 0, 228)])) == 2


def test_negotiated_pdu_is_the_smaller_of_both_and_is_enforced() -> None:
    with Simulator(pdu_length=960) as simulator:
        big = connect(simulator, pdu_length=960)
        small = connect(simulator, pdu_length=240)
        try:
            assert big.pdu_length == 960  # upstream always answers at most 480
            assert small.pdu_length == 240
            assert len(multi_read(big, [(DB, 1, 0, 400), (DB, 2, 0, 400)])) == 2
            # Request 10 + 2 + 19 * 12 = 240 bytes fits, 20 items (252 bytes) does not.
            assert len(multi_read(small, [(MK, 0, i, 1) for i in range(19)])) == 19
            with pytest.raises(S7ProtocolError):
                multi_read(small, [(MK, 0, i, 1) for i in range(20)])
            assert len(small.db_read(1, 0, 600)) == 600  # the client splits by its PDU
        finally:
            big.disconnect()
            small.disconnect()
    with Simulator(pdu_length=240) as simulator:
        plc = connect(simulator, pdu_length=480)
        try:
            assert plc.pdu_length == 240
            with pytest.raises(S7ProtocolError):
                multi_read(plc, [(DB, 1, 0, 230)])  # 14 + 4 + 230 > 240
        finally:
            plc.disconnect()


# -- identity and state ------------------------------------------------------------------------


def test_cpu_info_returns_the_configured_identity() -> None:
    identity = {
        "module_name": "CPU 1511-1 PN",
        "module_type_name": "CPU 1511-1 PN (sim)",
        "serial_number": "S V-TEST4711",
        "as_name": "LINE-3",
    }
    with Simulator(**identity) as simulator:
        plc = connect(simulator)
        try:
            info = plc.get_cpu_info()
        finally:
            plc.disconnect()
    assert info.ModuleName == b"CPU 1511-1 PN"
    assert info.ModuleTypeName == b"CPU 1511-1 PN (sim)"
    assert info.SerialNumber == b"S V-TEST4711"
    assert info.ASName == b"LINE-3"
    assert info.Copyright == b"Original Siemens Equipment"


def test_default_identity_and_pdu_in_cp_info(client: Client) -> None:
    info = client.get_cpu_info()
    assert (info.ModuleName, info.SerialNumber) == (b"CPU 1516-3 PN/DP", b"S QS-SIM00001")
    assert client.get_cp_info().MaxPduLength == 480


def test_identity_longer_than_its_szl_field_is_rejected() -> None:
    with pytest.raises(ValueError, match="serial_number"):
        Simulator(serial_number="S " + "X" * 30)


def test_cpu_state_is_read_through_szl_0424(sim: Simulator, client: Client) -> None:
    def state() -> int:
        szl = client.read_szl(0x0424, 0)
        data = bytes(b & 0xFF for b in szl.Data[: szl.Header.LengthDR])
        assert struct.unpack_from(">HH", data) == (20, 1)  # one record of 20 bytes
        return data[4 + 3]  # the record's mode byte

    assert state() == 0x08 and sim.cpu_state == "RUN"
    client.plc_stop()
    assert state() == 0x04 and sim.cpu_state == "STOP"
    client.plc_hot_start()
    assert state() == 0x08


def test_item_less_cpu_state_probe_of_python_snap7_is_rejected(client: Client) -> None:
    with pytest.raises(S7ProtocolError):
        client.get_cpu_state()  # a malformed Read Var without items (see docs/DESIGN.md)


# -- per-item errors ---------------------------------------------------------------------------


def test_missing_db_and_out_of_range_items_fail_alone(sim: Simulator, client: Client) -> None:
    sim.write("DB", 1020, b"\x0a\x0b\x0c\x0d", db=1)
    sim.write("M", 0, b"\x99")
    items = [(DB, 1, 1020, 3), (DB, 99, 0, 2), (DB, 1, 1022, 4), (MK, 0, 0, 1), (DB, 0, 0, 1)]
    assert multi_read(client, items) == [
        (0xFF, b"\x0a\x0b\x0c"),
        (0x0A, b""),  # object does not exist
        (0x05, b""),  # address out of range
        (0xFF, b"\x99"),
        (0x0A, b""),
    ]
    with pytest.raises(S7ProtocolError, match="Object does not exist"):
        client.db_read(42, 0, 1)
    with pytest.raises(S7ProtocolError, match="Invalid address"):
        client.read_area(Area.MK, 0, 1024, 1)


def test_failed_writes_change_nothing_and_report_the_item_error(
    sim: Simulator, client: Client
) -> None:
    with pytest.raises(S7ProtocolError, match="Object does not exist"):
        client.db_write(42, 0, bytearray(b"\x01"))  # upstream: header error 0x8404
    with pytest.raises(S7ProtocolError, match="Invalid address"):
        client.db_write(1, 1022, bytearray(b"\x11\x22\x33\x44"))  # upstream writes 2 of them
    assert sim.read("DB", 1020, 4, db=1) == b"\x00" * 4
    with pytest.raises(S7ProtocolError, match="Invalid address"):
        client.write_area(Area.DB, 1, 1024 * 8, bytearray([1]), WordLen.Bit)
    assert [w.ok for w in sim.stats.writes] == [False, False, False]


def test_multi_item_write_reports_each_item(sim: Simulator, client: Client) -> None:
    items = [(DB, 1, 0, b"\x01\x02\x03"), (DB, 99, 0, b"\x04"), (MK, 0, 6, b"\x05\x06")]
    assert multi_write(client, items) == b"\xff\x0a\xff"
    assert sim.read("DB", 0, 4, db=1) == b"\x01\x02\x03\x00"
    assert sim.read("M", 6, 2) == b"\x05\x06"
    assert [(w.area, w.db, w.start, w.data, w.ok) for w in sim.stats.writes] == [
        ("DB", 1, 0, b"\x01\x02\x03", True),
        ("DB", 99, 0, b"\x04", False),
        ("M", 0, 6, b"\x05\x06", True),
    ]
    assert sim.stats.write_requests == 1


# -- stats -------------------------------------------------------------------------------------


def test_stats_count_requests_items_and_writes(sim: Simulator, client: Client) -> None:
    client.get_cpu_info()  # SZL (user data) is not a Read Var
    sim.stats.reset()
    client.db_read(1, 0, 4)
    multi_read(client, [(DB, 1, 0, 1), (DB, 2, 0, 1), (MK, 0, 0, 1)])
    client.db_write(2, 8, bytearray(b"\x12\x34"))
    client.write_area(Area.MK, 0, 3 * 8 + 5, bytearray([1]), WordLen.Bit)
    sim.write("DB", 0, b"\x01", db=1)  # local access is not a request

    stats = sim.stats
    assert stats.read_requests == 2
    assert stats.read_item_counts == [1, 3]
    assert stats.read_items == 4
    assert stats.write_requests == 2
    assert stats.writes == [
        WriteRecord("DB", 2, 8, None, b"\x12\x34", "byte", True),
        WriteRecord("M", 0, 3, 5, b"\x01", "bit", True),
    ]
    assert stats.wait_for(lambda s: s.read_requests == 2, timeout=1.0)
    stats.reset()
    assert (stats.read_requests, stats.read_item_counts, stats.writes) == (0, [], [])
    assert stats.write_requests == 0


def test_stats_wait_for_sees_requests_of_another_thread(sim: Simulator) -> None:
    def poll() -> None:
        plc = connect(sim)
        try:
            plc.db_read(3, 0, 1)
        finally:
            plc.disconnect()

    worker = threading.Thread(target=poll)
    worker.start()
    try:
        assert sim.stats.wait_for(lambda s: s.read_requests >= 1, timeout=10.0)
    finally:
        worker.join(timeout=10.0)
    assert not worker.is_alive()


# -- the qml-s7-sim command --------------------------------------------------------------------


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT], ids=["TERM", "INT"])
def test_command_runs_until_signalled(stop_signal: signal.Signals) -> None:
    command = [sys.executable, "-m", "qml_s7.simulator", "--port", "0", "--db", "5:64"]
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    with subprocess.Popen(
        command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as proc:
        lines: queue.Queue[str] = queue.Queue()
        reader = threading.Thread(target=lambda: [lines.put(x) for x in proc.stdout], daemon=True)
        reader.start()
        try:
            first = lines.get(timeout=60)
            match = re.match(r"qml-s7 simulator listening on 127\.0\.0\.1:(\d+), CPU in RUN", first)
            assert match, first
            plc = Client()
            plc.connect(HOST, 0, 1, int(match.group(1)))
            try:
                plc.db_write(5, 60, bytearray(b"\x01\x02\x03\x04"))
                assert plc.db_read(5, 60, 4) == b"\x01\x02\x03\x04"
                with pytest.raises(S7ProtocolError):
                    plc.db_read(5, 61, 4)  # DB5 is 64 bytes
                with pytest.raises(S7ProtocolError):
                    plc.db_read(1, 0, 1)  # --db replaces the default DBs
            finally:
                plc.disconnect()
            proc.send_signal(stop_signal)
            assert proc.wait(timeout=30) == 0, proc.stderr.read()
            reader.join(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=30)
    assert lines.get_nowait() == "qml-s7 simulator stopped\n"


def test_command_rejects_a_malformed_db(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--db", "1-1024"])
    assert exit_info.value.code == 2
    assert "N:SIZE" in capsys.readouterr().err
