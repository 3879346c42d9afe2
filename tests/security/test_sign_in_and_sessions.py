"""Password guessing, server-side sessions and the audit log (issue 9).

One server for the module; each test guesses from its own loopback address so their throttles
do not mix. The server's first throttle delay is shortened (QMS_SIGN_IN_BASE_DELAY) so a lockout
is reached in a few seconds; the rule is the same as in production.
"""
import threading
import time

import pytest
import requests
import socketio

from attack_kit import client_from, loopback
from server.site_file import DEMO_SITE
from support import inprocess
from support.server_process import Officer, ServerProcess

LOCK_AFTER = 6


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    env = {"QMS_SIGN_IN_BASE_DELAY": "0.2", "QMS_SIGN_IN_LOCK_FAILURES": str(LOCK_AFTER)}
    with ServerProcess(tmp_path_factory.mktemp("signin"), env=env) as proc:
        yield proc


def login(http, server, username, password):
    return http.post(server.url + "/api/login", json={"username": username, "password": password},
                     timeout=10)


def qms(server, *args):
    """A `qms` command on the server's store, from this process: another process than the
    server's, as an operator's command is (no interpreter start of its own)."""
    return inprocess.qms(*args, "--instance", server.instance, "--site", DEMO_SITE)


def test_guesses_from_one_address_are_slowed_down_without_hashing(server):
    http = client_from(loopback(10))
    answers = [login(http, server, "nobody", f"guess{i}").status_code for i in range(12)]
    assert answers[:3] == [401, 401, 401]
    # Before: 401 every time, each one an scrypt on the event loop.
    assert 429 in answers[3:]
    refused = login(http, server, "nobody", "again")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    assert refused.json()["error"]["code"] == "sign_in_throttled"


def guess_until_locked(server, username, address):
    http = client_from(loopback(address))
    for i in range(60):
        answer = login(http, server, username, f"wrong{i}")
        if answer.status_code == 423:
            return answer
        if answer.status_code == 429:
            time.sleep(min(2.0, float(answer.headers.get("Retry-After", 1))) / 2)
    raise AssertionError("never locked")


def test_a_guessed_name_is_locked_until_an_admin_lifts_it(server):
    locked = guess_until_locked(server, "canbo", 11)
    assert locked.json()["error"]["code"] == "account_locked"
    # Locked for every address, the right password too.
    assert login(client_from(loopback(12)), server, "canbo", "canbo123").status_code == 423
    admin = Officer(server.url, "admin", "admin123")
    assert admin.post("/api/officers/canbo/unlock").json()["was_locked"] is True
    assert login(client_from(loopback(13)), server, "canbo", "canbo123").status_code == 200


def test_the_qms_command_lifts_a_lockout_too(server):
    guess_until_locked(server, "canbo", 14)
    result = qms(server, "unlock-officer", "canbo")
    assert result.returncode == 0, result.stderr
    assert login(client_from(loopback(15)), server, "canbo", "canbo123").status_code == 200


def test_a_cookie_captured_before_logout_is_worthless_after(server):
    admin = Officer(server.url, "admin", "admin123")
    stolen = requests.Session()
    stolen.cookies.update(admin.http.cookies)
    assert admin.post("/api/logout").status_code == 200
    answer = stolen.post(server.url + "/api/devices", json={"kiosk": "K9"},
                         headers={"X-CSRF-Token": admin.csrf}, timeout=10)
    assert answer.status_code == 401  # before: 201, a device token for the thief


def test_a_demoted_admin_loses_admin_rights_at_once(server):
    result = qms(server, "create-officer", "chief", "--role", "admin", "--password", "chief-pass-1")
    assert result.returncode == 0, result.stderr
    chief = Officer(server.url, "chief", "chief-pass-1")
    assert chief.post("/api/devices", json={"kiosk": "K8"}).status_code == 201
    result = qms(server, "create-officer", "chief", "--role", "officer",
                 "--password", "chief-pass-2")
    assert result.returncode == 0, result.stderr
    # Before: still an admin until the cookie expired (12 hours).
    assert chief.post("/api/devices", json={"kiosk": "K8"}).status_code in (401, 403)
    assert chief.http.get(server.url + "/api/me", timeout=10).status_code == 401


def test_logout_cuts_the_officers_open_sockets(server):
    officer = Officer(server.url)
    client = socketio.Client(reconnection=False)
    gone = threading.Event()
    client.on("disconnect", lambda *a: gone.set())
    client.connect(server.url, transports=["websocket"], wait_timeout=10,
                   headers={"Cookie": officer.cookie_header()})
    try:
        assert client.call("join", {"role": "counter", "counter": 1}, timeout=10)["ok"] is True
        assert officer.post("/api/logout").status_code == 200
        assert gone.wait(10), "the socket stayed open after logout"
    finally:
        if client.connected:
            client.disconnect()
    # The same cookie on a new socket cannot act either.
    again = socketio.Client(reconnection=False)
    again.connect(server.url, transports=["websocket"], wait_timeout=10,
                  headers={"Cookie": officer.cookie_header()})
    try:
        answer = again.call("act", {"action": "open_counter", "counter": 2}, timeout=10)
        assert answer["ok"] is False and answer["error"]["code"] == "not_signed_in"
    finally:
        again.disconnect()


@pytest.mark.parametrize("change", [("officers", "disable"),
                                    ("officers", "reset-password", "--password", "pass-5678")])
def test_a_session_ended_by_the_qms_command_is_refused_at_its_next_request(server, change):
    """The server keeps the connection it reads sessions on (issue 15): a session ended by
    another process is still refused at its very next request and Socket.IO action."""
    name = f"ended{len(change)}"
    result = qms(server, "create-officer", name, "--password", "pass-1234")
    assert result.returncode == 0, result.stderr
    officer = Officer(server.url, name, "pass-1234")
    client = socketio.Client(reconnection=False)
    client.connect(server.url, transports=["websocket"], wait_timeout=10,
                   headers={"Cookie": officer.cookie_header()})
    try:
        for _ in range(3):  # the session read many times over the same held connection
            assert officer.http.get(server.url + "/api/me", timeout=10).status_code == 200
            answer = client.call("act", {"action": "resume_counter", "counter": 999},
                                 timeout=10)
            assert answer["error"]["code"] != "not_signed_in"
        result = qms(server, *change[:2], name, *change[2:])
        assert result.returncode == 0, result.stderr
        assert officer.http.get(server.url + "/api/me", timeout=10).status_code == 401
        answer = client.call("act", {"action": "resume_counter", "counter": 999}, timeout=10)
        assert answer["ok"] is False and answer["error"]["code"] == "not_signed_in"
    finally:
        client.disconnect()


def test_admins_read_the_audit_log_officers_do_not(server):
    admin = Officer(server.url, "admin", "admin123")
    admin.post("/api/devices", json={"kiosk": "K7"})
    login(client_from(loopback(16)), server, "admin", "not-the-password")
    entries = admin.http.get(server.url + "/api/audit", timeout=10).json()["entries"]
    actions = {(e["action"], e.get("target") or e.get("actor")) for e in entries}
    assert ("device_added", "K7") in actions
    assert ("sign_in_failed", "admin") in actions
    assert ("sign_in", "admin") in actions
    failed = next(e for e in entries if e["action"] == "sign_in_failed")
    assert failed["address"] == loopback(16)
    assert Officer(server.url).http.get(server.url + "/api/audit", timeout=10).status_code == 403
