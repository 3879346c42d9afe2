"""winspool:// on Linux with pywin32's win32print faked (tests/support/fake_win32print.py):
the bytes the spooler is given are the real rendered ticket, one RAW document per job, and the
spooler's flags become honest states. The real pywin32 calls are the same names and arguments."""
import sys

import pytest

from escpos_decoder import decode, of_kind, text_lines
from printer_drivers import PrinterUnavailable, open_printer, render_ticket
from printer_drivers.transports import winspool
from support import fake_win32print

NAME = "EPSON TM-T82 Receipt"
URL = "winspool://EPSON%20TM-T82%20Receipt"


@pytest.fixture
def spooler(monkeypatch):
    monkeypatch.delitem(sys.modules, "win32print", raising=False)
    module = fake_win32print.install()
    yield module
    sys.modules.pop("win32print", None)


def test_a_job_is_one_raw_document_with_the_exact_bytes(spooler, ticket, site):
    job = render_ticket(ticket, site, paper="80mm", mode="text")
    with open_printer(URL) as printer:
        assert printer.printer_name == NAME
        printer.send(job)
    assert [(name, info) for name, info, _ in spooler.documents] == [
        (NAME, ("QMS ticket", None, "RAW"))]
    data = spooler.documents[0][2]
    assert data == job
    ops = decode(data)
    assert "A025" in text_lines(ops) and of_kind(ops, "qr_store") == [ticket["track_url"]]
    # Opened, one page, closed: no handle left behind.
    assert [c[0] for c in spooler.calls] == ["OpenPrinter", "StartDocPrinter", "StartPagePrinter",
                                            "WritePrinter", "EndPagePrinter", "EndDocPrinter",
                                            "ClosePrinter"]


@pytest.mark.parametrize("status, attributes, state", [
    (0, 0, "unknown"),  # the spooler knows nothing bad: may print, never claimed "ok"
    (winspool.PRINTER_STATUS_PAPER_OUT, 0, "paper_out"),
    (winspool.PRINTER_STATUS_OFFLINE, 0, "offline"),
    (winspool.PRINTER_STATUS_DOOR_OPEN, 0, "offline"),
    (winspool.PRINTER_STATUS_PAUSED, 0, "offline"),
    (winspool.PRINTER_STATUS_ERROR | winspool.PRINTER_STATUS_PAPER_OUT, 0, "paper_out"),
    (0, winspool.PRINTER_ATTRIBUTE_WORK_OFFLINE, "offline"),
])
def test_spooler_flags_become_states(spooler, status, attributes, state):
    spooler.printers[NAME] = {"Status": status, "Attributes": attributes}
    found = open_printer(URL).status()
    assert found.state == state
    assert found.ok == (state == "unknown")


def test_a_printer_windows_does_not_know_is_offline(spooler):
    printer = open_printer("winspool://No%20Such%20Printer")
    status = printer.status()
    assert status.state == "offline" and "No Such Printer" in status.message_en
    with pytest.raises(PrinterUnavailable):
        printer.send(b"\x1b@")


def test_spooler_errors_and_short_writes_are_unavailable(spooler):
    printer = open_printer(URL)
    spooler.fail_write = True
    with pytest.raises(PrinterUnavailable, match="spooler refused"):
        printer.send(b"\x1b@ticket")
    spooler.fail_write, spooler.short_write = False, True
    with pytest.raises(PrinterUnavailable, match="took 4 of 8"):
        printer.send(b"\x1b@ticket")
    # Every document was ended and every handle closed, also after the errors.
    assert [c[0] for c in spooler.calls].count("OpenPrinter") == \
        [c[0] for c in spooler.calls].count("ClosePrinter") == 2
    assert [c[0] for c in spooler.calls].count("EndDocPrinter") == 2


def test_without_pywin32_the_url_opens_and_says_what_is_missing(monkeypatch):
    monkeypatch.setitem(sys.modules, "win32print", None)  # import fails, as on Linux
    printer = open_printer(URL)  # the agent starts; the fault is reported, not a crash
    status = printer.status()
    assert status.state == "offline" and "pywin32" in status.message_en
    with pytest.raises(PrinterUnavailable, match="pywin32"):
        printer.send(b"\x1b@")


def test_a_name_is_required():
    with pytest.raises(ValueError):
        open_printer("winspool://")
