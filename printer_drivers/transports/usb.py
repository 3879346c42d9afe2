"""USB printers by vendor:product id, e.g. usb://04b8:0e15 (Epson TM-T20), via python-escpos.

python-escpos's Usb finds the device, detaches the kernel's usblp driver and knows the usual
endpoints; we add status reads with a timeout (its own read waits without one).
"""

from __future__ import annotations

from ..errors import PrinterUnavailable
from .base import Printer


def parse_usb_ids(netloc: str) -> tuple[int, int]:
    """"04b8:0e15" -> (0x04B8, 0x0E15)."""
    try:
        vendor, product = netloc.split(":")
        return int(vendor, 16), int(product, 16)
    except ValueError:
        raise ValueError(f"usb printer URL must be usb://VVVV:PPPP (hex ids), got {netloc!r}") from None


class UsbPrinter(Printer):
    bidirectional = True

    def __init__(self, url, vendor_id, product_id, *, in_ep=0x82, out_ep=0x01, **kwargs):
        super().__init__(url, **kwargs)
        self.vendor_id, self.product_id = vendor_id, product_id
        self.in_ep, self.out_ep = int(str(in_ep), 0), int(str(out_ep), 0)
        self._usb = None

    @classmethod
    def from_url(cls, url, parts, **params):
        vendor_id, product_id = parse_usb_ids(parts.netloc)
        return cls(url, vendor_id, product_id, **params)

    def _opened(self):
        if self._usb is None:
            from escpos.printer import Usb

            usb = Usb(self.vendor_id, self.product_id, timeout=5000,
                      in_ep=self.in_ep, out_ep=self.out_ep)
            try:
                usb.open()
            except Exception as exc:  # DeviceNotFoundError, USBNotFoundError, usb.core errors
                raise PrinterUnavailable(
                    f"USB printer {self.vendor_id:04x}:{self.product_id:04x} not found: {exc}"
                ) from exc
            self._usb = usb
        return self._usb

    def send(self, data: bytes) -> None:
        try:
            self._opened()._raw(data)
        except PrinterUnavailable:
            raise
        except Exception as exc:  # usb.core.USBError when unplugged mid-job
            self.close()
            raise PrinterUnavailable(f"USB write failed: {exc}") from exc

    def _read_byte(self, timeout):
        device = self._opened().device
        try:
            chunk = device.read(self.in_ep, 16, int(timeout * 1000))
        except Exception:  # usb.core.USBTimeoutError: nothing came back
            return None
        return chunk[-1] if len(chunk) else None

    def _discard_input(self):
        while self._read_byte(0.01) is not None:
            pass

    def close(self):
        if self._usb is not None:
            try:
                self._usb.close()
            finally:
                self._usb = None
