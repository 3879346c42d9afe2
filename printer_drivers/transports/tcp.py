"""Network printers on the raw port 9100 (JetDirect style), e.g. tcp://10.0.0.5:9100.

The connection is opened on first use and dropped after any error, so a printer switched off
and on again between two tickets is picked up without restarting the kiosk agent.
"""

from __future__ import annotations

import socket
import time

try:  # Linux: how many sent bytes the printer has not yet acknowledged (SIOCOUTQ).
    import fcntl
    import struct
    import termios
    _OUTQ = termios.TIOCOUTQ
except (ImportError, AttributeError):  # Windows: sendall is as far as we can see
    _OUTQ = None

from ..errors import PrinterUnavailable
from .base import Printer

DEFAULT_PORT = 9100


class TcpPrinter(Printer):
    bidirectional = True

    def __init__(self, url, host, port=DEFAULT_PORT, *, connect_timeout=3.0, **kwargs):
        super().__init__(url, **kwargs)
        self.host, self.port = host, int(port)
        self.connect_timeout = float(connect_timeout)
        self._sock = None

    @classmethod
    def from_url(cls, url, parts, **params):
        if not parts.hostname:
            raise ValueError(f"tcp printer URL needs a host: {url!r}")
        return cls(url, parts.hostname, parts.port or DEFAULT_PORT, **params)

    def _connected(self) -> socket.socket:
        if self._sock is None:
            try:
                self._sock = socket.create_connection((self.host, self.port),
                                                      timeout=self.connect_timeout)
            except OSError as exc:
                raise PrinterUnavailable(f"cannot connect to {self.host}:{self.port}: {exc}") from exc
        return self._sock

    def send(self, data: bytes) -> None:
        sock = self._connected()
        try:
            sock.settimeout(max(self.connect_timeout, 10.0))
            sock.sendall(data)
            self._wait_until_taken(sock, len(data))
        except OSError as exc:
            self.close()
            raise PrinterUnavailable(f"sending to {self.host}:{self.port} failed: {exc}") from exc

    def _wait_until_taken(self, sock, size):
        """Return once the printer has acknowledged every byte. sendall returns as soon as the
        kernel holds the bytes; a ticket still in the kiosk PC's send queue is lost if the agent
        dies or the power goes, so the journal may only say "done" after this."""
        if _OUTQ is None:
            return
        deadline = time.monotonic() + max(self.connect_timeout, 10.0) + size / 20_000
        while True:
            unsent = struct.unpack("i", fcntl.ioctl(sock.fileno(), _OUTQ, b"\0\0\0\0"))[0]
            if unsent == 0:
                return
            if time.monotonic() > deadline:
                raise socket.timeout(f"the printer has not taken {unsent} bytes")
            time.sleep(0.005)

    def _read_byte(self, timeout):
        sock = self._connected()
        sock.settimeout(timeout)
        try:
            chunk = sock.recv(1)
        except socket.timeout:
            return None
        if not chunk:  # the printer closed the connection
            self.close()
            return None
        return chunk[0]

    def _discard_input(self):
        sock = self._connected()
        sock.setblocking(False)
        try:
            while sock.recv(256):
                pass
        except (BlockingIOError, InterruptedError):
            pass
        finally:
            sock.setblocking(True)

    def close(self):
        if self._sock is not None:
            self._sock.close()
            self._sock = None
