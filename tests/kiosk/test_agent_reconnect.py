"""A print agent that comes back does not print the day's backlog, nor a job that waited in a
frozen connection.

Real server (resend window 12 s, agents offline after 3 s of silence), the real `qms kiosk-agent`
and the fake network printer. The kiosk PC is off while citizens take numbers and officers call,
complete, cancel and transfer some of them; when it is back it prints only the tickets still
waiting that were taken within the window. The others are "not printed" on the officers' list,
finished tickets left out. Both tests share the server, each its own kiosk.
"""
import os
import signal
import time

import pytest

from agent_process import AgentProcess
from kiosk_helpers import counter_view, issue_token, new_kiosk, printed_last, printer_status
from support.server_process import Officer, ServerProcess, take_ticket
from support.waiting import wait_until

WINDOW_MINUTES = 0.2  # 12 s: long enough for the agent process to start and connect
HEARTBEAT = ("--heartbeat", "0.5")  # well inside the server's 3 s agent timeout


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with ServerProcess(tmp_path_factory.mktemp("instance"),
                       env={"QMS_PRINT_RESEND_MINUTES": str(WINDOW_MINUTES),
                            "QMS_AGENT_TIMEOUT": "3"}) as proc:
        yield proc


@pytest.fixture
def kiosk():
    return new_kiosk()


def take(server, kiosk):
    answer = take_ticket(server.url, kiosk=kiosk)
    assert answer.status_code == 201, answer.text
    return answer.json()["ticket"]


def act(officer, path, **body):
    answer = officer.post(path, json=body or None)
    assert answer.status_code == 200, answer.text
    return answer.json()


def problems(server, kiosk):
    return {p["id"]: p["reason"] for p in counter_view(server.url)["print_problems"]
            if p["kiosk"] == kiosk}


def test_returning_agent_prints_only_fresh_waiting_tickets(server, kiosk, tmp_path, printer):
    token = issue_token(server.url, kiosk)
    journal = tmp_path / "journal.jsonl"
    first = AgentProcess(server.url, token, printer.url, journal, tmp_path / "a1.log",
                         extra_args=HEARTBEAT).start()
    wait_until(lambda: printer_status(server.url, kiosk) == "ok", message="agent online")
    printed_first = take(server, kiosk)
    wait_until(lambda: printer.tickets() == [printed_first["number"]], message="printed")
    first.stop()  # the kiosk PC is switched off
    wait_until(lambda: printer_status(server.url, kiosk) == "agent_offline",
               message="agent offline")

    old = take(server, kiosk)
    done, cancelled, moved, called = (take(server, kiosk) for _ in range(4))
    officer = Officer(server.url)
    act(officer, "/api/counters/1/open")
    for ticket in (done, cancelled, moved, called):
        act(officer, "/api/counters/1/call", ticket_id=ticket["id"])
        if ticket is done:
            act(officer, f"/api/tickets/{done['id']}/complete", outcome="accepted")
        elif ticket is cancelled:
            act(officer, f"/api/tickets/{cancelled['id']}/cancel")
        elif ticket is moved:
            act(officer, f"/api/tickets/{moved['id']}/transfer", to_service="VNEID")
    # Let the window pass for everything taken so far. issued_at is given to the second
    # (the view's ISO time), so the ticket may have been issued up to 1 s after it says.
    time.sleep(max(0.0, WINDOW_MINUTES * 60 + 1.5 - (time.time() - _issued(old))))

    second = AgentProcess(server.url, token, printer.url, journal, tmp_path / "a2.log",
                          extra_args=HEARTBEAT).start()
    fresh = take(server, kiosk)  # taken while the PC boots: still worth its slip
    try:
        wait_until(lambda: fresh["number"] in printer.tickets(), timeout=30,
                   message="the fresh ticket printed")
        printed_last(server, kiosk, printer, [printed_first["number"], fresh["number"]])
        found = problems(server, kiosk)
        # Open tickets that got no slip are listed; completed, cancelled and transferred not.
        assert set(found) == {old["id"], called["id"]}
        assert "quá muộn" in found[old["id"]] and "too late" in found[old["id"]]
        assert "đã được gọi" in found[called["id"]]

        # An officer's reprint still prints, at once.
        act(officer, f"/api/tickets/{old['id']}/reprint")
        wait_until(lambda: printer.tickets().count(old["number"]) == 1,
                   message="the reprint printed")
        wait_until(lambda: old["id"] not in problems(server, kiosk),
                   message="the reprinted ticket off the list")
    finally:
        second.stop()


def _issued(ticket):
    from datetime import datetime
    return datetime.fromisoformat(ticket["issued_at"]).timestamp()


def test_a_job_held_by_a_frozen_agent_is_not_printed_after_its_ticket_was_served(
        server, kiosk, tmp_path, printer):
    """SIGSTOP leaves the agent's connection open: a job pushed just before it was taken for
    offline waits in the socket. When the agent wakes up minutes later the ticket has been
    served; the agent asks the server before printing (print_claim) and prints nothing."""
    agent = AgentProcess(server.url, issue_token(server.url, kiosk), printer.url,
                         tmp_path / "journal.jsonl", tmp_path / "agent.log",
                         extra_args=HEARTBEAT).start()
    try:
        wait_until(lambda: printer_status(server.url, kiosk) == "ok", message="agent online")
        os.kill(agent.proc.pid, signal.SIGSTOP)
        held = take(server, kiosk)  # within the timeout: the job is pushed, waits in the socket
        officer = Officer(server.url)
        act(officer, "/api/counters/2/open")
        act(officer, "/api/counters/2/call", ticket_id=held["id"])
        act(officer, f"/api/tickets/{held['id']}/complete", outcome="accepted")
        wait_until(lambda: printer_status(server.url, kiosk) == "agent_offline",
                   message="agent offline")
        os.kill(agent.proc.pid, signal.SIGCONT)
        wait_until(lambda: printer_status(server.url, kiosk) == "ok", message="agent back")
        wait_until(lambda: "not printed" in agent.log(), message="the held job refused")
        assert held["id"] not in problems(server, kiosk)
        # A new citizen still gets a slip, and nothing held came out before it.
        printed_last(server, kiosk, printer, [])
    finally:
        if agent.proc.poll() is None:
            os.kill(agent.proc.pid, signal.SIGCONT)
        agent.stop()
