"""A printer behind a device file (file:///dev/usb/lp0, /dev/ttyS0) or any path.

A character device opened read-write can answer status queries (the usblp driver passes the
printer's replies back); a plain file or a write-only device cannot, and says "unknown". A plain
path gets each job appended, which is handy for capturing jobs.
"""

from __future__ import annotations

import os
import select
import stat

from ..errors import PrinterUnavailable
from .base import Printer


class DeviceFilePrinter(Printer):
    def __init__(self, url, path, **kwargs):
        super().__init__(url, **kwargs)
        self.path = path
        self._fd = None
        self.bidirectional = False

    @classmethod
    def from_url(cls, url, parts, **params):
        path = parts.netloc + parts.path
        if not path:
            raise ValueError(f"file printer URL needs a path: {url!r}")
        return cls(url, path, **params)

    def _opened(self) -> int:
        if self._fd is None:
            try:
                is_device = stat.S_ISCHR(os.stat(self.path).st_mode)
            except FileNotFoundError:
                is_device = False
            try:
                if is_device:
                    try:
                        self._fd = os.open(self.path, os.O_RDWR | os.O_NOCTTY)
                        self.bidirectional = True
                    except PermissionError:
                        self._fd = os.open(self.path, os.O_WRONLY | os.O_NOCTTY)
                else:
                    self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
            except OSError as exc:
                raise PrinterUnavailable(f"cannot open {self.path}: {exc}") from exc
        return self._fd

    def send(self, data: bytes) -> None:
        fd, view = self._opened(), memoryview(data)
        try:
            while view:
                view = view[os.write(fd, view):]
        except OSError as exc:
            self.close()
            raise PrinterUnavailable(f"writing to {self.path} failed: {exc}") from exc

    def status(self):
        try:
            self._opened()  # decides whether this path can answer at all
        except PrinterUnavailable:
            pass
        return super().status()

    def _read_byte(self, timeout):
        fd = self._opened()
        readable, _, _ = select.select([fd], [], [], timeout)
        if not readable:
            return None
        chunk = os.read(fd, 1)
        return chunk[0] if chunk else None

    def _discard_input(self):
        fd = self._opened()
        while select.select([fd], [], [], 0)[0]:
            if not os.read(fd, 256):
                break

    def close(self):
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
