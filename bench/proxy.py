"""A TPKT-aware TCP proxy on 127.0.0.1 that counts S7 exchanges and can delay requests.

    python bench/proxy.py --target-port P [--delay-ms 1.0]

Listens on a free port of 127.0.0.1 and prints ``{"port": L, "pid": N}``; every connection
is forwarded to 127.0.0.1:P frame by frame (TPKT, RFC 1006). Each frame from the client is
held until ``delay-ms`` after it arrived (so a request/reply exchange costs that much more,
like a PLC on a plant network; frames in flight together are delayed together, not one after
the other); replies pass at once. Answers ``{"cmd": "stats", "reset": bool}`` on stdin with
the counters below (since the last reset) and exits when stdin closes.

Counters: ``connections``; ``frames_up``/``bytes_up`` and ``frames_down``/``bytes_down`` (all
TPKT frames, TCP payload bytes); ``reads`` (S7 Read Var requests), ``read_bytes`` (bytes of
those requests and their replies), ``read_items`` (items asked for), ``max_items`` (most items
in one Read Var request); ``max_in_flight`` (most S7 requests of one connection sent and not
yet answered); ``error_replies`` (S7 replies with an error class, e.g. 0x85 "too many items");
``bad_items`` (Read Var reply items whose return code is not 0xFF success).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import queue
import socket
import sys
import threading
import time

_FIELDS = (
    "connections",
    "frames_up",
    "bytes_up",
    "frames_down",
    "bytes_down",
    "reads",
    "read_bytes",
    "read_items",
    "max_items",
    "max_in_flight",
    "error_replies",
    "bad_items",
)


class Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.values = dict.fromkeys(_FIELDS, 0)

    def add(self, **counts: int) -> None:
        with self.lock:
            for key, n in counts.items():
                self.values[key] += n

    def peak(self, key: str, value: int) -> None:
        with self.lock:
            if value > self.values[key]:
                self.values[key] = value

    def snapshot(self, reset: bool) -> dict[str, int]:
        with self.lock:
            values = dict(self.values)
            if reset:
                self.values = dict.fromkeys(_FIELDS, 0)
        return values


def _recv_exact(sock: socket.socket, n: int) -> bytes | None:
    buf = bytearray()
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return bytes(buf)


def _frames(sock: socket.socket):
    """TPKT frames from ``sock`` until it closes."""
    while True:
        header = _recv_exact(sock, 4)
        if header is None:
            return
        length = (header[2] << 8) | header[3]
        body = _recv_exact(sock, max(0, length - 4))
        if body is None:
            return
        yield header + body


def _s7(frame: bytes) -> bytes | None:
    """The S7 PDU inside a TPKT/COTP data frame, None for other frames."""
    if len(frame) < 7 or frame[5] != 0xF0:  # COTP DT
        return None
    s7 = frame[5 + frame[4] :]  # after the COTP header: its length byte, then that many bytes
    return s7 if len(s7) >= 10 and s7[0] == 0x32 else None


def _bad_items(s7: bytes) -> int:
    """Items of a Read Var reply whose return code is not success."""
    param_len = (s7[6] << 8) | s7[7]
    count = s7[13] if len(s7) > 13 else 0
    data = s7[12 + param_len :]
    offset = bad = 0
    for i in range(count):
        if offset + 4 > len(data):
            break
        code, ts = data[offset], data[offset + 1]
        length = (data[offset + 2] << 8) | data[offset + 3]
        size = length if ts in (0x07, 0x09) else (length + 7) // 8  # bytes, else bits
        bad += code != 0xFF
        offset += 4 + size + (size % 2 if i < count - 1 else 0)
    return bad


class Link:
    """One proxied connection: two pumps (and a sender thread when requests are delayed)."""

    def __init__(self, client: socket.socket, target: int, delay: float, stats: Stats) -> None:
        self.client = client
        self.server = socket.create_connection(("127.0.0.1", target))
        for sock in (client, self.server):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.delay = delay
        self.stats = stats
        self.lock = threading.Lock()
        self.in_flight = 0
        self.pending_reads: set[int] = set()
        self.outbox: queue.Queue[tuple[float, bytes] | None] = queue.Queue()
        threads = [self._up, self._down] + ([self._send_delayed] if delay > 0 else [])
        for target_fn in threads:
            threading.Thread(target=target_fn, daemon=True).start()

    def _close(self) -> None:
        for sock in (self.client, self.server):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        self.outbox.put(None)

    def _up(self) -> None:
        try:
            for frame in _frames(self.client):
                arrived = time.perf_counter()
                counts = {"frames_up": 1, "bytes_up": len(frame)}
                s7 = _s7(frame)
                if s7 is not None and s7[1] in (0x01, 0x07):  # job or userdata request
                    with self.lock:
                        self.in_flight += 1
                        in_flight = self.in_flight
                        if s7[1] == 0x01 and len(s7) > 11 and s7[10] == 0x04:  # Read Var
                            self.pending_reads.add((s7[4] << 8) | s7[5])
                            counts.update(reads=1, read_bytes=len(frame), read_items=s7[11])
                            self.stats.peak("max_items", s7[11])
                    self.stats.peak("max_in_flight", in_flight)
                self.stats.add(**counts)
                if self.delay > 0:
                    self.outbox.put((arrived + self.delay, frame))
                else:
                    self.server.sendall(frame)
        except OSError:
            pass
        finally:
            self._close()

    def _send_delayed(self) -> None:
        try:
            while True:
                item = self.outbox.get()
                if item is None:
                    return
                due, frame = item
                wait = due - time.perf_counter()
                if wait > 0:
                    time.sleep(wait)
                self.server.sendall(frame)
        except OSError:
            self._close()

    def _down(self) -> None:
        try:
            for frame in _frames(self.server):
                counts = {"frames_down": 1, "bytes_down": len(frame)}
                s7 = _s7(frame)
                if s7 is not None and s7[1] in (0x02, 0x03, 0x07):  # ack, ack data, userdata
                    ref = (s7[4] << 8) | s7[5]
                    with self.lock:
                        self.in_flight = max(0, self.in_flight - 1)
                        is_read = ref in self.pending_reads
                        self.pending_reads.discard(ref)
                    if s7[1] in (0x02, 0x03) and len(s7) >= 12 and (s7[10] or s7[11]):
                        counts["error_replies"] = 1
                    elif is_read:
                        counts["bad_items"] = _bad_items(s7)
                    if is_read:
                        counts["read_bytes"] = len(frame)
                self.stats.add(**counts)
                self.client.sendall(frame)
        except OSError:
            pass
        finally:
            self._close()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--target-port", type=int, required=True)
    parser.add_argument("--delay-ms", type=float, default=0.0)
    args = parser.parse_args()
    stats = Stats()
    listener = socket.create_server(("127.0.0.1", 0))
    delay = args.delay_ms / 1000

    def accept() -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                Link(client, args.target_port, delay, stats)
            except OSError:
                client.close()
                continue
            stats.add(connections=1)

    threading.Thread(target=accept, daemon=True).start()
    print(json.dumps({"port": listener.getsockname()[1], "pid": os.getpid()}), flush=True)
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        if request.get("cmd") == "stats":
            print(json.dumps(stats.snapshot(bool(request.get("reset")))), flush=True)
        else:
            print(json.dumps({"error": f"unknown command {request.get('cmd')}"}), flush=True)
    listener.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
