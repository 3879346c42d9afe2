"""The kiosk print agent against a real server subprocess and a fake network printer.

At most once: every ticket taken at kiosk K1 comes out of K1's printer once, through agent
restarts, server restarts and SIGKILLs at the worst moments; a job whose outcome the agent
cannot know is reported to staff, never printed twice.

The tests share one server (a server start is seconds on a busy CI box); each test is its own
kiosk (`kiosk` fixture), so no test's jobs, printer status or problems reach another's agent.
Only the test of a server crash starts its own.
"""
import os
import time

import pytest

from agent_process import AgentProcess
from kiosk_helpers import counter_view, issue_token, new_kiosk, printed_last, printer_status
from kiosk_helpers import problems as kiosk_problems
from support.waiting import wait_until
from fake_printer import FakeNetworkPrinter, has_ticket_bytes
from support.server_process import Officer, ServerProcess, take_ticket

SETTLE = 2.0  # seconds to wait for something that must NOT happen


@pytest.fixture(scope="module")
def server(shared_server):
    return shared_server


@pytest.fixture
def kiosk():
    return new_kiosk()


def take(server, kiosk, **extra):
    answer = take_ticket(server.url, kiosk=kiosk, **extra)
    assert answer.status_code == 201, answer.text
    return answer.json()["ticket"]


def agent_for(server, printer, tmp_path, kiosk, token=None, name="agent", **kwargs):
    return AgentProcess(server.url, token or issue_token(server.url, kiosk), printer.url,
                        tmp_path / "journal.jsonl", tmp_path / f"{name}.log", **kwargs)


def problems(server, kiosk):
    return kiosk_problems(server.url, kiosk)


def test_ticket_taken_at_kiosk_is_printed_once(server, kiosk, printer, tmp_path):
    with agent_for(server, printer, tmp_path, kiosk) as agent:
        assert agent.wait_for_log("connected to"), agent.log()
        ticket = take(server, kiosk)
        wait_until(lambda: printer.tickets() == [ticket["number"]], message="the ticket printed")
        # A ticket from another kiosk, or from the API without a kiosk, is not ours to print.
        take(server, "K2")
        take(server, None)
        printed_last(server, kiosk, printer, [ticket["number"]])
        view = counter_view(server.url)
        assert [p for p in view["print_problems"] if p["kiosk"] == kiosk] == []
        printers = {p["kiosk"]: p for p in view["printers"]}
        assert printers[kiosk]["status"] == "ok"


def test_bytes_are_a_whole_ticket_with_qr_to_the_tracking_page(server, kiosk, printer, tmp_path):
    from fake_printer import decoder
    with agent_for(server, printer, tmp_path, kiosk, extra_args=("--paper", "58mm")) as agent:
        ticket = take(server, kiosk, service="VNEID")
        wait_until(lambda: printer.tickets() == [ticket["number"]], message="the ticket printed")
    if decoder is None:
        return
    ops = decoder.decode(printer.data())
    qr = [op.value for op in ops if op.kind == "qr_store"]
    assert qr == [ticket["track_url"]]
    assert all(op.value.width <= 384 for op in ops if op.kind == "raster")
    assert [op.value[0] for op in ops if op.kind == "cut"] == ["full"]


def test_agent_and_server_restarts_print_each_ticket_once(tmp_path, printer, kiosk):
    server = ServerProcess(tmp_path / "instance").start()
    try:
        token = issue_token(server.url, kiosk)
        first = agent_for(server, printer, tmp_path, kiosk, token, name="a1").start()
        t1 = take(server, kiosk)
        wait_until(lambda: printer.tickets() == [t1["number"]], message="ticket 1")
        first.stop()  # the kiosk PC is switched off; citizens keep taking numbers
        t2, t3 = take(server, kiosk), take(server, kiosk)
        time.sleep(0.5)
        assert printer.tickets() == [t1["number"]]
        second = agent_for(server, printer, tmp_path, kiosk, token, name="a2").start()
        expected = [t1["number"], t2["number"], t3["number"]]
        wait_until(lambda: printer.tickets() == expected, message="pending jobs on reconnect")

        # The server crashes and comes back on the same address: the agent reconnects alone.
        server.kill9()
        server = ServerProcess(tmp_path / "instance", port=server.port).start()
        assert second.wait_for_log("reconnect", timeout=10)
        wait_until(lambda: second.log().count("connected to") >= 2, timeout=20,
                   message="the agent reconnected")
        t4 = take(server, kiosk)
        wait_until(lambda: printer.tickets() == expected + [t4["number"]], message="ticket 4")
        printed_last(server, kiosk, printer, expected + [t4["number"]])  # nothing resent
        assert problems(server, kiosk) == {}
        second.stop()
    finally:
        server.stop()


def test_kill9_while_printing_is_reported_never_printed_twice(server, kiosk, printer, tmp_path):
    token = issue_token(server.url, kiosk)
    crashing = agent_for(server, printer, tmp_path, kiosk, token, name="crash",
                         crash_at="mid-send")
    crashing.start()
    ticket = take(server, kiosk)
    assert crashing.wait_exit(timeout=20) == -9, crashing.log()
    journal = (tmp_path / "journal.jsonl").read_text()
    assert '"started"' in journal and '"done"' not in journal
    assert printer.tickets() == []  # half a ticket came out: no cut, no number
    before = printer.connection_count()

    with agent_for(server, printer, tmp_path, kiosk, token, name="after") as agent:
        wait_until(lambda: ticket["id"] in problems(server, kiosk), message="the failure reported")
        reason = problems(server, kiosk)[ticket["id"]]["reason"]
        assert "có thể đã in" in reason and "may have printed" in reason
        time.sleep(SETTLE)
        assert not has_ticket_bytes(printer.data(before)), "the job was printed a second time"

        # Staff look at the printer and ask for a reprint: a new job, printed once.
        officer = Officer(server.url)
        assert officer.post(f"/api/tickets/{ticket['id']}/reprint").status_code == 200
        wait_until(lambda: printer.tickets(before) == [ticket["number"]], message="the reprint")
        wait_until(lambda: problems(server, kiosk) == {}, message="the problem cleared")
        time.sleep(SETTLE)
        assert printer.tickets(before) == [ticket["number"]], agent.log()


