"""What one durable commit costs: the store's append (SQLite WAL, synchronous=FULL) with the
WAL growing (a fresh file, as every store had until its first checkpoint) and with the WAL
made full size first (`SqlStore.presize_wal`, what `qms serve` does since issue 15).

    python bench/commit_fsync.py --commits 600 --rounds 3

Both stores live in one folder on the same disk and take turns commit by commit (the order
alternating), so the load of the box falls on both alike. Each commit is one call's event.
"""
import argparse
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

from server.store.sql import SqlStore  # noqa: E402


def _store(path, presize):
    store = SqlStore(f"sqlite:///{path}", site_id="bench")
    if presize:
        store.presize_wal()
    seq = [0]

    def commit():
        seq[0] += 1
        event = {"seq": seq[0], "type": "ticket_called", "at": time.time(), "ticket_id": seq[0],
                 "counter": 1, "officer": "canbo"}
        started = time.perf_counter()
        store.append("bench", [event])
        return time.perf_counter() - started
    return store, commit


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--commits", type=int, default=600)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--dir", default=None, help="folder for the stores (default: a temp folder)")
    args = ap.parse_args(argv)
    times = {"growing": [], "full size": []}
    with tempfile.TemporaryDirectory(prefix="qms-commit-", dir=args.dir) as folder:
        for rnd in range(args.rounds):
            growing, commit_growing = _store(os.path.join(folder, f"g{rnd}.sqlite3"), False)
            full, commit_full = _store(os.path.join(folder, f"f{rnd}.sqlite3"), True)
            for i in range(args.commits):
                if i % 2:
                    times["growing"].append(commit_growing())
                    times["full size"].append(commit_full())
                else:
                    times["full size"].append(commit_full())
                    times["growing"].append(commit_growing())
            growing.close()
            full.close()
    rows = [[name, len(xs), common.ms(common.percentile(xs, 50)),
             common.ms(common.percentile(xs, 90)), common.ms(common.percentile(xs, 99))]
            for name, xs in times.items()]
    common.table(["WAL", "commits", "p50 ms", "p90 ms", "p99 ms"], rows)
    print(f"load average {os.getloadavg()}")
    common.write_results("commit_fsync", {"args": vars(args), "rows": rows,
                                          "loadavg_end": os.getloadavg()})


if __name__ == "__main__":
    main()
