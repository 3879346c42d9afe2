"""The kiosk print agent: prints what the site server asks this kiosk to print, at most once.

    qms kiosk-agent --server http://10.0.0.2:5000 --token TOKEN --printer tcp://10.0.0.5:9100

A python-socketio Client (its own threads; nothing is monkey-patched) connects with the kiosk's
device token (`qms add-device K1`). The server sends `print_job` events to this kiosk's room,
and every pending job again on each (re)connect; the agent answers each with `print_result`.

A heartbeat thread sends `heartbeat` every few seconds: the server marks a kiosk's agent offline
when it goes silent (a frozen PC, a stopped process), and the kiosk page then asks citizens to
remember their number instead of taking a slip that will not come.

One worker thread owns the printer: it takes jobs from a queue in order, and between jobs asks
the printer its status every few seconds and reports changes with `printer_status`.

At most once (see journal.py): a job is marked "started" on disk before its first byte goes to
the printer and "done" after the last. A job found "started" after a restart is reported as
failed ("may have printed") instead of printed again; a job found "done" is acknowledged again.
A job the printer cannot take (paper out, offline) is reported failed with the printer's reason
at once: the citizen has the number on the kiosk screen, staff see the failure on the counter
tablet and can ask for a reprint (a new job number).
"""
from __future__ import annotations

import logging
import os
import queue
import signal
import threading
import time

import socketio

from printer_drivers import PrinterError, get_profile, open_printer, render_ticket
from printer_drivers.printer_status import make_status

from .journal import DONE, FAILED, STARTED, PrintJournal, job_key

log = logging.getLogger("qms.kiosk_agent")

MAY_HAVE_PRINTED = "có thể đã in — kiểm tra máy in / may have printed"
SEND_FAILED = ("gửi tới máy in bị lỗi, có thể đã in dở — kiểm tra máy in / "
               "sending to the printer failed, may be partly printed")
ACK_TIMEOUT = 10.0


class TokenRefused(Exception):
    """The server refused this device token (unknown or revoked)."""


def _reason(text: str) -> str:
    return text[:200]


def fault_reason(status) -> str:
    return _reason(f"máy in lỗi: {status.message_vi} / printer fault: {status.message_en}")


