"""A real site server in a subprocess, for integration, browser, fault and bench runs.

The test process itself is never monkey-patched: the server runs as `python -m server.cli
serve` (eventlet by default) on a free port, with its own instance folder, and is killed at
the end (or with SIGKILL on purpose by crash tests).
"""
import os
import random
import signal
import socket
import subprocess
import sys
import time

import requests

from .inprocess import post, session

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


# Ports for test servers come from below Linux's ephemeral range (32768-60999), where the
# kernel never hands a port to an outgoing connection, and each pytest-xdist worker takes its
# own slice of it. A port is free when asked but only bound once the server has started (a
# second or more): with bind(("", 0)) another worker, or a test's own client socket, could be
# given the same port in that window. A random start in the slice keeps concurrent runs (other
# checkouts on the same machine) apart; the bind check skips ports in use.
TEST_PORTS = range(20000, 32000)
_handed_out = set()


def _worker_slice():
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")  # "gw3" under xdist
    count = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    index = int(worker[2:]) if worker[2:].isdigit() else 0
    size = len(TEST_PORTS) // max(count, 1)
    start = TEST_PORTS.start + (index % max(count, 1)) * size
    return range(start, start + size)


def free_port():
    ports = _worker_slice()
    first = random.randrange(len(ports))
    for i in range(len(ports)):
        port = ports[(first + i) % len(ports)]
        if port in _handed_out:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        _handed_out.add(port)
        return port
    raise RuntimeError(f"no free port in {ports}")


def compile_bytecode():
    """Write the product's .pyc files once per test run. With PYTHONDONTWRITEBYTECODE set (as
    on the CI machines) no process writes them, and every server, hub and `qms` command the
    tests start compiled the ~100 modules of server/ from source again: ~0.15-0.3 CPU-s each.
    compileall writes regardless of that setting (atomically: xdist workers may race), and is
    a few stats when the files are up to date. An installed product has them from pip."""
    import compileall
    compileall.compile_dir(os.path.join(ROOT, "server"), quiet=1)


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


def take_ticket(base_url, service="CCCD", priority=None, request_id=None, anonymous=False,
                **extra):
    """A ticket as a paired kiosk takes it (its device token in X-Kiosk-Token: kiosk
    `extra["kiosk"]`, or the test kiosk "K0" that prints nothing), or as an unknown phone
    with anonymous=True."""
    import uuid
    body = {"service": service, "priority": priority,
            "request_id": request_id or uuid.uuid4().hex, **extra}
    if anonymous:
        return post(base_url + "/api/tickets", json=body, timeout=10)
    kiosk = extra.get("kiosk") or "K0"
    answer = post(base_url + "/api/tickets", json=body, timeout=10,
                  headers=kiosk_headers(base_url, kiosk))
    if answer.status_code == 403 and answer.json()["error"]["code"] == "unknown_device":
        # Another server (a fresh store) now answers at this address: pair again.
        _KIOSK_TOKENS.pop((base_url.rstrip("/"), kiosk), None)
        answer = post(base_url + "/api/tickets", json=body, timeout=10,
                      headers=kiosk_headers(base_url, kiosk))
    return answer


def kiosk_page(base_url, query="kiosk=K1"):
    """The kiosk page's setup link: the kiosk's device token in the fragment (kiosk.js keeps
    it and sends it with every ticket request)."""
    from urllib.parse import parse_qs
    kiosk = parse_qs(query).get("kiosk", ["K0"])[0]
    token = kiosk_headers(base_url, kiosk)["X-Kiosk-Token"]
    return f"{base_url}/kiosk?{query}#device_token={token}"


_KIOSK_TOKENS = {}  # (base URL, kiosk) -> device token; the store keeps them across restarts


def kiosk_headers(base_url, kiosk="K0"):
    """The headers of a paired kiosk, its device token issued once per server by the demo admin."""
    from .inprocess import _SITES
    key = (base_url.rstrip("/"), kiosk)
    if key not in _KIOSK_TOKENS:
        site = next((site for url, site in _SITES.items() if base_url.startswith(url)), None)
        if site is not None:  # in process: straight into its store, no sign-in needed
            from server import auth
            _KIOSK_TOKENS[key] = auth.issue_device_token(site.runtime.store, site.runtime.site.id,
                                                             kiosk, time.time())
        else:
            _KIOSK_TOKENS[key] = issue_device_token(base_url, kiosk)
    return {"X-Kiosk-Token": _KIOSK_TOKENS[key]}


_ADMINS = {}  # base URL -> the signed-in demo admin (a sign-in costs the server an scrypt)


def issue_device_token(base_url, kiosk="K1"):
    """A print agent's device token for `kiosk`, issued by the demo admin."""
    for attempt in range(2):
        admin = _ADMINS.get(base_url) or _ADMINS.setdefault(
            base_url, Officer(base_url, "admin", "admin123"))
        answer = admin.post("/api/devices", json={"kiosk": kiosk})
        if answer.status_code != 401:
            break
        _ADMINS.pop(base_url, None)  # a fresh store at this address: sign in again
    assert answer.status_code == 201, answer.text
    return answer.json()["token"]


_OFFICERS = {}  # base URL -> a signed-in demo officer (sessions live in the store)


def officer_get_ticket(base_url, ticket_id):
    """GET /api/tickets/<id> as an officer: ticket ids are not public (public links carry a
    token); the answer as requests gives it."""
    for attempt in range(2):
        officer = _OFFICERS.get(base_url) or _OFFICERS.setdefault(base_url, Officer(base_url))
        answer = officer.http.get(f"{base_url}/api/tickets/{ticket_id}", timeout=10)
        if answer.status_code != 401:
            return answer
        _OFFICERS.pop(base_url, None)  # a fresh store or an ended session: sign in again
    return answer
