"""Socket.IO clients of the real app (in process, flask_socketio test clients): a display and
two counters. Network clients against a real process: tests/faults, tests/browser."""
import threading

import pytest

from support.inprocess import SocketListener
from support.server_process import Officer, take_ticket

WAIT = 10


def Listener(site, join, officer=None):
    return SocketListener(site, join, officer)


@pytest.fixture
def officer(site):
    return Officer(site.url)


def test_a_call_reaches_the_display_with_the_number_and_counter(site, officer):
    display = Listener(site, {"role": "display"})
    counter1 = Listener(site, {"role": "counter", "counter": 1}, officer)
    counter2 = Listener(site, {"role": "counter", "counter": 2}, officer)
    try:
        assert display.join_answer["ok"] and counter1.join_answer["ok"] and counter2.join_answer["ok"]
        first = take_ticket(site.url, "CCCD").json()["ticket"]
        second = take_ticket(site.url, "CCCD").json()["ticket"]
        display.wait_for(lambda s: s["services"][0]["waiting"] == 2)

        # Both counters call over Socket.IO with acknowledgements.
        for number, listener in ((1, counter1), (2, counter2)):
            assert listener.client.call("act", {"action": "open_counter", "counter": number},
                                        timeout=WAIT)["ok"]
        ack1 = counter1.client.call("act", {"action": "call_next", "counter": 1}, timeout=WAIT)
        ack2 = counter2.client.call("act", {"action": "call_next", "counter": 2}, timeout=WAIT)
        assert ack1["ok"] and ack2["ok"]
        assert {ack1["ticket"]["number"], ack2["ticket"]["number"]} == {first["number"], second["number"]}
        assert ack1["ticket"]["id"] != ack2["ticket"]["id"]

        shown = display.wait_for(lambda s: all(c["serving"] for c in s["counters"][:2]))
        by_counter = {c["number"]: c["serving"] for c in shown["counters"]}
        assert by_counter[1] == ack1["ticket"]["number"] and by_counter[2] == ack2["ticket"]["number"]
        assert shown["recent_calls"][0]["number"] == ack2["ticket"]["number"]
        assert shown["recent_calls"][0]["counter"] == 2

        # The counter's own push shows its ticket, not the whole site's queue.
        mine = counter1.wait_for(lambda s: s["counter"]["current"] is not None)
        assert mine["counter"]["current"]["number"] == ack1["ticket"]["number"]
        assert display.seqs == sorted(display.seqs) and len(set(display.seqs)) == len(display.seqs)

        # A refusal comes back as an acknowledgement with a reason, and changes nothing.
        refused = counter1.client.call("act", {"action": "call_next", "counter": 1}, timeout=WAIT)
        assert refused == {"ok": False, "error": refused["error"]}
        assert refused["error"]["code"] == "counter_busy" and refused["error"]["message"]
    finally:
        for listener in (display, counter1, counter2):
            listener.close()


def test_a_citizen_socket_can_watch_but_not_act(site):
    citizen = Listener(site, {"role": "display"})
    try:
        take_ticket(site.url, "CCCD")
        answer = citizen.client.call("act", {"action": "call_next", "counter": 1}, timeout=WAIT)
        assert answer["ok"] is False and answer["error"]["code"] == "not_signed_in"
        joined = citizen.client.call("join", {"role": "counter", "counter": 1}, timeout=WAIT)
        assert joined["ok"] is False and joined["error"]["code"] == "not_signed_in"
        bad = citizen.client.call("join", {"role": "wizard"}, timeout=WAIT)
        assert bad["ok"] is False and bad["error"]["message"]
    finally:
        citizen.close()


def test_a_limited_display_gets_only_its_services(site, officer):
    display = Listener(site, {"role": "display", "services": ["VNEID"], "counters": [3]})
    try:
        first = display.states.get(timeout=WAIT)
        assert [s["code"] for s in first["services"]] == ["VNEID"]
        assert [c["number"] for c in first["counters"]] == [3]
        take_ticket(site.url, "VNEID")
        assert display.wait_for(lambda s: s["services"][0]["waiting"] == 1)
    finally:
        display.close()


def test_a_display_that_rejoins_gets_a_fresh_snapshot(site, officer):
    display = Listener(site, {"role": "display"})
    display.states.get(timeout=WAIT)
    display.close()
    take_ticket(site.url, "CCCD")
    officer.post("/api/counters/1/open")
    called = officer.post("/api/counters/1/call-next").json()["ticket"]
    again = Listener(site, {"role": "display"})
    try:
        snapshot = again.states.get(timeout=WAIT)
        assert snapshot["recent_calls"][0]["number"] == called["number"]
        assert snapshot["seq"] >= max(display.seqs)
        answer = again.client.call("snapshot", {"role": "display"}, timeout=WAIT)
        assert answer["ok"] and answer["seq"] == snapshot["seq"]
    finally:
        again.close()


def test_officer_http_actions_reach_counter_and_display_rooms(site, officer):
    display = Listener(site, {"role": "display"})
    try:
        officer.post("/api/counters/5/open")
        done = threading.Event()

        def take_many():
            for _ in range(3):
                take_ticket(site.url, "VEHICLE")
            done.set()

        threading.Thread(target=take_many).start()
        assert done.wait(WAIT)
        display.wait_for(lambda s: s["services"][4]["waiting"] == 3)
        officer.post("/api/counters/5/call-next")
        state = display.wait_for(lambda s: s["counters"][4]["serving"] is not None)
        assert state["counters"][4]["serving"].startswith("E")
    finally:
        display.close()


def test_a_kiosk_page_sees_its_own_printer_health(site):
    kiosk = Listener(site, {"role": "kiosk", "kiosk": "K1"})
    try:
        first = kiosk.states.get(timeout=WAIT)
        # No print agent has connected for K1: its slips do not print (docs/kiosk.md).
        assert first["kiosk"] == "K1" and first["printer"]["status"] == "agent_offline"
        assert [s["code"] for s in first["services"]][0] == "CCCD"
        take_ticket(site.url, "CCCD")
        assert kiosk.wait_for(lambda s: s["services"][0]["waiting"] == 1)["kiosk"] == "K1"
    finally:
        kiosk.close()


def test_a_display_filter_names_only_what_the_site_has(site):
    display = Listener(site, {"role": "display", "services": ["NOPE"]})
    try:
        assert display.join_answer["ok"] is False
        assert display.join_answer["error"]["code"] == "unknown_filter"
        answer = display.client.call("join", {"role": "display", "counters": [42]}, timeout=WAIT)
        assert answer["ok"] is False and "42" in answer["error"]["message"]
    finally:
        display.close()
