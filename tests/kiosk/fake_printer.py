"""A network receipt printer on 127.0.0.1 for the agent tests: records every byte it receives
(per connection) and answers DLE EOT status queries like a healthy Epson, or as told.

It reads the received bytes as ESC/POS with the printer engineer's independent decoder
(tests/printer/escpos_decoder.py) when present, to tell which ticket numbers came out.
"""
from __future__ import annotations

import importlib.util
import os
import re
import socket
import sys
import threading
import time

# DLE EOT n answers: bits 1 and 4 always set (0x12). Paper-sensor "roll end" sets 0x60.
ANSWERS = {
    "ok": {1: 0x12, 2: 0x12, 4: 0x12},
    "paper_out": {1: 0x12, 2: 0x12 | 0x20, 4: 0x12 | 0x60},
}

_DECODER_PATH = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                             "printer", "escpos_decoder.py")


def _load_decoder():
    if not os.path.exists(_DECODER_PATH):
        return None
    spec = importlib.util.spec_from_file_location("kiosk_tests_escpos_decoder", _DECODER_PATH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up here
    try:
        spec.loader.exec_module(module)
    except Exception:
        del sys.modules[spec.name]
        return None
    return module


decoder = _load_decoder()


class FakeNetworkPrinter:
    def __init__(self, status="ok", bite=65536, pause=0.0, receive_buffer=None):
        """`bite`, `pause` and `receive_buffer` make a slow printer: it takes `bite` bytes every
        `pause` seconds through a small buffer, as a thermal printer drains its own, so a
        sender blocks until the paper moves."""
        self.status = status  # "ok", "paper_out" or "silent"
        self.bite, self.pause = bite, pause
        self.connections: list[bytearray] = []
        self._lock = threading.Lock()
        self._server = socket.socket()
        self._server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if receive_buffer:
            # Accepted sockets inherit the listener's buffer size.
            self._server.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
        self._server.bind(("127.0.0.1", 0))
        self._server.listen(8)
        self.port = self._server.getsockname()[1]
        self._closing = False
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self):
        return f"tcp://127.0.0.1:{self.port}?timeout=0.5"

    def _accept(self):
        while not self._closing:
            try:
                conn, _ = self._server.accept()
            except OSError:
                return
            with self._lock:
                record = bytearray()
                self.connections.append(record)
            threading.Thread(target=self._serve, args=(conn, record), daemon=True).start()

    def _serve(self, conn, record):
        pending = b""
        with conn:
            while True:
                try:
                    chunk = conn.recv(self.bite)
                except OSError:
                    return
                if not chunk:
                    return
                with self._lock:
                    record.extend(chunk)
                pending += chunk
                # Answer each DLE EOT n; keep a partial query for the next chunk.
                while True:
                    at = pending.find(b"\x10\x04")
                    if at < 0 or at + 2 >= len(pending):
                        pending = pending[-2:] if at < 0 else pending[at:]
                        break
                    n = pending[at + 2]
                    pending = pending[at + 3:]
                    answer = ANSWERS.get(self.status, {}).get(n)
                    if answer is not None:
                        try:
                            conn.sendall(bytes([answer]))
                        except OSError:
                            return
                if self.pause:
                    time.sleep(self.pause)

    def data(self, since_connection=0) -> bytes:
        with self._lock:
            return b"".join(bytes(c) for c in self.connections[since_connection:])

    def connection_count(self):
        with self._lock:
            return len(self.connections)

    def tickets(self, since_connection=0) -> list[str]:
        """The ticket numbers printed (one entry per complete ticket, in order)."""
        with self._lock:
            streams = [bytes(c) for c in self.connections[since_connection:]]
        return [number for stream in streams for number in printed_numbers(stream)]

    def close(self):
        self._closing = True
        self._server.close()


NUMBER = re.compile(r"^[A-Z]\d{3,4}$")


def printed_numbers(data: bytes) -> list[str]:
    """Numbers of the tickets in an ESC/POS stream: each ticket ends with a cut (GS V)."""
    if decoder is not None:
        try:
            ops = decoder.decode(data)
        except (AssertionError, ValueError, IndexError):
            ops = None  # a job cut short (the agent killed mid-send): only whole tickets count
    if decoder is not None and ops is not None:
        numbers, current = [], []
        for op in ops:
            current.append(op)
            if op.kind == "cut":
                found = [line.strip() for line in decoder.text_lines(current)
                         if NUMBER.match(line.strip())]
                numbers.append(found[0] if found else "?")
                current = []
        return numbers
    # Without the decoder: the number is native text between ESC @ and the cut.
    numbers = []
    for job in data.split(b"\x1b@")[1:]:
        if b"\x1dV" in job:
            # ... GS ! n (large type) NUMBER LF ...
            found = re.findall(rb"\x1d!.([A-Z]\d{3,4})\n", job, re.DOTALL)
            numbers.append(found[0].decode() if found else "?")
    return numbers


def has_ticket_bytes(data: bytes) -> bool:
    """Did anything beyond status queries arrive?"""
    return len(data.replace(b"\x10\x04\x01", b"").replace(b"\x10\x04\x02", b"")
               .replace(b"\x10\x04\x04", b"")) > 0
