"""The operator's `qms` commands (run in this process, CliRunner) on an instance folder, the app
on it; `qms serve` as its own process."""
import json

import pytest
import requests

from server.site_file import DEMO_SITE
from support import inprocess as web
from support.inprocess import InProcessSite
from support.server_process import Officer, ServerProcess, take_ticket

# The whole file takes long (real processes): handed out first (tests/conftest.py).
pytestmark = pytest.mark.slow


def qms(*args, input=None):
    """A command on the demo site, run in this process (CliRunner): what it says and does to
    the store is the point; tests/cli/test_deployment.py runs `qms` as its own process."""
    return web.qms(*args, "--site", DEMO_SITE, input=input)


def test_officers_and_the_day_from_the_command_line(tmp_path):
    instance = str(tmp_path / "instance")
    made = qms("create-officer", "lan", "--name", "Trần Thị Lan", "--role", "admin",
               "--password", "matkhau-2026", "--instance", instance)
    assert made.returncode == 0, made.stderr
    assert "lan (admin)" in made.stdout
    short = qms("create-officer", "x", "--password", "123", "--instance", instance)
    assert short.returncode == 2 and "at least 6" in short.stderr

    opened = qms("open-day", "--instance", instance)
    assert opened.returncode == 0 and "is open" in opened.stdout
    again = qms("open-day", "--instance", instance)
    assert again.returncode == 1 and "đã mở" in again.stderr

    with InProcessSite(instance, demo=False) as server:  # the app on the same instance
        login = web.post(server.url + "/api/login",
                              json={"username": "lan", "password": "matkhau-2026"})
        assert login.status_code == 200 and login.json()["officer"]["role"] == "admin"
        for service in ("CCCD", "CCCD", "VNEID"):
            assert take_ticket(server.url, service).status_code == 201
        # A first no-show (requeued, then ended by the day close) and one cancelled by the officer.
        lan = Officer(server.url, "lan", "matkhau-2026")
        assert lan.post("/api/counters/1/open").status_code == 200
        first = lan.post("/api/counters/1/call-next").json()["ticket"]["id"]
        assert lan.post(f"/api/tickets/{first}/no-show").status_code == 200
        second = lan.post("/api/counters/1/call-next").json()["ticket"]["id"]
        assert second != first
        assert lan.post(f"/api/tickets/{second}/cancel").status_code == 200
        site_name = server.runtime.site.name

    closed = qms("close-day", "--instance", instance)
    assert closed.returncode == 0, closed.stderr
    # The day's report, as `qms report` has it: the site named, Vietnamese labels, the requeued
    # no-show counted, cancellations split by officer / day close.
    assert site_name in closed.stdout and "issued" not in closed.stdout
    totals = [line for line in closed.stdout.splitlines() if "Tổng" in line and "Vắng mặt" in line]
    assert totals, closed.stdout
    figures = dict(part.split(": ", 1) for part in totals[0].strip().split(" | "))
    assert figures["Số đã cấp"] == "3" and figures["Vắng mặt"] == "1"
    assert figures["Cán bộ hủy"] == "1" and figures["Hủy khi hết ngày"] == "2"
    assert figures["Công dân bỏ về"] == "0"

    # Scripts that read the engine's summary still can.
    other = str(tmp_path / "other")
    assert qms("open-day", "--instance", other).returncode == 0
    again = qms("close-day", "--json", "--instance", other)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["totals"]["issued"] == 0


def test_serve_prints_where_to_open_the_pages(tmp_path):
    server = ServerProcess(tmp_path / "instance").start()
    try:
        log = server.log()
        for page in ("/kiosk", "/display", "/counter"):
            assert f"{server.url.replace('127.0.0.1', 'localhost')}{page}" in log
            assert requests.get(server.url + page).status_code == 200
        assert "canbo / canbo123" in log
        # eventlet patched before anything of the app was imported: no warnings, no tracebacks.
        assert "monkey_patch" not in log and "Traceback" not in log and "deprecated" not in log
    finally:
        server.stop()
