"""A raw CUPS queue: cups://QueueName sends each job with `lp -d QueueName -o raw`.

For printers already shared through CUPS (or a Windows-style spooler on the kiosk PC). CUPS
queues jobs one way, so the printer's paper state cannot be asked: status() says "unknown",
or "offline" when CUPS itself reports the queue disabled.
"""

from __future__ import annotations

import shutil
import subprocess

from ..errors import PrinterUnavailable
from ..printer_status import OFFLINE, UNKNOWN, make_status
from .base import Printer


class CupsPrinter(Printer):
    bidirectional = False

    def __init__(self, url, queue, **kwargs):
        super().__init__(url, **kwargs)
        self.queue = queue

    @classmethod
    def from_url(cls, url, parts, **params):
        if not parts.netloc:
            raise ValueError(f"cups printer URL needs a queue name: {url!r}")
        return cls(url, parts.netloc, **params)

    def send(self, data: bytes) -> None:
        lp = shutil.which("lp")
        if lp is None:
            raise PrinterUnavailable("the CUPS client `lp` is not installed (apt-get install cups-client)")
        result = subprocess.run([lp, "-d", self.queue, "-o", "raw"], input=data,
                                capture_output=True, timeout=30)
        if result.returncode != 0:
            error = result.stderr.decode(errors="replace").strip()
            raise PrinterUnavailable(f"lp -d {self.queue} failed: {error}")

    def status(self):
        lpstat = shutil.which("lpstat")
        if lpstat is None:
            return make_status(UNKNOWN)
        result = subprocess.run([lpstat, "-p", self.queue], capture_output=True, timeout=10)
        text = result.stdout.decode(errors="replace")
        if result.returncode != 0 or "disabled" in text:
            return make_status(OFFLINE, "hàng đợi CUPS bị tắt hoặc không tồn tại",
                               "CUPS queue disabled or missing")
        return make_status(UNKNOWN)
