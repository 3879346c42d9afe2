"""Two server processes of one site on one store (an SQLite file, and PostgreSQL), with no
message queue, plus `qms` commands run beside them: every action and every join is answered
from the store's latest version, and every change, whoever wrote it, is pushed to the screens
of both processes (server/store_watch.py).
"""
import os
from types import SimpleNamespace

import pytest
import requests

from support import inprocess
from support.databases import fresh_store
from support.server_process import ROOT, Officer, ServerProcess, take_ticket
from support.network_listener import Listener

# The whole file takes long (real processes): handed out first (tests/conftest.py).
pytestmark = pytest.mark.slow

DEMO_SITE = os.path.join(ROOT, "server", "sites", "demo.toml")


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def site(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp(request.param)
    with fresh_store(request.param, folder, "qms_procs") as store:
        with ServerProcess(folder / "a", store=store, site=DEMO_SITE) as a, \
                ServerProcess(folder / "b", store=store, site=DEMO_SITE, demo=True) as b:
            yield SimpleNamespace(a=a, b=b, store=store, folder=folder,
                                  officer_a=Officer(a.url), officer_b=Officer(b.url))


def qms(site, *args):
    """A `qms` command on the site's store, as an operator runs it beside the servers (here in
    the test process: a third writer with its own connection, as the command's process is)."""
    done = inprocess.qms(*args, "--site", DEMO_SITE, "--store", site.store,
                         "--instance", site.folder / "cli")
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def seq(server):
    return requests.get(server.url + "/healthz", timeout=10).json()["seq"]


def test_a_counter_opened_through_one_process_calls_next_on_the_other(site):
    ticket = take_ticket(site.a.url, "CCCD").json()["ticket"]
    assert site.officer_b.post("/api/counters/2/open").status_code == 200
    answer = site.officer_a.post("/api/counters/2/call-next")
    assert answer.status_code == 200, answer.text
    assert answer.json()["ticket"]["id"] == ticket["id"]


def test_a_call_on_one_process_reaches_a_display_on_the_other_without_a_message_queue(site):
    display = Listener(site.a.url, {"role": "display"})
    try:
        ticket = take_ticket(site.b.url, "CCCD").json()["ticket"]
        assert site.officer_b.post("/api/counters/1/open").status_code == 200
        called = site.officer_b.post("/api/counters/1/call-next").json()["ticket"]
        assert called["id"] == ticket["id"]
        shown = display.wait_for(lambda s: s["counters"][0]["serving"] == ticket["number"])
        assert shown["counters"][0]["state"] == "open"
    finally:
        display.close()


def test_a_display_joining_gets_the_latest_version(site):
    take_ticket(site.a.url, "VNEID")
    written = seq(site.a)  # A wrote it, so A's answer is the store's version
    display = Listener(site.b.url, {"role": "display"})
    try:
        assert display.join_answer["seq"] >= written
        first = display.states.get(timeout=10)
        assert first["seq"] >= written
    finally:
        display.close()


def test_close_day_and_open_day_from_the_command_line_reach_every_display(site):
    displays = [Listener(site.a.url, {"role": "display"}),
                Listener(site.b.url, {"role": "display"})]
    try:
        for display in displays:
            display.wait_for(lambda s: s["day_open"])
        summary = qms(site, "close-day")
        assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in summary  # the closed day's report
        for display in displays:
            display.wait_for(lambda s: not s["day_open"])
        assert "is open" in qms(site, "open-day")
        for display in displays:
            display.wait_for(lambda s: s["day_open"])
    finally:
        for display in displays:
            display.close()


def test_every_read_answers_the_latest_version(site):
    def waiting(server):
        services = requests.get(server.url + "/api/services", timeout=10).json()["services"]
        return next(s["waiting"] for s in services if s["code"] == "VNEID")

    before = waiting(site.b)
    take_ticket(site.a.url, "VNEID")
    assert waiting(site.b) == before + 1
    state = requests.get(site.b.url + "/api/state", timeout=10).json()
    assert state["seq"] == seq(site.a)
