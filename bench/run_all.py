"""Run every server benchmark of issue 5, one after the other.

    python bench/run_all.py            # full set (150 calls per N), 15-20 minutes on 2 cores
    python bench/run_all.py --quick    # N=50,200,1000, 100 calls, 600 tickets: 5-8 minutes

Each benchmark prints its table and writes bench/results/<name>-<time>.json (and
<name>-latest.json). Pass --server-root DIR to measure a patched checkout of the server.
The machine's load average is recorded before and after each: the clients and the server
share the same cores, and any other work on the box shows up in the figures.
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import call_to_display  # noqa: E402
import issuance  # noqa: E402
import memory  # noqa: E402
import push_size  # noqa: E402
import startup  # noqa: E402

BENCHMARKS = (("push_size", push_size), ("startup", startup), ("issuance", issuance),
              ("memory", memory), ("call_to_display", call_to_display))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--server-root", default=None)
    ap.add_argument("--only", default="", help="comma-separated subset, e.g. issuance,memory")
    args = ap.parse_args()
    only = {x for x in args.only.split(",") if x}
    for name, module in BENCHMARKS:
        if only and name not in only:
            continue
        argv = (["--quick"] if args.quick else []) + (
            ["--server-root", args.server_root] if args.server_root else [])
        if name == "call_to_display" and not args.quick:
            argv += ["--calls", "150"]  # keeps the full set near 15-20 minutes on 2 cores
        print(f"\n=== {name} (load average {os.getloadavg()}) ===", flush=True)
        t0 = time.monotonic()
        module.main(argv)
        print(f"=== {name}: {time.monotonic() - t0:.0f} s, load average {os.getloadavg()} ===",
              flush=True)


if __name__ == "__main__":
    main()
