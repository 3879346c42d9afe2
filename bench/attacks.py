"""The attacks of issue 9, measured: how the site answers while a device on its LAN attacks it.

    python bench/attacks.py                      # this checkout
    python bench/attacks.py --root /tmp/before   # another checkout (e.g. `git archive` of an
                                                 # older commit), for before/after figures

Each phase starts a fresh demo server from ROOT (`python -m server.cli serve --demo`), attacks
it from loopback addresses 127.0.0.x only, with bounded counts, and samples GET /healthz from
127.0.0.1 meanwhile (median and p99 in ms; a request that fails or takes over 5 s counts as
"failed"). Figures go to docs/security.md.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid

import requests

BENCH = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(BENCH), "tests", "security"))
sys.path.insert(0, os.path.join(os.path.dirname(BENCH), "tests"))

from attack_kit import client_from, half_sent, loopback  # noqa: E402
from support.server_process import free_port  # noqa: E402


class Server:
    def __init__(self, root, extra=()):
        self.root = root
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.instance = tempfile.mkdtemp(prefix="qms-attack-")
        env = dict(os.environ, PYTHONPATH=root, PYTHONUNBUFFERED="1")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "server.cli", "serve", "--demo", "--port", str(self.port),
             "--instance", self.instance, *extra], cwd=root, env=env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if requests.get(self.url + "/healthz", timeout=1).ok:
                    return
            except requests.RequestException:
                time.sleep(0.2)
        raise RuntimeError("server did not start")

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        shutil.rmtree(self.instance, ignore_errors=True)


def health_samples(url, count=10, pause=0.25):
    times, failed = [], 0
    for _ in range(count):
        start = time.perf_counter()
        try:
            requests.get(url + "/healthz", timeout=5).raise_for_status()
            times.append((time.perf_counter() - start) * 1000)
        except requests.RequestException:
            failed += 1
        time.sleep(pause)
    times.sort()
    pick = lambda q: round(times[min(len(times) - 1, int(q * len(times)))], 1) if times else None
    return {"healthz_median_ms": pick(0.5), "healthz_p99_ms": pick(0.99), "healthz_failed": failed,
            "healthz_samples": count}


def slowloris(root, connections):
    server = Server(root)
    try:
        held = []
        for i in range(connections):
            try:
                held.append(half_sent(server.port, loopback(i % 50)))
            except OSError:
                pass
        figures = health_samples(server.url)
        figures.update(half_sent_opened=len(held), half_sent_asked=connections)
        for sock in held:
            sock.close()
        return figures
    finally:
        server.stop()


def login_flood(root, clients=8, seconds=8):
    server = Server(root)
    try:
        stop, counts = threading.Event(), {"answers": 0, "401": 0, "429": 0, "423": 0}
        lock = threading.Lock()

        def guesser(index):
            http = client_from(loopback(index))
            n = 0
            while not stop.is_set():
                n += 1
                try:
                    answer = http.post(server.url + "/api/login", timeout=10, json={
                        "username": "admin", "password": f"guess-{index}-{n}"})
                except requests.RequestException:
                    continue
                with lock:
                    counts["answers"] += 1
                    key = str(answer.status_code)
                    counts[key] = counts.get(key, 0) + 1
        threads = [threading.Thread(target=guesser, args=(i,), daemon=True) for i in range(clients)]
        started = time.monotonic()
        for t in threads:
            t.start()
        figures = health_samples(server.url, count=int(seconds * 2))
        stop.set()
        for t in threads:
            t.join(15)
        elapsed = time.monotonic() - started
        figures.update(guesses_checked_per_s=round(counts["401"] / elapsed, 1),
                       answers_per_s=round(counts["answers"] / elapsed, 1), counts=counts)
        return figures
    finally:
        server.stop()


def exhaustion(root, addresses=50, per_address=10):
    server = Server(root)
    try:
        taken, started = 0, time.monotonic()
        for i in range(addresses):
            http = client_from(loopback(i))
            for _ in range(per_address):
                answer = http.post(server.url + "/api/tickets", timeout=10, json={
                    "service": "CCCD", "request_id": uuid.uuid4().hex})
                taken += answer.status_code == 201
        return {"numbers_taken_anonymously": taken, "attempts": addresses * per_address,
                "addresses": addresses, "seconds": round(time.monotonic() - started, 2)}
    finally:
        server.stop()


def walk(root, count=95):
    server = Server(root)
    try:
        token = None
        admin = requests.Session()
        login = admin.post(server.url + "/api/login", timeout=10,
                           json={"username": "admin", "password": "admin123"})
        device = admin.post(server.url + "/api/devices", json={"kiosk": "K0"}, timeout=10,
                            headers={"X-CSRF-Token": login.json()["csrf_token"]})
        token = device.json().get("token")
        for i in range(count):
            requests.post(server.url + "/api/tickets", timeout=10,
                          headers={"X-Kiosk-Token": token} if token else {},
                          json={"service": "CCCD", "request_id": uuid.uuid4().hex,
                                "priority": "elderly" if i % 3 == 0 else None})
        started, readable = time.monotonic(), 0
        for ticket_id in range(1, count + 5):
            answer = requests.get(f"{server.url}/api/tickets/{ticket_id}", timeout=10)
            readable += answer.status_code == 200
        return {"tickets_read_by_id": readable, "tried": count + 4,
                "seconds": round(time.monotonic() - started, 2)}
    finally:
        server.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", default=os.path.dirname(BENCH))
    parser.add_argument("--slowloris", type=int, default=4200)
    parser.add_argument("--only", nargs="*", default=["idle", "slowloris", "login", "exhaustion",
                                                      "walk"])
    args = parser.parse_args()
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    print(json.dumps({"root": args.root}), flush=True)

    def idle(root):
        server = Server(root)
        try:
            return health_samples(server.url)
        finally:
            server.stop()
    phases = {"idle": idle, "slowloris": lambda root: slowloris(root, args.slowloris),
              "login": login_flood, "exhaustion": exhaustion, "walk": walk}
    for name in args.only:  # one line per phase, as soon as it is measured
        print(json.dumps({name: phases[name](args.root)}), flush=True)


if __name__ == "__main__":
    main()
