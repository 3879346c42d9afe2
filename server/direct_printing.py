"""Printing by the server itself, for kiosks whose printer is on the network (port 9100).

Such a kiosk needs no PC of its own: `qms serve --kiosk-printer K1=tcp://10.0.0.5:9100`
starts, next to the server, the very same print agent a kiosk PC would run (one code path for
both: the journal, the at-most-once rule, the status reports), with a fresh device token and
a journal in the instance folder. The agent dies with the server (PR_SET_PDEATHSIG), even on
kill -9, and the next start takes over its journal.
"""
import ctypes
import os
import re
import signal
import subprocess
import sys

from . import auth, clock

KIOSK = re.compile(r"^[A-Za-z0-9_.-]{1,32}$")
PR_SET_PDEATHSIG = 1


def parse_kiosk_printer(spec):
    """'K1=tcp://10.0.0.5:9100' -> ('K1', 'tcp://10.0.0.5:9100'), or ValueError."""
    kiosk, sep, url = spec.partition("=")
    if not sep or not KIOSK.match(kiosk) or "://" not in url:
        raise ValueError(f"--kiosk-printer wants KIOSK=PRINTER_URL, got {spec!r}")
    return kiosk, url


def _die_with_parent():
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def start_direct_agents(app, kiosk_printers, server_url, paper="80mm", mode="raster"):
    """Start one print agent process per (kiosk, printer URL); returns the processes."""
    runtime = app.extensions["qms.runtime"]
    store, site_id = runtime.store, runtime.site.id
    processes = []
    for kiosk, printer_url in kiosk_printers:
        # One agent per kiosk: tokens of an earlier start (or of a kiosk PC) are revoked.
        store.remove_devices(site_id, kiosk)
        token = auth.issue_device_token(store, site_id, kiosk, clock.now())
        journal = os.path.join(app.instance_path, f"print-journal-{kiosk}.jsonl")
        command = [sys.executable, "-m", "server.cli", "kiosk-agent", "--server", server_url,
                   "--printer", printer_url, "--paper", paper, "--mode", mode,
                   "--journal", journal]
        env = dict(os.environ, QMS_DEVICE_TOKEN=token)  # not on the command line, not in `ps`
        processes.append(subprocess.Popen(command, env=env, preexec_fn=_die_with_parent))
    return processes
