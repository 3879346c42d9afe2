"""A real site server in a subprocess, for integration, browser, fault and bench runs.

The test process itself is never monkey-patched: the server runs as `python -m server.cli
serve` (eventlet by default) on a free port, with its own instance folder, and is killed at
the end (or with SIGKILL on purpose by crash tests).
"""
import os
import signal
import socket
import subprocess
import sys
import time

import requests

from .inprocess import post, session

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerProcess:
    def __init__(self, instance, port=None, async_mode="eventlet", site=None, store=None,
                 demo=True, env=None, extra_args=()):
        self.instance = str(instance)
        self.port = port or free_port()
        self.async_mode = async_mode
        self.site = site
        self.store = store
        self.demo = demo
        self.env = env or {}
        self.extra_args = list(extra_args)
        self.proc = None
        self.log_path = os.path.join(self.instance, f"server-{self.port}.log")

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def command(self):
        cmd = [sys.executable, "-m", "server.cli", "serve", "--port", str(self.port),
               "--instance", self.instance, "--async-mode", self.async_mode]
        if self.demo:
            cmd.append("--demo")
        if self.site or not self.demo:
            # Outside --demo a command names its site: the demo's file, unless told.
            cmd += ["--site", str(self.site or os.path.join(ROOT, "server", "sites", "demo.toml"))]
        if self.store:
            cmd += ["--store", self.store]
        return cmd + self.extra_args

    def start(self, timeout=60):
        # Generous: on a loaded 2-core CI box a start (imports, migrations) can pass 20 s;
        # the bound only decides how long a server that never comes up is waited for.
        os.makedirs(self.instance, exist_ok=True)
        env = dict(os.environ, PYTHONUNBUFFERED="1", **self.env)
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(self.command(), cwd=ROOT, env=env, stdout=self._log,
                                     stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}:\n{self.log()}")
            try:
                if requests.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"server did not answer within {timeout}s:\n{self.log()}")

    def log(self):
        try:
            with open(self.log_path, errors="replace") as fh:
                return fh.read()[-5000:]
        except OSError:
            return ""

    def kill9(self):
        """Crash the server: no shutdown, no flush, as a power cut would."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)
        self._log.close()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        if hasattr(self, "_log") and not self._log.closed:
            self._log.close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


class Officer:
    """An officer's HTTP session: signs in, keeps the CSRF token, acts."""

    def __init__(self, base_url, username="canbo", password="canbo123"):
        self.base_url = base_url
        self.http = session(base_url)
        answer = self.http.post(base_url + "/api/login",
                                json={"username": username, "password": password}, timeout=10)
        answer.raise_for_status()
        self.csrf = answer.json()["csrf_token"]

    def post(self, path, json=None):
        return self.http.post(self.base_url + path, json=json, timeout=10,
                              headers={"X-CSRF-Token": self.csrf})

    def cookie_header(self):
        return "; ".join(f"{k}={v}" for k, v in self.http.cookies.items())


def take_ticket(base_url, service="CCCD", priority=None, request_id=None, **extra):
    import uuid
    body = {"service": service, "priority": priority,
            "request_id": request_id or uuid.uuid4().hex, **extra}
    return post(base_url + "/api/tickets", json=body, timeout=10)


def issue_device_token(base_url, kiosk="K1"):
    """A print agent's device token for `kiosk`, issued by the demo admin."""
    admin = Officer(base_url, "admin", "admin123")
    answer = admin.post("/api/devices", json={"kiosk": kiosk})
    assert answer.status_code == 201, answer.text
    return answer.json()["token"]
