"""Transports against real endpoints: a TCP socket, a pty as serial port, files, fake lp."""

import os
import socket
import stat
import threading

import pytest
from pyzbar.pyzbar import decode as read_barcodes

from printer_drivers import (UnknownTransport, PrinterUnavailable, open_printer, render_ticket)
from printer_drivers.transports.usb import UsbPrinter

STATUS_QUERY = b"\x10\x04"


class FakeNetworkPrinter:
    """A printer on 127.0.0.1: records every byte, answers DLE EOT n from a table (or not)."""

    def __init__(self, answers=None):
        self.answers = answers  # n -> byte; None: never answer
        self.received = bytearray()
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        self.server.settimeout(10)
        try:
            conn, _ = self.server.accept()
        except OSError:
            return
        with conn:
            conn.settimeout(10)
            pending = b""
            while True:
                try:
                    chunk = conn.recv(65536)
                except OSError:
                    break
                if not chunk:
                    break
                self.received += chunk
                pending += chunk
                while (at := pending.find(STATUS_QUERY)) >= 0 and len(pending) >= at + 3:
                    n = pending[at + 2]
                    pending = pending[at + 3:]
                    if self.answers is not None:
                        conn.sendall(bytes([self.answers[n]]))
        self.done.set()

    def close(self):
        self.server.close()


@pytest.fixture
def job(ticket, site):
    return render_ticket(ticket, site, paper="58mm")


def test_tcp_printer_receives_the_exact_bytes(job):
    fake = FakeNetworkPrinter()
    with open_printer(f"tcp://127.0.0.1:{fake.port}") as printer:
        printer.send(job)
    assert fake.done.wait(10)
    assert bytes(fake.received) == job
    fake.close()


@pytest.mark.parametrize("answers, state", [
    ({1: 0x12, 2: 0x12, 4: 0x12}, "ok"),
    ({1: 0x12, 2: 0x12, 4: 0x1E}, "paper_low"),
    ({1: 0x1A, 2: 0x32, 4: 0x72}, "paper_out"),
    ({1: 0x1A, 2: 0x16, 4: 0x12}, "offline"),
])
def test_tcp_printer_status_from_dle_eot(answers, state):
    fake = FakeNetworkPrinter(answers)
    with open_printer(f"tcp://127.0.0.1:{fake.port}?timeout=2") as printer:
        status = printer.status()
    assert status.state == state
    assert status.raw == answers
    fake.close()


def test_tcp_printer_that_never_answers_is_offline():
    fake = FakeNetworkPrinter(answers=None)
    with open_printer(f"tcp://127.0.0.1:{fake.port}?timeout=0.3") as printer:
        status = printer.status()
    assert status.state == "offline" and not status.ok
    assert "no answer" in status.message_en
    fake.close()


def test_tcp_printer_nobody_listening_is_offline():
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]  # closed again on exit: nothing listens there
    printer = open_printer(f"tcp://127.0.0.1:{port}?timeout=0.3")
    assert printer.status().state == "offline"
    with pytest.raises(PrinterUnavailable):
        printer.send(b"\x1b@")


class PtyPrinter:
    """The far end of a pty, standing in for a printer on a serial line."""

    def __init__(self, answers):
        self.master, slave = os.openpty()
        self.path = os.ttyname(slave)
        self.slave = slave  # kept open so the line stays up while the transport reopens it
        import tty
        tty.setraw(self.master)
        tty.setraw(slave)
        self.answers = answers
        self.received = bytearray()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        import select
        while not self.stop.is_set():
            if not select.select([self.master], [], [], 0.05)[0]:
                continue
            try:
                chunk = os.read(self.master, 65536)
            except OSError:
                return
            self.received += chunk
            if chunk.startswith(STATUS_QUERY) and self.answers is not None:
                os.write(self.master, bytes([self.answers[chunk[2]]]))

    def received_after(self, expected_len, timeout=10):
        import time
        deadline = time.monotonic() + timeout
        while len(self.received) < expected_len and time.monotonic() < deadline:
            time.sleep(0.01)
        return bytes(self.received)

    def close(self):
        self.stop.set()
        self.thread.join(2)
        os.close(self.master)
        os.close(self.slave)


def test_serial_printer_over_a_pty(job):
    pytest.importorskip("serial", reason="pyserial (python-escpos[serial]) is needed for serial://")
    pty = PtyPrinter({1: 0x12, 2: 0x12, 4: 0x1E})
    try:
        with open_printer(f"serial://{pty.path}?baud=115200&timeout=2") as printer:
            printer.send(job)
            assert pty.received_after(len(job)) == job
            pty.received.clear()
            assert printer.status().state == "paper_low"
    finally:
        pty.close()


