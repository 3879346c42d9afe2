"""Printer transports chosen by URL: open_printer("tcp://10.0.0.5:9100").

    usb://04b8:0e15[?in_ep=0x82&out_ep=0x01]     python-escpos Usb (needs pyusb + libusb)
    serial:///dev/ttyUSB0?baud=19200[&flow=rtscts|dsrdtr|xonxoff]   (needs pyserial)
    tcp://10.0.0.5[:9100]                         network printer, raw port 9100
    file:///dev/usb/lp0                           a character device (never created)
    file:///var/tmp/jobs.bin?capture=1            a plain file on purpose: jobs appended
    cups://QueueName                              a raw CUPS queue (lp -d NAME -o raw); one-way
    winspool://EPSON%20TM-T82%20Receipt           a Windows printer, RAW through the spooler
    virtual://[?paper=58mm&profile=NAME&status=ok]  keeps the bytes, renders a PNG preview

Every URL also takes ?timeout=SECONDS, the wait for each status answer. Backends are imported
only when used, so a kiosk without pyusb can still print over serial.
"""

from __future__ import annotations

from importlib import import_module
from urllib.parse import urlsplit

from ..errors import UnknownTransport
from .base import Printer, query_options

TRANSPORTS = {
    "usb": ("usb", "UsbPrinter"),
    "serial": ("serial_port", "SerialPrinter"),
    "tcp": ("tcp", "TcpPrinter"),
    "file": ("device_file", "DeviceFilePrinter"),
    "cups": ("cups", "CupsPrinter"),
    "winspool": ("winspool", "WinSpoolPrinter"),
    "virtual": ("virtual", "VirtualPrinter"),
}


def open_printer(url: str, **options) -> Printer:
    """A Printer for this URL; keyword options override the URL's query parameters."""
    parts = urlsplit(url)
    if parts.scheme not in TRANSPORTS:
        raise UnknownTransport(f"no printer transport for {url!r}; use one of "
                               + ", ".join(f"{s}://" for s in TRANSPORTS))
    module_name, class_name = TRANSPORTS[parts.scheme]
    cls = getattr(import_module(f"{__name__}.{module_name}"), class_name)
    params = query_options(parts.query)
    params.update(options)
    if "timeout" in params:
        params["status_timeout"] = float(params.pop("timeout"))
    return cls.from_url(url, parts, **params)


__all__ = ["open_printer", "Printer", "TRANSPORTS"]
