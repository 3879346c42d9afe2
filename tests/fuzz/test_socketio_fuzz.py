"""Hypothesis-generated Socket.IO event payloads against a running server.

Three clients stay connected to one server: anonymous (a display or anyone on the Wi-Fi), a
signed-in officer (session cookie), and a kiosk print agent (device token). Hypothesis sends
`join`, `snapshot`, `act`, `print_result` and `printer_status` with junk: wrong types, huge
strings, missing fields, nested lists and objects, plausible fields with wrong values, and
real actions with real-looking ids. Every event must be answered: either accepted
({ok: true}) or refused with a reason ({ok: false, error: {code, message}}); a refusal must
never be the catch-all "server_error" (that is an unhandled exception). Unknown event names
are ignored (no answer, no disconnection). Messages above the server's size limit make it
drop that connection, not fall over. Afterwards the server still serves: /healthz answers,
every client can still snapshot, and a normal ticket is issued.
"""
import json
import threading

import pytest
import socketio
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from fuzzkit import server_still_serves

EVENTS = ("join", "snapshot", "act", "print_claim", "print_result", "printer_status", "heartbeat")
ACTIONS = ("open_counter", "close_counter", "pause_counter", "resume_counter", "call_next",
           "call_ticket", "recall", "start", "no_show", "transfer", "complete", "cancel",
           "reprint", "open_day", "close_day")
FIELDS = ("role", "services", "counters", "counter", "action", "ticket_id", "to_service",
          "to_counter", "outcome", "note", "reason", "day", "job", "printed", "status",
          "message", "device_token")
ACK_TIMEOUT = 10
MESSAGE_LIMIT = 16 * 1024  # MAX_CONTENT_LENGTH, also Socket.IO's max_http_buffer_size

scalars = (st.none() | st.booleans() | st.integers() |
           st.integers(min_value=-2**70, max_value=2**70) |
           st.floats(allow_nan=False, allow_infinity=False) |
           st.text(max_size=40) |
           # huge strings, built cheaply (generating 3000 random characters is slow)
           st.builds(lambda s, n: (s or "x") * n, st.text(max_size=3), st.integers(100, 1500)) |
           st.sampled_from(["", " ", "0", "-1", "null", "true", "display", "counter", "kiosk",
                            "CCCD", "VNEID", "A001", "2999-19-39", "1970-01-01", "ok", "paper_out",
                            "\x00", "💥" * 50, "<script>alert(1)</script>", "' OR 1=1 --"]))
junk = st.recursive(scalars, lambda inner: st.lists(inner, max_size=5) |
                    st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=10), inner,
                                    max_size=5), max_leaves=12)
plausible_values = {
    "role": st.sampled_from(["display", "counter", "kiosk", "agent", "admin"]) | junk,
    "services": st.lists(st.sampled_from(["CCCD", "VNEID", "PICKUP", "X"]) | junk, max_size=5)
    | junk,
    "counters": st.lists(st.integers(-2, 7) | junk, max_size=5) | junk,
    "counter": st.integers(-1, 7) | junk,
    "action": st.sampled_from(ACTIONS) | junk,
    "ticket_id": st.integers(0, 40) | junk,
    "to_service": st.sampled_from(["CCCD", "VNEID", "NOPE"]) | junk,
    "to_counter": st.integers(0, 6) | junk,
    "outcome": st.sampled_from(["accepted", "other", "bogus"]) | junk,
    "job": st.integers(0, 3) | junk,
    "printed": st.booleans() | junk,
    "status": st.sampled_from(["ok", "paper_out", "offline", "x" * 17]) | junk,
}
plausible = st.fixed_dictionaries(
    {}, optional={name: plausible_values.get(name, junk) for name in FIELDS})
payloads = plausible | junk


def _connect(url, **kwargs):
    client = socketio.Client(reconnection=False)
    client.connect(url, transports=["websocket"], wait_timeout=10, **kwargs)
    return client