def test_kill9_after_printing_before_ack_is_acknowledged_without_reprint(server, kiosk, printer,
                                                                        tmp_path):
    token = issue_token(server.url, kiosk)
    crashing = agent_for(server, printer, tmp_path, kiosk, token, name="crash",
                         crash_at="before-ack")
    crashing.start()
    ticket = take(server, kiosk)
    assert crashing.wait_exit(timeout=20) == -9, crashing.log()
    assert printer.tickets() == [ticket["number"]]

    with agent_for(server, printer, tmp_path, kiosk, token, name="after") as agent:
        assert agent.wait_for_log("printed before; acknowledging again"), agent.log()
        printed_last(server, kiosk, printer, [ticket["number"]])
        assert problems(server, kiosk) == {}
    # The server took the acknowledgement: a third agent gets no job at all.
    with agent_for(server, printer, tmp_path, kiosk, token, name="third") as agent:
        assert agent.wait_for_log("connected to"), agent.log()
        second = printer.tickets()
        printed_last(server, kiosk, printer, second)  # the first job: not sent again
        assert "acknowledging again" not in agent.log()
        assert printer.tickets().count(ticket["number"]) == 1


def test_officer_reprint_prints_again(server, kiosk, printer, tmp_path):
    with agent_for(server, printer, tmp_path, kiosk):
        ticket = take(server, kiosk)
        wait_until(lambda: printer.tickets() == [ticket["number"]], message="the ticket")
        officer = Officer(server.url)
        answer = officer.post(f"/api/tickets/{ticket['id']}/reprint")
        assert answer.status_code == 200, answer.text
        wait_until(lambda: printer.tickets() == [ticket["number"]] * 2, message="the reprint")
        printed_last(server, kiosk, printer, [ticket["number"]] * 2)


def test_printer_out_of_paper_is_reported_and_reprinted_after(server, kiosk, tmp_path):
    printer = FakeNetworkPrinter(status="paper_out")
    try:
        with agent_for(server, printer, tmp_path, kiosk) as agent:
            wait_until(lambda: printer_status(server.url, kiosk) == "paper_out",
                       message="paper_out reported")
            ticket = take(server, kiosk)
            wait_until(lambda: ticket["id"] in problems(server, kiosk), message="the failure")
            assert "hết giấy" in problems(server, kiosk)[ticket["id"]]["reason"]
            assert printer.tickets() == []
            printer.status = "ok"  # a new roll
            wait_until(lambda: printer_status(server.url, kiosk) == "ok",
                       message="ok reported")
            assert Officer(server.url).post(f"/api/tickets/{ticket['id']}/reprint").ok
            wait_until(lambda: printer.tickets() == [ticket["number"]], message="the reprint")
    finally:
        printer.close()


def test_silent_printer_is_a_fault_not_paper_ok(server, kiosk, tmp_path):
    printer = FakeNetworkPrinter(status="silent")
    try:
        with agent_for(server, printer, tmp_path, kiosk):
            wait_until(lambda: printer_status(server.url, kiosk) == "offline",
                       message="offline reported")
            ticket = take(server, kiosk)
            wait_until(lambda: ticket["id"] in problems(server, kiosk), message="the failure")
            assert not has_ticket_bytes(printer.data())
    finally:
        printer.close()


def test_bad_device_token_is_refused(server, kiosk, printer, tmp_path):
    agent = agent_for(server, printer, tmp_path, kiosk, token="not-a-token").start()
    assert agent.wait_exit(timeout=20) == 2, agent.log()
    assert "refused" in agent.log()
    take(server, kiosk)
    assert not has_ticket_bytes(printer.data())


def test_add_device_command_issues_a_working_token(server, kiosk, printer, tmp_path):
    from server.site_file import DEMO_SITE
    from support import inprocess
    out = inprocess.qms("add-device", kiosk, "--site", DEMO_SITE, "--instance", server.instance)
    assert out.returncode == 0, out.stderr
    token = out.stdout.strip().splitlines()[-1]
    with agent_for(server, printer, tmp_path, kiosk, token=token) as agent:
        ticket = take(server, kiosk)
        wait_until(lambda: printer.tickets() == [ticket["number"]], message="printed")


def test_unplugged_device_file_is_a_fault_not_a_file(server, kiosk, tmp_path):
    """file:///dev/usb/lp0 with the printer unplugged: the agent reports the printer offline
    and the ticket not printed; it does not create a file that swallows the tickets."""
    device = "/dev/usb/lp-qms-unplugged"
    agent = AgentProcess(server.url, issue_token(server.url, kiosk), f"file://{device}",
                         tmp_path / "journal.jsonl", tmp_path / "agent.log")
    with agent:
        wait_until(lambda: printer_status(server.url, kiosk) == "offline",
                   message="offline reported")
        ticket = take(server, kiosk)
        wait_until(lambda: ticket["id"] in problems(server, kiosk), message="the failure")
        assert "chưa cắm" in problems(server, kiosk)[ticket["id"]]["reason"]
    assert not os.path.exists(device)
