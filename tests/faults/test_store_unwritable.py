"""The database becomes unwritable: 503 with a clear message, nothing half-written, recovery.

Two real faults, no mocks (the suite runs as root, which ignores file permissions, so
`chmod` would prove nothing):

- `read_only`: `chattr +i` on the SQLite file, its WAL and its folder. The immutable flag
  refuses writes even to root and even through descriptors the server already holds open.
  (The `-shm` index stays writable: SQLite maps it into memory, and an immutable mapping
  would kill the process with SIGBUS rather than fail a write.)
- `disk_full`: the store lives on a tiny tmpfs that the test fills to ENOSPC. SQLite may
  still commit a few tickets into WAL space it already owns; the test takes tickets until
  the first 503, and every one answered 201 counts as acknowledged.

While the store is unwritable: taking a ticket and officer actions (HTTP and Socket.IO) are
refused with 503 / `store_unavailable` and a Vietnamese and English message, reads still
answer, and the state does not move. When the store is writable again the server recovers
by itself, and after a kill -9 and restart the log holds every acknowledged ticket and nothing
else: per service the numbers are exactly 1..N, with no gap and no partial ticket.
"""
import os

import pytest
import requests
import socketio

from faultkit import (TIMEOUT, can_chattr, fill_filesystem, get_state, get_ticket,
                      label_number, mount_small_tmpfs, new_request_id, set_immutable, unmount)
from support.server_process import Officer, ServerProcess, kiosk_headers

# The whole file takes long (real processes): handed out first (tests/conftest.py).
pytestmark = pytest.mark.slow


def _ticket(base_url, request_id=None, service="CCCD"):
    return requests.post(base_url + "/api/tickets", timeout=TIMEOUT,
                         json={"service": service, "request_id": request_id or new_request_id()},
                         headers=kiosk_headers(base_url))


def _assert_unavailable(answer):
    assert answer.status_code == 503, answer.text
    error = answer.json()["error"]
    assert error["code"] == "store_unavailable"
    assert "không ghi được" in error["message"]  # Vietnamese first
    assert error["message_en"]


def _all_tickets(base_url, last_seq):
    """Every ticket of today, found by id (a ticket's id is the seq of its creating event)."""
    found = {}
    for ticket_id in range(1, last_seq + 1):
        answer = get_ticket(base_url, ticket_id)
        if answer.status_code == 200:
            found[ticket_id] = answer.json()["ticket"]
        else:
            assert answer.status_code == 404, answer.text
    return found


@pytest.fixture(params=["read_only", "disk_full"])
def fault(request, tmp_path):
    store_dir = str(tmp_path / "store")
    os.makedirs(store_dir, exist_ok=True)
    db = os.path.join(store_dir, "qms.sqlite3")
    if request.param == "read_only":
        if not can_chattr(store_dir):
            pytest.skip("chattr +i is not available here (needs root and CAP_LINUX_IMMUTABLE)")
        paths = [db, db + "-wal", store_dir]

        def break_it():
            set_immutable(paths, True)

        def mend_it():
            set_immutable(paths, False)

        yield request.param, store_dir, break_it, mend_it
        set_immutable(paths, False)
    else:
        if not mount_small_tmpfs(store_dir, size="4m"):
            pytest.skip("cannot mount a tmpfs here (needs root / CAP_SYS_ADMIN)")
        filler = os.path.join(store_dir, "filler")

        def break_it():
            fill_filesystem(filler)

        def mend_it():
            os.unlink(filler)

        try:
            yield request.param, store_dir, break_it, mend_it
        finally:
            unmount(store_dir)


def _what_moves(state):
    """The parts of the public state a write would change; the rest (the issuing countdown,
    the waits read at the reader's clock) moves with time alone."""
    return (state["seq"], [(s["code"], s["waiting"]) for s in state["services"]],
            state["counters"], state["recent_calls"])


