"""Helpers shared by the fault tests: a cuttable TCP proxy, a display client that keeps the
page's bookkeeping, ways to make the store unwritable for real, and small HTTP helpers.

Everything here drives the real server (tests/support/server_process.py) from the outside:
no mocks, no monkey-patching of the server.
"""
import os
import shutil
import socket
import subprocess
import threading
import uuid

import requests
import socketio

from support.waiting import wait_until  # noqa: F401 (the fault tests import it from here)

TIMEOUT = 10


def new_request_id():
    return uuid.uuid4().hex


def get_state(base_url):
    answer = requests.get(base_url + "/api/state", timeout=TIMEOUT)
    assert answer.status_code == 200, answer.text
    return answer.json()


def get_ticket(base_url, ticket_id):
    from support.server_process import officer_get_ticket
    return officer_get_ticket(base_url, ticket_id)


def label_number(label):
    """'A007' -> ('A', 7)."""
    return label[0], int(label[1:])


# -- a TCP proxy whose connections can be cut, as a Wi-Fi drop or a pulled cable would ----
class CuttableProxy:
    """Forwards 127.0.0.1:<port> to the server. `cut()` drops every open connection and
    refuses new ones (accept, then close at once) until `restore()`."""

    def __init__(self, upstream_port):
        self.upstream_port = upstream_port
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        self.up = True
        self.closed = False
        self._lock = threading.Lock()
        self._pairs = []
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def _accept(self):
        while not self.closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if not self.up:
                client.close()
                continue
            try:
                server = socket.create_connection(("127.0.0.1", self.upstream_port), timeout=5)
                server.settimeout(None)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._pairs.append((client, server))
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(src, dst):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def cut(self):
        self.up = False
        with self._lock:
            pairs, self._pairs = self._pairs, []
        for pair in pairs:
            for s in pair:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()

    def restore(self):
        self.up = True

    def close(self):
        self.closed = True
        self.cut()
        self.listener.close()


# -- a display, keeping the bookkeeping the wall display page relies on -----------------
class DisplayClient:
    """A python-socketio client that behaves like the display page:

    - on every (re)connect it sends `join` {role: display} and takes the answer's state;
    - it remembers `last_seen`, the highest call `seq` it has announced;
    - a call in `recent_calls` is new (announced) only if its `seq` > last_seen.
    """

    def __init__(self, url):
        self.url = url
        self.sio = socketio.Client(reconnection=True, reconnection_delay=0.2,
                                   reconnection_delay_max=0.5, randomization_factor=0.0)
        self.lock = threading.Lock()
        self.states = []          # every state received, in order
        self.announced = []       # (seq, number, counter) in announcement order
        self.last_seen = 0        # highest call seq announced so far
        self.last_state_seq = 0   # highest state seq received
        self.connects = 0
        self.join_answers = []
        self.problems = []        # contract violations seen on the way
        self.sio.on("connect", self._on_connect)
        self.sio.on("state", self._on_state)

    def _on_connect(self):
        self.connects += 1
        # Emit from a worker thread: an ack cannot be awaited inside the connect handler.
        threading.Thread(target=self._join, daemon=True).start()

    def _join(self):
        try:
            answer = self.sio.call("join", {"role": "display"}, timeout=TIMEOUT)
        except Exception as exc:  # the link may drop again: the next connect retries
            answer = {"ok": False, "client_error": repr(exc)}
        with self.lock:
            self.join_answers.append(answer)

    def _on_state(self, view):
        with self.lock:
            self.states.append(view)
            seq = view.get("seq")
            if not isinstance(seq, int):
                self.problems.append(f"state without integer seq: {view!r:.200}")
                return
            calls = view.get("recent_calls")
            if not isinstance(calls, list):
                self.problems.append("state without recent_calls list")
                return
            for call in calls:
                if not isinstance(call.get("seq"), int) or call["seq"] > seq:
                    self.problems.append(f"call entry with bad seq: {call!r}")
            # Pushes may overtake each other a little; the page ignores an older view.
            if seq < self.last_state_seq:
                return
            self.last_state_seq = seq
            new = sorted((c for c in calls if c["seq"] > self.last_seen), key=lambda c: c["seq"])
            for call in new:
                self.announced.append((call["seq"], call["number"], call["counter"]))
            if new:
                self.last_seen = new[-1]["seq"]

    def connect(self):
        self.sio.connect(self.url, transports=["websocket"], wait_timeout=TIMEOUT)
        wait_until(lambda: self.join_answers and self.states, message="display joined")
        return self

    def close(self):
        try:
            self.sio.disconnect()
        except Exception:
            pass


# -- making the store unwritable, for real --------------------------------------------------
def can_chattr(directory):
    """`chattr +i` works here (root with CAP_LINUX_IMMUTABLE on a filesystem that has it)."""
    if not shutil.which("chattr"):
        return False
    probe = os.path.join(directory, ".chattr-probe")
    open(probe, "w").close()
    try:
        ok = subprocess.run(["chattr", "+i", probe], capture_output=True).returncode == 0
        if ok:
            subprocess.run(["chattr", "-i", probe], check=True)
        return ok
    finally:
        os.unlink(probe)


def set_immutable(paths, on):
    """chattr +i refuses writes even to root, and even through descriptors already open."""
    subprocess.run(["chattr", "+i" if on else "-i", *paths], check=True, capture_output=True)


def mount_small_tmpfs(directory, size="4m"):
    """A tiny filesystem for the store, so that 'disk full' is a real ENOSPC.
    Returns False where mounting is not permitted (not root, no CAP_SYS_ADMIN)."""
    os.makedirs(directory, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", directory],
                          capture_output=True)
    return done.returncode == 0


def unmount(directory):
    subprocess.run(["umount", "-l", directory], capture_output=True)


def fill_filesystem(path):
    """Write zeros to `path` until the filesystem says ENOSPC."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    chunk = b"\0" * 65536
    try:
        while True:
            os.write(fd, chunk)
    except OSError:
        pass
    try:  # top up the last partial block
        while True:
            os.write(fd, b"\0" * 512)
    except OSError:
        pass
    os.close(fd)
