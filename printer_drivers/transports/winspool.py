"""A printer installed in Windows: winspool://EPSON%20TM-T82%20Receipt (the name, URL-quoted).

For a Windows kiosk PC whose ticket printer is installed with its maker's driver: each job goes
through the Windows spooler as one RAW document (StartDocPrinter with datatype "RAW"), so the
ESC/POS bytes reach the printer untouched, the driver only carries them. pywin32's win32print is
imported when the first job or status is asked for, so this module (and the whole agent)
imports on any system; `pip install qms-cccd[agent]` brings pywin32 on Windows.

Status comes from the spooler (GetPrinter level 2: Status and Attributes): it knows "paper
out", "offline", "door open", "paused", "error" when the driver reports them, and nothing more
for many receipt printers, so a printer with no flag set is "unknown" (may print), never "ok".
A printer name Windows does not know is "offline".
"""

from __future__ import annotations

from urllib.parse import unquote

from ..errors import PrinterUnavailable
from ..printer_status import OFFLINE, PAPER_OUT, UNKNOWN, make_status
from .base import Printer

# winspool.h: PRINTER_STATUS_* (GetPrinter level 2 "Status") and PRINTER_ATTRIBUTE_WORK_OFFLINE.
PRINTER_STATUS_PAUSED = 0x00000001
PRINTER_STATUS_ERROR = 0x00000002
PRINTER_STATUS_PAPER_JAM = 0x00000008
PRINTER_STATUS_PAPER_OUT = 0x00000010
PRINTER_STATUS_PAPER_PROBLEM = 0x00000040
PRINTER_STATUS_OFFLINE = 0x00000080
PRINTER_STATUS_NOT_AVAILABLE = 0x00001000
PRINTER_STATUS_USER_INTERVENTION = 0x00100000
PRINTER_STATUS_DOOR_OPEN = 0x00400000
PRINTER_ATTRIBUTE_WORK_OFFLINE = 0x00000400

# Checked in this order: the first flag set names the fault.
FAULTS = (
    (PRINTER_STATUS_PAPER_OUT, PAPER_OUT, "", ""),
    (PRINTER_STATUS_DOOR_OPEN, OFFLINE, "nắp máy in đang mở", "cover open"),
    (PRINTER_STATUS_PAPER_JAM, OFFLINE, "kẹt giấy", "paper jam"),
    (PRINTER_STATUS_PAPER_PROBLEM, OFFLINE, "lỗi giấy", "paper problem"),
    (PRINTER_STATUS_OFFLINE, OFFLINE, "Windows báo máy in ngoại tuyến", "Windows says offline"),
    (PRINTER_STATUS_NOT_AVAILABLE, OFFLINE, "máy in không sẵn có", "printer not available"),
    (PRINTER_STATUS_PAUSED, OFFLINE, "hàng đợi in đang tạm dừng", "print queue paused"),
    (PRINTER_STATUS_ERROR, OFFLINE, "máy in báo lỗi", "printer error"),
    (PRINTER_STATUS_USER_INTERVENTION, OFFLINE, "máy in cần người xử lý",
     "printer needs attention"),
)
DOC_NAME = "QMS ticket"


def _win32print():
    try:
        import win32print  # pywin32, Windows only
    except ImportError as exc:
        raise PrinterUnavailable("winspool:// needs Windows and pywin32 "
                                 "(pip install qms-cccd[agent])") from exc
    return win32print


class WinSpoolPrinter(Printer):
    bidirectional = False

    def __init__(self, url, printer_name, **kwargs):
        super().__init__(url, **kwargs)
        self.printer_name = printer_name

    @classmethod
    def from_url(cls, url, parts, **params):
        name = unquote(parts.netloc + parts.path)
        if not name:
            raise ValueError(f"winspool printer URL needs a printer name: {url!r}")
        return cls(url, name, **params)

    def _open(self, win32print):
        try:
            return win32print.OpenPrinter(self.printer_name)
        except win32print.error as exc:
            raise PrinterUnavailable(
                f"Windows has no printer {self.printer_name!r}: {exc}") from exc

    def send(self, data: bytes) -> None:
        win32print = _win32print()
        handle = self._open(win32print)
        try:
            win32print.StartDocPrinter(handle, 1, (DOC_NAME, None, "RAW"))
            try:
                win32print.StartPagePrinter(handle)
                written = win32print.WritePrinter(handle, bytes(data))
                win32print.EndPagePrinter(handle)
            finally:
                win32print.EndDocPrinter(handle)
        except win32print.error as exc:
            raise PrinterUnavailable(f"the spooler refused the job for "
                                     f"{self.printer_name!r}: {exc}") from exc
        finally:
            win32print.ClosePrinter(handle)
        if written != len(data):
            raise PrinterUnavailable(f"the spooler took {written} of {len(data)} bytes")

    def status(self):
        try:
            win32print = _win32print()
            handle = self._open(win32print)
        except PrinterUnavailable as exc:
            return make_status(OFFLINE, "không mở được máy in trong Windows", str(exc))
        try:
            info = win32print.GetPrinter(handle, 2)
        except win32print.error as exc:
            return make_status(OFFLINE, "không đọc được trạng thái", f"status read failed: {exc}")
        finally:
            win32print.ClosePrinter(handle)
        flags = int(info.get("Status") or 0)
        raw = {"status": flags, "attributes": int(info.get("Attributes") or 0)}
        if raw["attributes"] & PRINTER_ATTRIBUTE_WORK_OFFLINE:
            return make_status(OFFLINE, "máy in đặt chế độ ngoại tuyến", "set to use offline",
                               raw=raw)
        for flag, state, vi, en in FAULTS:
            if flags & flag:
                return make_status(state, vi, en, raw=raw)
        return make_status(UNKNOWN, raw=raw)
