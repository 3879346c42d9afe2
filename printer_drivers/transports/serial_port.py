"""Serial printers: serial:///dev/ttyUSB0?baud=19200&flow=rtscts (pyserial).

Thermal printers on RS-232 usually want hardware flow control for raster images: without it a
26 KB ticket overruns their buffer. The write timeout grows with the job so a long raster at
9600 baud is not cut short, while a printer holding flow control forever still fails.
"""

from __future__ import annotations

from ..errors import PrinterUnavailable
from .base import Printer

FLOW_CONTROL = {"none": {}, "rtscts": {"rtscts": True}, "dsrdtr": {"dsrdtr": True},
                "xonxoff": {"xonxoff": True}}


class SerialPrinter(Printer):
    bidirectional = True

    def __init__(self, url, port, *, baud=19200, flow="none", **kwargs):
        super().__init__(url, **kwargs)
        if flow not in FLOW_CONTROL:
            raise ValueError(f"flow must be one of {sorted(FLOW_CONTROL)}")
        self.port, self.baud, self.flow = port, int(baud), flow
        self._serial = None

    @classmethod
    def from_url(cls, url, parts, **params):
        port = (parts.netloc + parts.path) or None
        if not port:
            raise ValueError(f"serial printer URL needs a port: {url!r}")
        return cls(url, port, **params)

    def _opened(self):
        if self._serial is None:
            import serial  # pyserial, imported here so other transports work without it

            try:
                self._serial = serial.Serial(self.port, self.baud, timeout=self.status_timeout,
                                             **FLOW_CONTROL[self.flow])
            except (serial.SerialException, OSError) as exc:
                raise PrinterUnavailable(f"cannot open {self.port}: {exc}") from exc
        return self._serial

    def send(self, data: bytes) -> None:
        port = self._opened()
        # 10 bits per byte on the line; allow twice the time it takes plus a margin.
        port.write_timeout = 5.0 + 2 * len(data) * 10 / self.baud
        try:
            port.write(data)
            port.flush()
        except Exception as exc:  # serial.SerialTimeoutException, SerialException, OSError
            self.close()
            raise PrinterUnavailable(f"writing to {self.port} failed: {exc}") from exc

    def _read_byte(self, timeout):
        port = self._opened()
        port.timeout = timeout
        chunk = port.read(1)
        return chunk[0] if chunk else None

    def _discard_input(self):
        self._opened().reset_input_buffer()

    def close(self):
        if self._serial is not None:
            self._serial.close()
            self._serial = None
