"""The one interface every printer transport offers: send(bytes), status(), close().

Like python-socketio's client managers: a small base class, one module per backend, the backend
chosen by a URL (see __init__.py). Bidirectional transports only implement how to write, read
one byte with a timeout and discard stale input; asking and judging the status lives here once.
"""

from __future__ import annotations

from urllib.parse import parse_qs

from .. import escpos_commands as cmd
from ..errors import PrinterUnavailable
from ..printer_status import OFFLINE, QUERIES, UNKNOWN, PrinterStatus, interpret, make_status

DEFAULT_STATUS_TIMEOUT = 0.8  # seconds per DLE EOT query: a healthy printer answers in ~10 ms


def query_options(query: str) -> dict:
    """"baud=19200&timeout=0.5" -> {"baud": "19200", "timeout": "0.5"} (last value wins)."""
    return {key: values[-1] for key, values in parse_qs(query).items()}


class Printer:
    bidirectional = False

    def __init__(self, url: str, *, status_timeout: float = DEFAULT_STATUS_TIMEOUT):
        self.url = url
        self.status_timeout = float(status_timeout)

    # -- what a transport implements ------------------------------------------------------
    def send(self, data: bytes) -> None:
        raise NotImplementedError

    def close(self) -> None:
        pass

    def _read_byte(self, timeout: float) -> int | None:
        """One byte from the printer, or None if nothing came within timeout."""
        raise NotImplementedError

    def _discard_input(self) -> None:
        """Drop bytes already waiting (late answers, automatic status) before asking."""

    # -- shared ---------------------------------------------------------------------------
    def status(self) -> PrinterStatus:
        if not self.bidirectional:
            return make_status(UNKNOWN)
        raw = {}
        try:
            self._discard_input()
            for n in QUERIES:
                self.send(cmd.status_query(n))
                raw[n] = self._read_byte(self.status_timeout)
                if raw[n] is None:
                    break  # silence is a fault already; do not wait for the other queries
        except (PrinterUnavailable, OSError) as exc:
            return make_status(OFFLINE, "không kết nối được", f"cannot reach it ({exc})")
        return interpret(raw)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def __repr__(self):
        return f"<{type(self).__name__} {self.url}>"
