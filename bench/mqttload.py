"""MQTT load for ``bench/gateway.py``: raw MQTT 3.1.1 over plain sockets, almost free of CPU.

    python bench/mqttload.py pub --port P [--topics 1000] [--payload 40]
    python bench/mqttload.py sub --port P [--connections 20]

To find how far one broker goes, the clients must cost less than the broker. A Python MQTT
library spends tens of microseconds per message; these clients spend almost nothing: the
publisher sends PUBLISH packets (QoS 0, prebuilt, all of one length) in large writes, the
subscriber reads bytes and divides by that length. Topics are ``bench/load/NNNNNN`` (fixed
length), payloads ``--payload`` bytes, about the size of a gateway's tag value.

Prints ``{"pid": N, "packet": BYTES}`` when connected, then one JSON answer per command line;
exits when stdin closes. ``pub``: ``rate`` (``per_s``: messages per second to offer, 0 stops;
sent in batches every 10 ms), ``sent`` (messages sent so far). ``sub``: ``count`` (messages
received so far over all connections), each connection subscribed to ``bench/load/#``.
"""

from __future__ import annotations

import argparse
import json
import os
import selectors
import socket
import sys
import threading
import time

TOPIC = "bench/load/{:06d}"


def remaining_length(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n % 128, n // 128
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def packet(kind: int, body: bytes) -> bytes:
    return bytes([kind]) + remaining_length(len(body)) + body


def text(value: str) -> bytes:
    data = value.encode()
    return len(data).to_bytes(2, "big") + data


def connect(port: int, client_id: str) -> socket.socket:
    """A connected MQTT session (clean, no keep-alive: no pings to count)."""
    sock = socket.create_connection(("127.0.0.1", port))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    body = text("MQTT") + bytes([4, 0x02]) + (0).to_bytes(2, "big") + text(client_id)
    sock.sendall(packet(0x10, body))
    connack = sock.recv(4)
    if len(connack) != 4 or connack[0] != 0x20 or connack[3] != 0:
        raise ConnectionError(f"the broker refused the connection: {connack!r}")
    return sock


def publish_packet(index: int, payload: bytes) -> bytes:
    return packet(0x30, text(TOPIC.format(index)) + payload)


def run_pub(args: argparse.Namespace) -> None:
    sock = connect(args.port, f"load-pub-{os.getpid()}")
    payload = b'{"v":12.5,"q":128,"ts":1711542605123}'.ljust(args.payload)[: args.payload]
    packets = [publish_packet(i, payload) for i in range(args.topics)]
    size = len(packets[0])
    state = {"rate": 0.0, "sent": 0}
    lock = threading.Lock()

    def send() -> None:
        owed = 0.0
        cursor = 0
        last = time.monotonic()
        while True:
            time.sleep(0.01)
            now = time.monotonic()
            with lock:
                rate = state["rate"]
            owed = owed + rate * (now - last) if rate else 0.0
            last = now
            count = int(owed)
            if count <= 0:
                continue
            owed -= count
            batch = bytearray()
            for _ in range(count):
                batch += packets[cursor]
                cursor = (cursor + 1) % len(packets)
            sock.sendall(batch)
            with lock:
                state["sent"] += count

    threading.Thread(target=send, daemon=True).start()
    print(json.dumps({"pid": os.getpid(), "packet": size}), flush=True)
    for line in sys.stdin:
        request = json.loads(line)
        with lock:
            if request["cmd"] == "rate":
                state["rate"] = float(request["per_s"])
                answer = {"ok": True}
            else:
                answer = {"sent": state["sent"]}
        print(json.dumps(answer), flush=True)


def run_sub(args: argparse.Namespace) -> None:
    size = len(publish_packet(0, b"x" * args.payload))
    selector = selectors.DefaultSelector()
    counted = [0]
    for n in range(args.connections):
        sock = connect(args.port, f"load-sub-{os.getpid()}-{n}")
        body = (1).to_bytes(2, "big") + text("bench/load/#") + bytes([0])
        sock.sendall(packet(0x82, body))
        suback = sock.recv(5)
        if len(suback) != 5 or suback[0] != 0x90:
            raise ConnectionError(f"no SUBACK: {suback!r}")
        sock.setblocking(False)
        selector.register(sock, selectors.EVENT_READ)
    lock = threading.Lock()

    def receive() -> None:
        while True:
            for key, _ in selector.select():
                data = key.fileobj.recv(1 << 20)  # type: ignore[union-attr]
                with lock:
                    counted[0] += len(data)

    threading.Thread(target=receive, daemon=True).start()
    print(json.dumps({"pid": os.getpid(), "packet": size}), flush=True)
    for _line in sys.stdin:
        with lock:
            total = counted[0]
        print(json.dumps({"messages": total // size}), flush=True)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("role", choices=("pub", "sub"))
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--topics", type=int, default=1000)
    parser.add_argument("--payload", type=int, default=40)
    parser.add_argument("--connections", type=int, default=20)
    args = parser.parse_args()
    (run_pub if args.role == "pub" else run_sub)(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