class PrintAgent:
    def __init__(self, server_url: str, token: str, printer_url: str, *, paper: str = "80mm",
                 mode: str = "raster", profile: str | None = None, journal_path: str,
                 status_interval: float = 5.0, heartbeat_interval: float = 5.0):
        self.server_url = server_url.rstrip("/")
        self.token = token
        self.paper, self.mode = paper, mode
        self.profile = get_profile(profile) if profile else get_profile("epson-tm-t82")
        self.profile.paper_dots(paper)  # refuse a paper width the model does not have, now
        self.printer_url = printer_url
        self.printer = open_printer(printer_url)
        self.journal = PrintJournal(journal_path)
        self.status_interval = float(status_interval)
        self.heartbeat_interval = float(heartbeat_interval)

        self.jobs: queue.Queue = queue.Queue()
        self.stopping = threading.Event()
        self.connected = threading.Event()
        self.token_refused = False
        self._report_status_now = threading.Event()
        self._last_status = None  # the last PrinterStatus seen
        self._reported_status = None  # (state, message) the server last accepted

        self.sio = socketio.Client(reconnection=True, reconnection_attempts=0,
                                   reconnection_delay=0.5, reconnection_delay_max=5,
                                   handle_sigint=False)
        self.sio.on("connect", self._on_connect)
        self.sio.on("disconnect", self._on_disconnect)
        self.sio.on("connect_error", self._on_connect_error)
        self.sio.on("print_job", self._on_print_job)
        self._worker = threading.Thread(target=self._work, name="printer", daemon=True)
        # Its own thread: a long print on a slow serial line must not look like a dead agent.
        self._heart = threading.Thread(target=self._beat, name="heartbeat", daemon=True)

    # -- Socket.IO side (the client's threads) ---------------------------------------------
    def _on_connect(self):
        log.info("connected to %s", self.server_url)
        self.connected.set()
        self._reported_status = None
        self._report_status_now.set()  # the server may have restarted: tell it again

    def _on_disconnect(self, reason=None):
        self.connected.clear()
        log.warning("disconnected from the server (%s); reconnecting", reason)

    def _on_connect_error(self, data=None):
        # A dict comes from the Socket.IO server itself: it answered and said no.
        if isinstance(data, dict):
            self.token_refused = True
            log.error("the server refused this device token: %s", data.get("message"))
        else:
            log.warning("cannot reach the server: %s", data)

    def _on_print_job(self, job):
        if not isinstance(job, dict) or "ticket_id" not in job or "job" not in job:
            log.error("ignoring a malformed print job: %r", job)
            return
        self.jobs.put(job)

    def _beat(self):
        while not self.stopping.wait(self.heartbeat_interval):
            if self.connected.is_set():
                try:
                    self.sio.emit("heartbeat", {})
                except socketio.exceptions.SocketIOError:
                    pass  # disconnected meanwhile: the reconnection says hello again

    # -- the printer side (one worker thread) ----------------------------------------------
    def _work(self):
        next_poll = 0.0
        while not self.stopping.is_set():
            timeout = max(0.0, min(next_poll - time.monotonic(), 0.5))
            try:
                job = self.jobs.get(timeout=timeout)
            except queue.Empty:
                job = None
            if job is not None:
                try:
                    self.handle_job(job)
                except Exception:  # one bad job must not stop the kiosk's printing
                    log.exception("print job %s/%s failed unexpectedly",
                                  job.get("ticket_id"), job.get("job"))
                continue
            if time.monotonic() >= next_poll or self._report_status_now.is_set():
                self._report_status_now.clear()
                self.poll_status()
                next_poll = time.monotonic() + self.status_interval

    def poll_status(self):
        try:
            status = self.printer.status()
        except Exception as exc:  # a transport bug reads as an offline printer, never as ok
            status = make_status("offline", "lỗi đọc trạng thái", f"status read failed: {exc}")
        self._note_status(status)
        return status

    def _note_status(self, status):
        if self._last_status is None or status.state != self._last_status.state:
            log.info("printer %s: %s", self.printer_url, status.message)
        self._last_status = status
        current = (status.state, _reason(status.message))
        if current == self._reported_status or not self.connected.is_set():
            return  # (reported again on the next connect)
        answer = self._call("printer_status", {"status": current[0], "message": current[1]})
        if answer is not None and answer.get("ok"):
            self._reported_status = current

    def handle_job(self, job):
        """Print one job at most once; always end with a report to the server."""
        key = job_key(job)
        ticket = job.get("ticket") or {}
        label = f"{ticket.get('number', '?')} (ticket {job['ticket_id']}, job {job['job']})"
        entry = self.journal.get(key)
        if entry and entry["state"] == DONE:
            log.info("%s was printed before; acknowledging again", label)
            return self.report(job, True)
        if entry and entry["state"] == STARTED:
            # The agent stopped between sending and confirming: the ticket may be out.
            log.warning("%s was being printed when the agent stopped: reporting, not reprinting",
                        label)
            self.journal.mark(key, FAILED, MAY_HAVE_PRINTED)
            return self.report(job, False, MAY_HAVE_PRINTED)
        if entry and entry["state"] == FAILED:
            return self.report(job, False, entry.get("reason") or MAY_HAVE_PRINTED)

        # Ask the server first: a job that waited (a frozen PC, a stopped process) for a ticket
        # since called, finished or taken minutes ago must not come out now (docs/kiosk.md).
        claim = self._call("print_claim", {"ticket_id": job["ticket_id"], "job": job["job"]})
        if claim is None:
            log.warning("%s not printed: the server did not confirm it; it sends the job "
                        "again on reconnect if it is still wanted", label)
            return None
        if not claim.get("ok"):
            log.info("%s not printed: %s", label, (claim.get("error") or {}).get("message_en"))
            return claim

        try:
            data = render_ticket(ticket, job.get("site") or {}, paper=self.paper, mode=self.mode,
                                 profile=self.profile)
        except Exception as exc:
            log.exception("cannot render %s", label)
            return self.report(job, False, _reason(
                f"không tạo được phiếu in / cannot render the ticket: {exc}"))

        status = self.poll_status()
        if not status.ok:
            log.warning("%s not printed: %s", label, status.message)
            return self.report(job, False, fault_reason(status))

        self.journal.mark(key, STARTED)
        try:
            self.printer.send(data)
        except (PrinterError, OSError) as exc:
            log.error("sending %s failed: %s", label, exc)
            self.journal.mark(key, FAILED, SEND_FAILED)
            return self.report(job, False, SEND_FAILED)
        self.journal.mark(key, DONE)
        log.info("printed %s (%d bytes)", label, len(data))
        return self.report(job, True)

    def report(self, job, printed: bool, reason: str = ""):
        """Tell the server; if it cannot hear now, it resends the job on reconnect and the
        journal turns that into the same report again."""
        body = {"ticket_id": job["ticket_id"], "job": job["job"], "printed": printed}
        if reason:
            body["reason"] = reason
        answer = self._call("print_result", body)
        if answer is None:
            return None
        if not answer.get("ok"):
            code = (answer.get("error") or {}).get("code")
            if code != "already_printed":
                log.warning("server did not take the report for ticket %s job %s: %s",
                            job["ticket_id"], job["job"], answer.get("error"))
        return answer

    def _call(self, event, data):
        # On connect the server sends pending jobs at once, sometimes before the client has
        # run its own connect handler: give the connection a moment before giving up.
        if not self.connected.wait(timeout=5.0):
            log.warning("%s not delivered: not connected; the server resends pending jobs "
                        "on reconnect", event)
            return None
        try:
            answer = self.sio.call(event, data, timeout=ACK_TIMEOUT)
        except socketio.exceptions.SocketIOError as exc:
            log.warning("%s not delivered (%s); the server resends pending jobs on reconnect",
                        event, type(exc).__name__)
            return None
        return answer if isinstance(answer, dict) else {"ok": False, "error": {"code": "bad_ack"}}

    # -- running ---------------------------------------------------------------------------
    def connect(self):
        """Connect, retrying while the server is unreachable; a refused token stops here."""
        delay = 0.5
        while not self.stopping.is_set():
            self.token_refused = False
            try:
                self.sio.connect(self.server_url, auth={"device_token": self.token},
                                 wait_timeout=10)
                return
            except socketio.exceptions.ConnectionError as exc:
                if self.token_refused:
                    raise TokenRefused("the server refused the device token "
                                       "(issue one with: qms add-device KIOSK)") from exc
                log.warning("cannot connect to %s (%s); retrying in %.1f s",
                            self.server_url, exc, delay)
            self.stopping.wait(delay)
            delay = min(delay * 2, 5.0)

    def run(self):
        self._worker.start()
        self._heart.start()
        try:
            self.connect()
            while not self.stopping.is_set():
                # python-socketio reconnects by itself after a drop; we only wait here.
                self.stopping.wait(1.0)
                if self.token_refused and not self.sio.connected:
                    raise TokenRefused("the server no longer accepts this device token")
        finally:
            self.close()

    def stop(self, *_):
        self.stopping.set()

    def close(self):
        self.stopping.set()
        try:
            self.sio.shutdown()  # also stops a reconnection loop in progress
        except Exception:
            pass
        if self._worker.is_alive() and self._worker is not threading.current_thread():
            self._worker.join(timeout=15)
        self.journal.close()
        try:
            self.printer.close()
        except Exception:
            pass