def test_serial_printer_that_never_answers_is_offline():
    pytest.importorskip("serial", reason="pyserial (python-escpos[serial]) is needed for serial://")
    pty = PtyPrinter(answers=None)
    try:
        with open_printer(f"serial://{pty.path}?timeout=0.3") as printer:
            assert printer.status().state == "offline"
    finally:
        pty.close()


def test_device_file_that_answers_reports_status():
    """A character device opened read-write (here a pty, like /dev/usb/lp0) can be asked."""
    pty = PtyPrinter({1: 0x12, 2: 0x12, 4: 0x72})
    try:
        assert stat.S_ISCHR(os.stat(pty.path).st_mode)
        with open_printer(f"file://{pty.path}?timeout=2") as printer:
            assert printer.status().state == "paper_out"
    finally:
        pty.close()


def test_capture_file_gets_the_jobs_and_cannot_report_status(tmp_path, job):
    """A plain file only when asked for with capture=1 (tests, keeping a copy of the jobs)."""
    target = tmp_path / "spool.bin"
    with open_printer(f"file://{target}?capture=1") as printer:
        printer.send(job)
        printer.send(job)
        assert printer.status().state == "unknown"
    assert target.read_bytes() == job + job


def test_unplugged_device_is_offline_and_never_created():
    """/dev/usb/lp0 disappears when the USB printer is unplugged: that is a fault, and the
    path must not become a plain file that swallows the tickets."""
    path = "/dev/usb/lp-qms-unplugged"
    assert not os.path.exists(path)
    with open_printer(f"file://{path}") as printer:
        status = printer.status()
        assert status.state == "offline" and not status.ok
        assert "unplugged" in status.message_en and "chưa cắm" in status.message_vi
        with pytest.raises(PrinterUnavailable):
            printer.send(b"\x1b@")
    assert not os.path.exists(path)


def test_a_plain_file_is_not_a_printer_device(tmp_path):
    """A regular file (say, the one an unplugged printer left behind before this rule) is not
    taken for a printer without capture=1; it is left as it was."""
    target = tmp_path / "lp0"
    target.write_bytes(b"old")
    with open_printer(f"file://{target}") as printer:
        status = printer.status()
        assert status.state == "offline" and "not a character device" in status.message_en
        with pytest.raises(PrinterUnavailable):
            printer.send(b"\x1b@")
    assert target.read_bytes() == b"old"
    with open_printer(f"file://{tmp_path / 'missing'}") as printer:
        assert printer.status().state == "offline"
    assert not (tmp_path / "missing").exists()


def test_capture_under_dev_is_refused():
    with pytest.raises(ValueError, match="capture=1"):
        open_printer("file:///dev/usb/lp0?capture=1")


def test_cups_queue_goes_through_lp_raw(tmp_path, monkeypatch, job):
    capture = tmp_path / "lp-call"
    fake_lp = tmp_path / "lp"
    fake_lp.write_text(f'#!/bin/sh\necho "$@" > {capture}.args\ncat > {capture}.data\n')
    fake_lp.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}:{os.environ['PATH']}")
    printer = open_printer("cups://Kiosk_Ticket")
    printer.send(job)
    assert (tmp_path / "lp-call.args").read_text().split() == ["-d", "Kiosk_Ticket", "-o", "raw"]
    assert (tmp_path / "lp-call.data").read_bytes() == job
    assert printer.status().state in ("unknown", "offline")  # never "ok": CUPS cannot ask


@pytest.mark.parametrize("paper", ["58mm", "80mm"])
def test_virtual_printer_png_has_a_readable_qr(ticket, site, paper, tmp_path):
    from PIL import Image

    printer = open_printer(f"virtual://?paper={paper}")
    printer.send(render_ticket(ticket, site, paper=paper))
    path = tmp_path / f"ticket-{paper}.png"
    printer.save_png(path)
    image = Image.open(path)
    assert image.width == {"58mm": 384, "80mm": 576}[paper]
    assert [s.data.decode() for s in read_barcodes(image)] == [ticket["track_url"]]


def test_virtual_printer_can_pretend_a_fault():
    assert open_printer("virtual://?status=paper_out").status().state == "paper_out"


def test_urls():
    usb = open_printer("usb://04b8:0e15")
    assert isinstance(usb, UsbPrinter) and (usb.vendor_id, usb.product_id) == (0x04B8, 0x0E15)
    serial = open_printer("serial:///dev/ttyUSB0?baud=9600&flow=rtscts")
    assert (serial.port, serial.baud, serial.flow) == ("/dev/ttyUSB0", 9600, "rtscts")
    tcp = open_printer("tcp://10.0.0.5")
    assert (tcp.host, tcp.port) == ("10.0.0.5", 9100)
    with pytest.raises(UnknownTransport):
        open_printer("bluetooth://printer")
    with pytest.raises(ValueError):
        open_printer("usb://epson")
