"""A print agent that comes back does not print the day's backlog, nor a job that waited in a
frozen connection.

Real server (resend window 12 s), the real `qms kiosk-agent` and the fake network printer. The
kiosk PC is off while citizens take numbers and officers call, complete, cancel and transfer
some of them; when it is back it prints only the tickets still waiting that were taken within
the window. The others are "not printed" on the officers' list, finished tickets left out.
"""
import os
import signal
import time

from agent_process import AgentProcess
from kiosk_helpers import counter_view, issue_token
from support.server_process import Officer, ServerProcess, take_ticket
from support.waiting import wait_until

WINDOW_MINUTES = 0.2  # 12 s: long enough for the agent process to start and connect
SETTLE = 2.0  # seconds to wait for something that must NOT happen


def take(server):
    answer = take_ticket(server.url, kiosk="K1")
    assert answer.status_code == 201, answer.text
    return answer.json()["ticket"]


def act(officer, path, **body):
    answer = officer.post(path, json=body or None)
    assert answer.status_code == 200, answer.text
    return answer.json()


def agent_state(server):
    return {p["kiosk"]: p["status"] for p in counter_view(server.url)["printers"]}.get("K1")


def test_returning_agent_prints_only_fresh_waiting_tickets(tmp_path, printer):
    server = ServerProcess(tmp_path / "instance",
                           env={"QMS_PRINT_RESEND_MINUTES": str(WINDOW_MINUTES)}).start()
    try:
        token = issue_token(server.url)
        journal = tmp_path / "journal.jsonl"
        first = AgentProcess(server.url, token, printer.url, journal, tmp_path / "a1.log").start()
        wait_until(lambda: agent_state(server) == "ok", message="agent online")
        printed_first = take(server)
        wait_until(lambda: printer.tickets() == [printed_first["number"]], message="printed")
        first.stop()  # the kiosk PC is switched off
        wait_until(lambda: agent_state(server) == "agent_offline", message="agent offline")

        old = take(server)
        done, cancelled, moved, called = (take(server) for _ in range(4))
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
        # Let the window pass for everything taken so far.
        time.sleep(max(0.0, WINDOW_MINUTES * 60 + 0.5 - (time.time() - _issued(old))))

        second = AgentProcess(server.url, token, printer.url, journal, tmp_path / "a2.log").start()
        fresh = take(server)  # taken while the PC boots: still worth its slip
        try:
            wait_until(lambda: fresh["number"] in printer.tickets(), timeout=30,
                       message="the fresh ticket printed")
            time.sleep(SETTLE)
            assert printer.tickets() == [printed_first["number"], fresh["number"]], second.log()
            problems = {p["id"]: p["reason"] for p in counter_view(server.url)["print_problems"]}
            # Open tickets that got no slip are listed; completed, cancelled and transferred not.
            assert set(problems) == {old["id"], called["id"]}
            assert "quá muộn" in problems[old["id"]] and "too late" in problems[old["id"]]
            assert "đã được gọi" in problems[called["id"]]

            # An officer's reprint still prints, at once.
            act(officer, f"/api/tickets/{old['id']}/reprint")
            wait_until(lambda: printer.tickets().count(old["number"]) == 1,
                       message="the reprint printed")
            wait_until(lambda: old["id"] not in {
                p["id"] for p in counter_view(server.url)["print_problems"]},
                message="the reprinted ticket off the list")
        finally:
            second.stop()
    finally:
        server.stop()


def _issued(ticket):
    from datetime import datetime
    return datetime.fromisoformat(ticket["issued_at"]).timestamp()


def test_a_job_held_by_a_frozen_agent_is_not_printed_after_its_ticket_was_served(
        tmp_path, printer):
    """SIGSTOP leaves the agent's connection open: a job pushed just before it was taken for
    offline waits in the socket. When the agent wakes up minutes later the ticket has been
    served; the agent asks the server before printing (print_claim) and prints nothing."""
    server = ServerProcess(tmp_path / "instance", env={"QMS_AGENT_TIMEOUT": "3"}).start()
    agent = AgentProcess(server.url, issue_token(server.url), printer.url,
                         tmp_path / "journal.jsonl", tmp_path / "agent.log",
                         extra_args=("--heartbeat", "0.5")).start()
    try:
        wait_until(lambda: agent_state(server) == "ok", message="agent online")
        os.kill(agent.proc.pid, signal.SIGSTOP)
        held = take(server)  # within the timeout: the job is pushed and waits in the socket
        officer = Officer(server.url)
        act(officer, "/api/counters/1/open")
        act(officer, "/api/counters/1/call", ticket_id=held["id"])
        act(officer, f"/api/tickets/{held['id']}/complete", outcome="accepted")
        wait_until(lambda: agent_state(server) == "agent_offline", message="agent offline")
        os.kill(agent.proc.pid, signal.SIGCONT)
        wait_until(lambda: agent_state(server) == "ok", message="agent back")
        wait_until(lambda: "not printed" in agent.log(), message="the held job refused")
        time.sleep(SETTLE)
        assert printer.tickets() == [], agent.log()
        assert held["id"] not in {p["id"] for p in counter_view(server.url)["print_problems"]}
        # A new citizen still gets a slip.
        fresh = take(server)
        wait_until(lambda: printer.tickets() == [fresh["number"]], message="a fresh slip")
    finally:
        if agent.proc.poll() is None:
            os.kill(agent.proc.pid, signal.SIGCONT)
        agent.stop()
        server.stop()