def default_journal_path() -> str:
    """~/.local/state/qms/print-journal.jsonl (XDG), or %LOCALAPPDATA%\\qms\\… on Windows."""
    if os.name == "nt" and os.environ.get("LOCALAPPDATA"):
        base = os.environ["LOCALAPPDATA"]
    else:
        base = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"),
                                                                ".local", "state")
    return os.path.join(base, "qms", "print-journal.jsonl")


def run_agent(server, token, printer, paper="80mm", mode="raster", profile=None, journal=None,
              status_interval=5.0, heartbeat_interval=5.0):
    """Entry point of `qms kiosk-agent`; returns the process exit code."""
    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(levelname)s kiosk-agent: %(message)s")
    agent = PrintAgent(server, token, printer, paper=paper, mode=mode, profile=profile,
                       journal_path=journal or default_journal_path(),
                       status_interval=status_interval, heartbeat_interval=heartbeat_interval)
    signal.signal(signal.SIGTERM, agent.stop)
    signal.signal(signal.SIGINT, agent.stop)
    if hasattr(signal, "SIGBREAK"):  # Windows: Ctrl+Break, and what service wrappers send
        signal.signal(signal.SIGBREAK, agent.stop)
    log.info("printing to %s (%s, %s, profile %s), journal %s", printer, paper, mode,
             agent.profile.name, agent.journal.path)
    try:
        agent.run()
    except TokenRefused as exc:
        log.error("%s", exc)
        return 2
    return 0