class Clients:
    """The three kinds of caller, reconnected when the server (rightly) drops one."""

    def __init__(self, url, officer, device_token):
        self.url = url
        self.kwargs = {"anonymous": {},
                       "officer": {"headers": {"Cookie": officer.cookie_header()}},
                       "agent": {"auth": {"device_token": device_token}}}
        self.clients = {name: _connect(url, **kw) for name, kw in self.kwargs.items()}
        self.reconnects = []

    def get(self, name):
        client = self.clients[name]
        if not client.connected:
            self.reconnects.append(name)
            client = self.clients[name] = _connect(self.url, **self.kwargs[name])
        return client

    def close(self):
        for client in self.clients.values():
            if client.connected:
                client.disconnect()


@pytest.fixture(scope="module")
def clients(fuzz_server, officer, device_token):
    # Something to act on: tickets from kiosk K1 (the agent's), an open counter.
    for _ in range(12):
        server_still_serves(fuzz_server.url)
    officer.post("/api/counters/1/open")
    group = Clients(fuzz_server.url, officer, device_token)
    yield group
    group.close()


def _assert_answered(event, payload, ack):
    assert isinstance(ack, dict), (event, payload, ack)
    if ack.get("ok") is True:
        return
    assert ack.get("ok") is False, (event, payload, ack)
    error = ack.get("error")
    assert isinstance(error, dict), (event, payload, ack)
    assert isinstance(error.get("code"), str) and error["code"], ack
    assert isinstance(error.get("message"), str) and error["message"], ack
    assert error["code"] != "server_error", f"unhandled exception for {event} {payload!r:.300}"


FUZZ = settings(max_examples=200, deadline=None, derandomize=True,
                suppress_health_check=list(HealthCheck))


@FUZZ
@given(who=st.sampled_from(["anonymous", "officer", "agent"]), event=st.sampled_from(EVENTS),
       payload=payloads)
def test_known_events_answer_every_payload(clients, who, event, payload):
    assume(len(json.dumps(payload)) < MESSAGE_LIMIT - 1024)
    ack = clients.get(who).call(event, payload, timeout=ACK_TIMEOUT)
    _assert_answered(event, payload, ack)
    # A message under the size limit never costs the client its connection.
    assert clients.clients[who].connected, (event, payload)


@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
@given(event=st.text(min_size=1, max_size=60).filter(
           lambda name: name not in EVENTS and name not in ("connect", "disconnect", "message")),
       payload=junk)
def test_unknown_events_are_ignored(clients, event, payload):
    assume(len(json.dumps(payload)) < MESSAGE_LIMIT - 1024)
    answered = threading.Event()
    client = clients.get("anonymous")
    client.emit(event, payload, callback=lambda *args: answered.set())
    # The connection is still served (this answer comes after the unknown event was read)...
    ack = client.call("snapshot", {"role": "display"}, timeout=ACK_TIMEOUT)
    assert ack["ok"] is True
    assert client.connected
    # ...and the unknown event got no answer.
    assert not answered.wait(0.05)


@pytest.mark.parametrize("event", EVENTS)
def test_oversized_messages_drop_only_that_connection(clients, fuzz_server, event):
    client = _connect(fuzz_server.url)
    try:
        client.emit(event, {"role": "display", "action": "call_next", "note": "x" * (4 * MESSAGE_LIMIT)})
        dropped = threading.Event()
        client.on("disconnect", lambda *args: dropped.set())
        assert dropped.wait(10) or not client.connected
    finally:
        if client.connected:
            client.disconnect()
    ack = clients.get("anonymous").call("snapshot", {"role": "display"}, timeout=ACK_TIMEOUT)
    assert ack["ok"] is True


def test_server_keeps_serving_after_the_socket_fuzz(clients, fuzz_server):
    for who in ("anonymous", "officer", "agent"):
        ack = clients.get(who).call("snapshot", {"role": "display"}, timeout=ACK_TIMEOUT)
        assert ack["ok"] is True, (who, ack)
    ack = clients.get("officer").call("join", {"role": "counter", "counter": 2},
                                      timeout=ACK_TIMEOUT)
    assert ack["ok"] is True, ack
    server_still_serves(fuzz_server.url)
