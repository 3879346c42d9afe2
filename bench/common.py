"""Shared helpers for the benchmarks: paths, limits, percentiles, tables, results files.

Benchmarks are run on demand (never in the test suite). Every server is a real subprocess
(tests/support/server_process.py), every client talks only to 127.0.0.1.
"""
import json
import math
import os
import platform
import resource
import subprocess
import sys
import time

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)
RESULTS = os.path.join(BENCH, "results")

for _p in (ROOT, os.path.join(ROOT, "tests")):
    if _p not in sys.path:
        sys.path.insert(0, _p)

from support.server_process import (Officer, ServerProcess, free_port,  # noqa: E402,F401
                                    kiosk_headers)


def raise_nofile(want=65536):
    """Raise this process's open-file limit (children inherit it): 2000 sockets need it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else want
    target = min(max(soft, want), target) if hard != resource.RLIM_INFINITY else want
    if target > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)


def stop(proc, log=None):
    """End a server process: SIGTERM, SIGKILL after 10 s; close its log."""
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    if log is not None:
        log.close()


def percentile(values, q):
    """Nearest-rank percentile (q in 0..100) of a list of numbers; None if empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100.0 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def ms(seconds):
    return None if seconds is None else round(seconds * 1000.0, 2)


def rss_kb(pid):
    """Resident set size of a process in kB, from /proc/PID/status (VmRSS)."""
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def machine():
    info = {"python": platform.python_version(), "cpus": os.cpu_count(),
            "platform": platform.platform()}
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    info["cpu"] = line.split(":", 1)[1].strip()
                    break
        with open("/proc/meminfo") as fh:
            info["mem_total_kb"] = int(fh.readline().split()[1])
    except OSError:
        pass
    return info


def git_head():
    try:
        return subprocess.check_output(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"],
                                       text=True, stderr=subprocess.DEVNULL).strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def write_results(name, data):
    os.makedirs(RESULTS, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    data = dict(data, benchmark=name, when=stamp, machine=machine(), git=git_head())
    path = os.path.join(RESULTS, f"{name}-{stamp}.json")
    with open(path, "w") as fh:
        json.dump(data, fh, indent=2, ensure_ascii=False)
    latest = os.path.join(RESULTS, f"{name}-latest.json")
    with open(latest, "w") as fh:
        json.dump(data, fh, indent=2, ensure_ascii=False)
    print(f"\nresults: {os.path.relpath(path, ROOT)}")
    return path


def table(headers, rows):
    """Print a plain text table."""
    cells = [[("" if v is None else str(v)) for v in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h)
              for i, h in enumerate(headers)]
    line = "  ".join(h.rjust(w) for h, w in zip(headers, widths))
    print(line)
    print("-" * len(line))
    for r in cells:
        print("  ".join(v.rjust(w) for v, w in zip(r, widths)))


def server(instance, server_root=None, env=None, **kwargs):
    """A ServerProcess, optionally run from another checkout (to measure a proposed patch)."""
    proc = ServerProcess(instance, env=env, **kwargs)
    if server_root:
        import support.server_process as sp
        root = os.path.abspath(server_root)
        original = sp.ROOT

        def start(timeout=30, _start=proc.start):
            sp.ROOT = root
            try:
                return _start(timeout=timeout)
            finally:
                sp.ROOT = original
        proc.start = start
    return proc
