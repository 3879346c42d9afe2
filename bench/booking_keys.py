"""What a rotated booking key costs a booking (issue 13; docs/performance.md "Booking keys").

    python bench/booking_keys.py [--bookings 300]

A booking on the hub hashes the phone and CCCD numbers with every booking key kept (the
hoarding limit must find a number's active booking whichever key it was hashed with), takes
one advisory lock per hash and asks `hash IN (...)`. This measures `BookingStore.create` (the
real code, real PostgreSQL, the hub's schema) with 1 key (never rotated), 2 and 3 keys each
still held by active bookings, in interleaved rounds on one database, and `retire_keys`.
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import ROOT, ms, percentile, table, write_results  # noqa: E402

sys.path.insert(0, os.path.join(ROOT, "tests"))


def run(bookings):
    import sqlalchemy as sa
    from support.databases import fresh_postgres

    from server.hub.booking_slots import Slot
    from server.hub.booking_store import BookingStore
    from server.hub.store import HubStore
    times = {1: [], 2: [], 3: []}
    retire = []
    with fresh_postgres("qms_bench_keys") as url:
        hub = HubStore(url)
        store = BookingStore(hub)
        now = time.time()
        start = now + 86400
        number = iter(range(10**8))
        rounds = 6  # 1, 2, 3 keys in turn, six times: a busy box's drift hits all three
        for round_ in range(rounds):
            for keys in (1, 2, 3):
                # A site per key count, rotated to that many keys (each older key kept by the
                # bookings made with it); fresh numbers every booking (none is refused).
                site = f"s{round_}k{keys}"
                hub.add_site(site, site, "Quận 1", now)
                def book():
                    n = next(number)
                    slot = Slot(start + n, start + n + 1800, 10**6, 0)
                    store.create(site, "CCCD", slot, "2026-12-02", f"09{n:08d}",
                                 f"0791{n:08d}", True, now)
                while len(store.keys()) < keys:
                    book()  # holds the newest key, which the rotation then keeps
                    store.rotate(now)
                for _ in range(bookings // rounds):
                    began = time.perf_counter()
                    book()
                    times[keys].append(time.perf_counter() - began)
                # Back to one key for the next round: every booking so far cancelled, the
                # older keys are needed by none and retired (what is timed).
                with hub.engine.begin() as conn:
                    conn.execute(sa.text("UPDATE hub_bookings SET status = 'cancelled'"))
                began = time.perf_counter()
                store.retire_keys(now)
                retire.append(time.perf_counter() - began)
        hub.close()
    rows = []
    base = percentile(times[1], 50)
    for keys, values in times.items():
        rows.append([keys, len(values), ms(percentile(values, 50)), ms(percentile(values, 99)),
                     round(percentile(values, 50) / base, 2)])
    table(["keys kept", "bookings", "create median ms", "p99 ms", "ratio to 1 key (median)"],
          rows)
    print(f"retire_keys median {ms(percentile(retire, 50))} ms, p99 {ms(percentile(retire, 99))}"
          f" ms ({len(retire)} runs)")
    write_results("booking_keys", {"rows": rows, "retire_ms": [ms(x) for x in retire]})


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bookings", type=int, default=300)
    run(parser.parse_args().bookings)
