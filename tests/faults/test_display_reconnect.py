"""A wall display loses its connection and gets it back: it catches up, and re-announces nothing.

The display is a python-socketio client that keeps the page's bookkeeping (faultkit.DisplayClient):
on every connect it sends `join` {role: display}; a call in `recent_calls` is announced only if
its `seq` is above the highest call seq it has already announced. The cut is real:

- `network`: the display talks to the server through a TCP proxy that drops every connection
  and refuses new ones for a while (a Wi-Fi drop); the server keeps running and counters call.
- `server_restart`: the server is killed with SIGKILL and started again on the same store; the
  display is held off (proxy down) until calls have been made on the new process.

After the link is back: the display received a fresh snapshot (seq >= the last seq it saw), the
calls made meanwhile are in its recent_calls and were announced exactly once, and no call from
before the cut was announced again. (The browser-level check of the page is the display's own.)
"""
import pytest

from faultkit import CuttableProxy, DisplayClient, get_state, wait_until
from support.server_process import Officer, ServerProcess, take_ticket


def _call_and_complete(officer, counter):
    answer = officer.post(f"/api/counters/{counter}/call-next")
    assert answer.status_code == 200, answer.text
    result = answer.json()
    done = officer.post(f"/api/tickets/{result['ticket']['id']}/complete",
                        json={"outcome": "accepted"})
    assert done.status_code == 200, done.text
    return result["seq"], result["ticket"]["number"], counter


@pytest.mark.parametrize("cut", ["network", "server_restart"])
def test_display_catches_up_after_a_cut_without_reannouncing(tmp_path, cut):
    instance = tmp_path / "instance"
    server = ServerProcess(instance).start()
    proxy = CuttableProxy(server.port)
    display = None
    try:
        for _ in range(8):
            assert take_ticket(server.url).status_code == 201
        officer = Officer(server.url)
        assert officer.post("/api/counters/1/open").status_code == 200
        assert officer.post("/api/counters/2/open").status_code == 200

        display = DisplayClient(proxy.url).connect()
        before = [_call_and_complete(officer, 1), _call_and_complete(officer, 2)]
        wait_until(lambda: display.last_seen >= before[-1][0], message="calls before the cut")
        current = get_state(server.url)["seq"]  # the pushes after the last complete, too
        wait_until(lambda: display.last_state_seq >= current, message="display up to date")
        assert [a[:2] for a in display.announced] == [b[:2] for b in before]
        seen_before_cut = display.last_state_seq
        connects_before = display.connects
        states_before = len(display.states)

        proxy.cut()
        wait_until(lambda: not display.sio.connected, message="display noticed the cut")
        if cut == "server_restart":
            server.kill9()
            server = ServerProcess(instance, port=server.port).start()
            officer = Officer(server.url)  # a fresh sign-in; the counters stayed open
        meanwhile = [_call_and_complete(officer, 1), _call_and_complete(officer, 2),
                     _call_and_complete(officer, 1)]
        assert len(display.states) == states_before, "a push got through a cut link"

        proxy.restore()
        wait_until(lambda: display.connects > connects_before and
                   len(display.join_answers) >= connects_before + 1 and
                   display.join_answers[-1].get("ok"), timeout=15,
                   message="display reconnected and joined again")
        wait_until(lambda: display.last_seen >= meanwhile[-1][0], message="catch-up")

        # The first state after the reconnect is a full snapshot, never older than what it had.
        snapshot = display.states[states_before]
        assert snapshot["seq"] >= seen_before_cut
        assert snapshot["seq"] >= meanwhile[-1][0]
        assert display.join_answers[-1]["seq"] == snapshot["seq"]
        shown = {(c["seq"], c["number"]) for c in snapshot["recent_calls"]}
        for seq, number, _ in meanwhile:
            assert (seq, number) in shown
        # The contract the page relies on: every call carries its seq, seqs are unique.
        seqs = [c["seq"] for c in snapshot["recent_calls"]]
        assert all(isinstance(s, int) for s in seqs) and len(seqs) == len(set(seqs))
        assert not display.problems, display.problems

        # Each call announced exactly once, in order; the old ones were not announced again.
        assert [a[:2] for a in display.announced] == [c[:2] for c in before + meanwhile]
        assert get_state(server.url)["seq"] == display.last_state_seq

        # And the link is live again: a new call reaches the display as a push.
        after = _call_and_complete(officer, 2)
        wait_until(lambda: display.last_seen >= after[0], message="push after reconnect")
        assert display.announced[-1][:2] == after[:2]
        assert len(display.announced) == len(before) + len(meanwhile) + 1
    finally:
        if display is not None:
            display.close()
        proxy.close()
        server.stop()
