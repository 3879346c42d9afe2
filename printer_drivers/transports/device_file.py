"""A printer behind a device file: file:///dev/usb/lp0, file:///dev/ttyS0.

The rule (docs/printing.md, "file://"):

- `file://PATH` is a printer device. PATH must exist and be a character device; it is never
  created. A missing device (the printer unplugged: /dev/usb/lp0 disappears) or a path that is
  not a character device (a plain file left behind by a mistake) is a fault: status() says
  "offline" with the reason, send() raises PrinterUnavailable. Opened read-write, a device can
  answer status queries (the usblp driver passes the printer's replies back); a device only
  writable by us says "unknown".
- `file://PATH?capture=1` is an explicit regular-file target, for tests and for keeping a copy
  of the jobs: the file is created if missing, each job appended, status "unknown". A capture
  path under /dev is refused when the URL is opened, so a typo cannot turn a printer into a
  file again.

Character devices and their status reads are POSIX only; on Windows use winspool:// (capture
files work everywhere).
"""

from __future__ import annotations

import os
import stat

from ..errors import PrinterUnavailable
from ..printer_status import OFFLINE, make_status
from .base import Printer

DEVICE_DIR = "/dev/"
TRUE = ("1", "true", "yes", "on")


class DeviceFault(PrinterUnavailable):
    def __init__(self, vi, en):
        super().__init__(f"{vi} / {en}")
        self.vi, self.en = vi, en


class DeviceFilePrinter(Printer):
    def __init__(self, url, path, *, capture=False, **kwargs):
        super().__init__(url, **kwargs)
        self.path = path
        self.capture = str(capture).lower() in TRUE
        if self.capture and os.path.abspath(path).startswith(DEVICE_DIR):
            raise ValueError(f"capture=1 writes a plain file; {path} is under {DEVICE_DIR}, "
                             "which holds devices: drop capture=1 to print to the device")
        self._fd = None
        self.bidirectional = False

    @classmethod
    def from_url(cls, url, parts, **params):
        path = parts.netloc + parts.path
        if not path:
            raise ValueError(f"file printer URL needs a path: {url!r}")
        return cls(url, path, **params)

    def _device_fault(self) -> tuple[str, str] | None:
        """Why PATH is not a printer device we can open (Vietnamese, English), or None."""
        if os.name != "posix":
            return ("thiết bị ký tự chỉ có trên Linux; trên Windows dùng winspool://",
                    "character devices are POSIX only; use winspool://PRINTER on Windows")
        try:
            mode = os.stat(self.path).st_mode
        except FileNotFoundError:
            return (f"không có {self.path} (máy in chưa cắm hoặc chưa bật?)",
                    f"{self.path} does not exist (printer unplugged or switched off?)")
        except OSError as exc:
            return f"không đọc được {self.path}", f"cannot read {self.path}: {exc}"
        if not stat.S_ISCHR(mode):
            return (f"{self.path} không phải thiết bị máy in (tệp thường? hãy xoá nó)",
                    f"{self.path} is not a character device (a plain file? remove it; "
                    "add ?capture=1 only to write jobs to a file on purpose)")
        return None

    def _opened(self) -> int:
        if self._fd is not None:
            return self._fd
        fault = None if self.capture else self._device_fault()
        if fault:
            raise DeviceFault(*fault)
        try:
            if self.capture:
                flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | getattr(os, "O_BINARY", 0)
                self._fd = os.open(self.path, flags, 0o644)
                return self._fd
            try:
                self._fd = os.open(self.path, os.O_RDWR | os.O_NOCTTY)
                self.bidirectional = True
            except PermissionError:
                self._fd = os.open(self.path, os.O_WRONLY | os.O_NOCTTY)
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
        if self._fd is not None and not self.capture and self._device_fault():
            self.close()  # unplugged since it was opened: the old descriptor is dead
        try:
            self._opened()  # decides whether this path can answer at all
        except DeviceFault as exc:
            return make_status(OFFLINE, exc.vi, exc.en)
        except PrinterUnavailable as exc:
            return make_status(OFFLINE, "không mở được máy in", str(exc))
        return super().status()

    def _read_byte(self, timeout):
        import select  # POSIX descriptors only (never reached for a capture file)

        fd = self._opened()
        readable, _, _ = select.select([fd], [], [], timeout)
        if not readable:
            return None
        chunk = os.read(fd, 1)
        return chunk[0] if chunk else None

    def _discard_input(self):
        import select

        fd = self._opened()
        while select.select([fd], [], [], 0)[0]:
            if not os.read(fd, 256):
                break

    def close(self):
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
