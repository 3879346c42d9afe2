"""The kiosk print agent is killed (SIGKILL) in the middle of a burst of print jobs.

The real, unmodified `qms kiosk-agent` prints to a slow fake network printer (it takes the
bytes in small bites, as a thermal printer drains its buffer), a kiosk takes a burst of
tickets, and the agent is killed while a ticket's bytes are still going out. The agent is then
started again with the same journal. (tests/kiosk crashes the agent at exact points with a
hook; this test kills it from outside, wherever it happens to be.)

Then, for every ticket taken at the kiosk:
- it was never printed twice (each number appears at most once in what the printer received);
- it is not silently lost: it was printed whole, or it is on the counter tablet's list of print
  problems ("may have printed") for staff to check and reprint;
- nothing is left pending: an agent connecting now is sent no job.
"""
import json
import os
import signal
import sys
import time

import pytest
import socketio

from faultkit import wait_until
from support.server_process import Officer, ServerProcess, issue_device_token, take_ticket

KIOSK_TESTS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "kiosk")
sys.path.insert(0, KIOSK_TESTS)

agent_process = pytest.importorskip("agent_process")
fake_printer = pytest.importorskip("fake_printer")

BURST = 8


def SlowPrinter():
    """Takes 512 bytes every 10 ms through a small receive buffer: the agent's send of a ticket
    (about 26 KB) blocks until the paper moves, so a kill can land while the agent is sending,
    not only after the kernel took every byte."""
    return fake_printer.FakeNetworkPrinter(bite=512, pause=0.01, receive_buffer=2048)


def _pending_jobs(base_url, token):
    """What an agent connecting now would be asked to print."""
    jobs = []
    probe = socketio.Client(reconnection=False)
    probe.on("print_job", lambda job: jobs.append(job))
    probe.connect(base_url, auth={"device_token": token}, transports=["websocket"],
                  wait_timeout=10)
    time.sleep(0.5)
    probe.disconnect()
    return jobs


def _journal_says_sending(journal):
    """True when the agent's journal holds a job marked "started" and not yet "done"."""
    if not journal.exists():
        return False
    states = {}
    for line in journal.read_text(encoding="utf-8").splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue  # a line being written
        states[entry["key"]] = entry["state"]
    return "started" in states.values()


def _problems(officer):
    view = officer.http.get(officer.base_url + "/api/counters/1/view", timeout=10).json()
    return {p["id"]: p for p in view["print_problems"]}


@pytest.mark.slow
def test_agent_killed_mid_burst_prints_nothing_twice_and_loses_nothing(tmp_path):
    printer = SlowPrinter()
    server = ServerProcess(tmp_path / "instance").start()
    agents = []
    try:
        token = issue_device_token(server.url, "K1")
        journal = tmp_path / "journal.jsonl"

        def agent(name):
            proc = agent_process.AgentProcess(server.url, token, printer.url, journal,
                                              tmp_path / f"agent-{name}.log")
            agents.append(proc)
            return proc.start()

        first = agent("first")
        wait_until(lambda: "connected to" in first.log(),
                   timeout=20, message="agent connected")
        tickets = []
        for _ in range(BURST):
            answer = take_ticket(server.url, kiosk="K1")
            assert answer.status_code == 201, answer.text
            tickets.append(answer.json()["ticket"])

        # Kill it once two tickets are out and the bytes of the next are going out.
        def mid_job():
            data = printer.data()
            tail = data[data.rfind(b"\x1dV") + 3:] if b"\x1dV" in data else data
            return len(printer.tickets()) >= 2 and fake_printer.has_ticket_bytes(tail) \
                and len(tail) > 1024
        # The printer's side alone cannot tell: the agent may already have handed the rest of
        # the ticket to the kernel and journaled it "done". So freeze the agent, read its
        # journal, and kill it only while a job is still "started"; else let it run and retry.
        def frozen_mid_job():
            if not mid_job():
                return False
            first.proc.send_signal(signal.SIGSTOP)
            if _journal_says_sending(journal):
                return True
            first.proc.send_signal(signal.SIGCONT)
            return False
        wait_until(frozen_mid_job, timeout=30, interval=0.01,
                   message="the agent in the middle of jobs")
        first.kill9()
        printed_before = printer.tickets()

        officer = Officer(server.url)
        agent("second")
        numbers = {t["id"]: t["number"] for t in tickets}

        def settled():
            out = printer.tickets()
            problems = _problems(officer)
            return all(numbers[i] in out or i in problems for i in numbers)
        wait_until(settled, timeout=40, interval=0.2, message="every ticket printed or reported")
        time.sleep(1.0)  # anything printed twice would have arrived by now

        out = printer.tickets()
        problems = _problems(officer)
        assert len(out) == len(set(out)), f"printed twice: {out}"
        assert set(out) <= set(numbers.values())
        for ticket_id, number in numbers.items():
            assert number in out or ticket_id in problems, f"{number} silently lost"
            if ticket_id in problems:
                # The bytes the dead agent had handed to its kernel still reach the printer, so
                # a reported ticket may have come out whole: "may have printed", never twice.
                assert out.count(number) <= 1
                assert problems[ticket_id]["reason"]
        assert _pending_jobs(server.url, token) == []
        print(f"agent killed after {len(printed_before)} whole tickets; "
              f"{len(problems)} reported to staff, {len(out)} printed in all")
        # The kill really landed mid-job: a ticket was cut short and went to staff, and the
        # rest of the burst came out after the restart.
        assert problems, "the kill did not land in the middle of a job"
        assert len(printed_before) < BURST
    finally:
        for proc in agents:
            if proc.proc and proc.proc.poll() is None:
                proc.stop()
        printer.close()
        server.stop()