def test_unwritable_store_answers_503_and_recovers(tmp_path, fault):
    kind, store_dir, break_it, mend_it = fault
    store = "sqlite:///" + os.path.join(store_dir, "qms.sqlite3")
    instance = tmp_path / "instance"
    server = ServerProcess(instance, store=store).start()
    sio = socketio.Client(reconnection=False)
    try:
        acked = [_ticket(server.url).json()["ticket"] for _ in range(3)]
        officer = Officer(server.url)
        assert officer.post("/api/counters/1/open").status_code == 200
        call = officer.post("/api/counters/1/call-next")
        assert call.status_code == 200
        assert officer.post(f"/api/tickets/{call.json()['ticket']['id']}/complete",
                            json={"outcome": "accepted"}).status_code == 200
        sio.connect(server.url, headers={"Cookie": officer.cookie_header()},
                    transports=["websocket"], wait_timeout=TIMEOUT)
        # The officer session that reads tickets by id signs in now: a sign-in is a write
        # (sessions live in the store), refused with 503 while the store is unwritable.
        assert get_ticket(server.url, acked[0]["id"]).status_code == 200

        break_it()
        failed = _ticket(server.url)
        for _ in range(2000):  # disk full: WAL space already owned may take a few more
            if failed.status_code != 201:
                break
            acked.append(failed.json()["ticket"])
            failed = _ticket(server.url)
        _assert_unavailable(failed)
        failed_request_id = failed.request.body and \
            requests.models.complexjson.loads(failed.request.body)["request_id"]

        # While unwritable: writes refused with the reason, every time; nothing moves.
        frozen = get_state(server.url)
        for _ in range(3):
            _assert_unavailable(_ticket(server.url))
        _assert_unavailable(_ticket(server.url, request_id=failed_request_id))
        _assert_unavailable(officer.post("/api/counters/1/call-next"))
        _assert_unavailable(officer.post("/api/counters/2/open"))
        _assert_unavailable(requests.post(server.url + "/api/login", timeout=TIMEOUT,
                                          json={"username": "canbo", "password": "canbo123"}))
        ack = sio.call("act", {"action": "call_next", "counter": 1}, timeout=TIMEOUT)
        assert ack["ok"] is False
        assert ack["error"]["code"] == "store_unavailable", ack
        assert ack["error"]["message"]
        # Reads keep working, and show nothing of the refused writes.
        health = requests.get(server.url + "/healthz", timeout=TIMEOUT)
        assert health.status_code == 200 and health.json()["ok"] is True
        assert _what_moves(get_state(server.url)) == _what_moves(frozen)
        assert get_ticket(server.url, frozen["seq"] + 1).status_code == 404

        # Writable again: the server recovers by itself, numbering continues without a gap,
        # and the request_id that was refused is free to use.
        mend_it()
        again = _ticket(server.url, request_id=failed_request_id)
        assert again.status_code == 201, again.text
        letter, last = label_number(acked[-1]["number"])
        assert label_number(again.json()["ticket"]["number"]) == (letter, last + 1)
        acked.append(again.json()["ticket"])
        call = officer.post("/api/counters/1/call-next")
        assert call.status_code == 200, call.text
        assert call.json()["seq"] > frozen["seq"]

        # Nothing half-written: after a crash, the log rebuilds exactly the acknowledged tickets.
        sio.disconnect()
        server.kill9()
        server = ServerProcess(instance, port=server.port, store=store).start()
        state = get_state(server.url)
        tickets = _all_tickets(server.url, state["seq"])
        assert sorted(tickets) == sorted(t["id"] for t in acked)
        for ticket in acked:
            assert tickets[ticket["id"]]["number"] == ticket["number"]
        numbers = sorted(label_number(t["number"])[1] for t in tickets.values())
        assert numbers == list(range(1, len(numbers) + 1))
        assert state["recent_calls"][0]["seq"] == call.json()["seq"]
    finally:
        if sio.connected:
            sio.disconnect()
        server.stop()
