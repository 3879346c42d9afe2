"""Real processes for hub tests: `qms hub` servers, `qms sync` agents, a site file with [hub]."""
import os
import signal
import subprocess
import sys

import sqlalchemy as sa

from support import inprocess
from support.hub_process import HubProcess  # noqa: F401 (the tests import it from here)
from support.server_process import ROOT

DEMO = os.path.join(ROOT, "server", "sites", "demo.toml")


def qms(*args, check=True, input_text=None):
    """Run a `qms` command to its end, in this process (click's CliRunner: the hub's and
    sites' own processes are started by HubProcess/ServerProcess/SyncProcess; a command that
    writes to the store is not worth an interpreter and the imports, ~1 CPU-s); what it did,
    as subprocess.run says it (returncode, stdout, stderr)."""
    done = inprocess.qms(*args, input=input_text)
    if check and done.returncode != 0:
        raise AssertionError(f"qms {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done


def add_site(hub_db, site_id, district="Quận 1"):
    """Register a site on the hub; its key (printed once)."""
    return qms("hub", "--store", hub_db, "add-site", site_id, "--name", f"Điểm {site_id}",
               "--district", district).stdout.strip()


def site_file(folder, site_id, hub_url=None, key=None):
    """The demo site under `site_id`, with a [hub] table when given a hub."""
    with open(DEMO, encoding="utf-8") as fh:
        text = fh.read().replace('id = "demo-ben-nghe"', f'id = "{site_id}"')
    if hub_url:
        text += f'\n[hub]\nurl = "{hub_url}"\nkey = "{key}"\n'
    path = folder / f"{site_id}.toml"
    path.write_text(text, encoding="utf-8")
    return path


class SyncProcess:
    """`qms sync` for a site, fast to retry so tests do not wait out real backoffs."""

    def __init__(self, site, instance, log_path, *extra):
        self.cmd = [sys.executable, "-m", "server.cli", "sync", "--site", str(site),
                    "--instance", str(instance), "--poll", "0.1", "--idle", "2",
                    "--max-backoff", "1", *extra]
        self.log_path = log_path
        self.proc = None

    def start(self):
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(self.cmd, cwd=ROOT, stdout=self._log,
                                     stderr=subprocess.STDOUT,
                                     env=dict(os.environ, PYTHONUNBUFFERED="1"))
        return self

    def log(self):
        with open(self.log_path, errors="replace") as fh:
            return fh.read()[-4000:]

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def hub_log(hub_db, site_id):
    """[(seq, type, body)] of a site on the hub, and how many rows (duplicates would show).
    One snapshot for both reads: at READ COMMITTED a batch committed between them gave an
    acknowledged seq with none of its rows (a test once failed on that, not the hub)."""
    engine = sa.create_engine(hub_db, isolation_level="REPEATABLE READ")
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT seq, type, body FROM hub_events WHERE site_id = :s "
                                    "ORDER BY seq"), {"s": site_id}).all()
        acked = conn.execute(sa.text("SELECT last_seq FROM hub_sites WHERE site_id = :s"),
                             {"s": site_id}).scalar()
    engine.dispose()
    return [tuple(r) for r in rows], acked


def site_log(instance, site_id):
    """[(seq, type)] of the site's own SQLite store."""
    engine = sa.create_engine(f"sqlite:///{instance}/qms.sqlite3")
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT seq, type, body FROM events WHERE site_id = :s "
                                    "ORDER BY seq"), {"s": site_id}).all()
    engine.dispose()
    return [tuple(r) for r in rows]


class Dashboard:
    """A signed-in hub user's live connection (Socket.IO over WebSocket), recording every
    `site_changed` it hears; it reconnects by itself when its hub process dies."""

    def __init__(self, url, username, password):
        import threading

        import requests
        import socketio
        http = requests.Session()
        answer = http.post(url + "/api/hub/login",
                           json={"username": username, "password": password}, timeout=10)
        assert answer.status_code == 200, answer.text
        cookie = "; ".join(f"{k}={v}" for k, v in http.cookies.items())
        self.heard, self.lock = [], threading.Lock()
        self.client = socketio.Client(reconnection=True, reconnection_delay=0.2,
                                      reconnection_delay_max=1)
        self.client.on("site_changed", self._heard)
        self.client.connect(url, headers={"Cookie": cookie}, transports=["websocket"],
                            wait_timeout=10)
        self.process = self.client.call("whoami", timeout=10)["process"]

    def _heard(self, data):
        with self.lock:
            self.heard.append(data)

    def last_seq(self, site_id):
        with self.lock:
            return max([d["last_seq"] for d in self.heard if d["site_id"] == site_id], default=0)

    def close(self):
        self.client.disconnect()
