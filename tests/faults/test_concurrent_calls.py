"""Many counters press "call next" at the same instant: every ticket goes to exactly one counter.

Counter threads wait on a barrier and then all press call-next together, round after round,
completing what they called, until the queue is empty. Two set-ups:

- `threads`: one server process, five counters (one officer session each);
- `processes`: three server processes on one SQLite file (the store's per-site sequence
  key is what keeps them apart: a writer that decided on an old state gets a conflict,
  catches up and decides again), counters spread over the processes.

Then: no two successful calls returned the same ticket, every ticket taken was called exactly
once, and the public state of every process agrees on the final seq.
"""
import collections
import threading

import pytest
import requests

from faultkit import TIMEOUT, get_state, new_request_id
from support.server_process import Officer, ServerProcess, kiosk_headers

# Demo site: counters 1-3 take CCCD, 2-4 VNEID, 3-4 PICKUP, 1 and 4 CORRECT, 5 VEHICLE.
MIX = ("CCCD", "VNEID", "PICKUP", "CORRECT", "CCCD", "VNEID", "VEHICLE")


def _press_together(officers, rounds_limit=200):
    """officers: {counter: Officer}. Returns [(counter, ticket_id, seq)] of successful calls."""
    barrier = threading.Barrier(len(officers))
    lock = threading.Lock()
    calls, problems = [], []
    empty_rounds = collections.Counter()
    done = threading.Event()

    def counter_loop(counter, officer):
        for _ in range(rounds_limit):
            try:
                barrier.wait(timeout=30)
            except threading.BrokenBarrierError:
                return
            if done.is_set():
                return
            answer = officer.post(f"/api/counters/{counter}/call-next")
            if answer.status_code == 200:
                result = answer.json()
                with lock:
                    calls.append((counter, result["ticket"]["id"], result["seq"]))
                finished = officer.post(f"/api/tickets/{result['ticket']['id']}/complete",
                                        json={"outcome": "accepted"})
                if finished.status_code != 200:
                    with lock:
                        problems.append(("complete", finished.status_code, finished.text))
            elif answer.status_code == 409 and answer.json()["error"]["code"] == "nobody_waiting":
                with lock:
                    empty_rounds[counter] += 1
            else:
                with lock:
                    problems.append(("call", answer.status_code, answer.text))
            # The round is over once every counter found its queue empty in the same round.
            try:
                index = barrier.wait(timeout=30)
            except threading.BrokenBarrierError:
                return
            if index == 0:
                with lock:
                    if all(empty_rounds[c] > 0 for c in officers):
                        done.set()
                    empty_rounds.clear()

    threads = [threading.Thread(target=counter_loop, args=(c, o), daemon=True)
               for c, o in officers.items()]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "counters did not finish"
    assert not problems, problems[:5]
    return calls


def _take(urls, count):
    issued = []
    for i in range(count):
        answer = requests.post(urls[i % len(urls)] + "/api/tickets", timeout=TIMEOUT, json={
            "service": MIX[i % len(MIX)], "request_id": new_request_id()},
            headers=kiosk_headers(urls[0]))
        assert answer.status_code == 201, answer.text
        issued.append(answer.json()["ticket"])
    return issued


def _check(calls, issued, urls):
    called = [ticket_id for _, ticket_id, _ in calls]
    duplicates = [t for t, n in collections.Counter(called).items() if n > 1]
    assert not duplicates, f"tickets called by two counters: {duplicates}"
    assert sorted(called) == sorted(t["id"] for t in issued)
    seqs = [seq for _, _, seq in calls]
    assert len(seqs) == len(set(seqs)), "two calls share a seq"
    finals = {get_state(url)["seq"] for url in urls}
    assert len(finals) == 1, finals
    for url in urls:
        assert all(s["waiting"] == 0 for s in get_state(url)["services"])


@pytest.mark.slow
def test_counters_calling_at_once_in_one_process(server):
    officers = {}
    for counter in (1, 2, 3, 4, 5):
        officers[counter] = Officer(server.url)
        assert officers[counter].post(f"/api/counters/{counter}/open").status_code == 200
    issued = _take([server.url], 60)
    calls = _press_together(officers)
    _check(calls, issued, [server.url])


@pytest.mark.slow
def test_counters_calling_at_once_across_processes(tmp_path):
    store = "sqlite:///" + str(tmp_path / "shared.sqlite3")
    servers = []
    try:
        # One at a time, so the demo seeding (officers, today's day) happens once.
        for i in range(3):
            servers.append(ServerProcess(tmp_path / f"instance{i}", store=store).start())
        urls = [s.url for s in servers]
        officers = {}
        for counter in (1, 2, 3, 4, 5):
            officers[counter] = Officer(urls[counter % len(urls)])
            answer = officers[counter].post(f"/api/counters/{counter}/open")
            assert answer.status_code == 200, answer.text
        issued = _take(urls, 60)
        calls = _press_together(officers)
        _check(calls, issued, urls)
        # Each process served some of the calls: they really raced on one file.
        served = collections.Counter(counter % len(urls) for counter, _, _ in calls)
        assert len(served) == len(urls), served
    finally:
        for s in servers:
            s.stop()
