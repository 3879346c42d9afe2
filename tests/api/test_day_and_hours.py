"""The day, the clock and the kiosk, through the real app (in process; the wall clock is
`server.clock.now`, set per test, the one place the server reads it).

- A day an officer closed stays closed: tickets are refused with a message until an officer
  opens it (the next ticket used to reopen it silently).
- Opening hours from the site file: tickets outside them are refused, and the kiosk's view
  says when the site opens; the first ticket of a new day at opening time still opens it.
- A clock that ran ahead: a business day more than one working day after the last one is
  not opened by a ticket, only by an officer who confirms; and `qms repair-day` recovers a
  store where a ticket was issued "next year" (also after a restart).
"""
import time
from datetime import datetime, timedelta, timezone

import pytest
from click.testing import CliRunner

from support.inprocess import InProcessSite
from support.server_process import ROOT, Officer, take_ticket

from server.cli import main
from server.engine import hours
from server.site_file import DEMO_SITE

VN = timezone(timedelta(hours=7))
DEMO = f"{ROOT}/server/sites/demo.toml"
HOURS = """
[opening_hours]
days = ["mon", "tue", "wed", "thu", "fri"]
open = "07:30"
close = "17:00"
lunch = "11:30-13:00"
sat = ["07:30-11:30"]
"""


def at(year, month, day, hour=9, minute=0):
    return datetime(year, month, day, hour, minute, tzinfo=VN).timestamp()


class Clock:
    def __init__(self, monkeypatch, when):
        self.when = when
        monkeypatch.setattr("server.clock.now", lambda: self.when)


def _refused(answer, status, code):
    assert answer.status_code == status, answer.text
    error = answer.json()["error"]
    assert error["code"] == code and error["message"] and error["message_en"]
    return error


def _ok(answer, status=200):
    assert answer.status_code == status, answer.text
    return answer.json()


def test_a_closed_day_stays_closed_until_an_officer_opens_it(site):
    officer = Officer(site.url)
    _ok(take_ticket(site.url, "CCCD"), 201)
    _ok(officer.post("/api/day/close"))
    error = _refused(take_ticket(site.url, "CCCD"), 409, "day_closed")
    assert "kết thúc" in error["message"] and "closed" in error["message_en"]
    issuing = _ok(site.get("/api/state"))["issuing"]
    assert issuing["open"] is False and issuing["code"] == "day_closed"
    site.restart()  # closed is closed after a restart too
    _refused(take_ticket(site.url, "CCCD"), 409, "day_closed")
    assert _ok(site.get("/api/state"))["day_open"] is False
    officer = Officer(site.url)
    _ok(officer.post("/api/day/open"))
    assert _ok(site.get("/api/state"))["issuing"]["open"] is True
    _ok(take_ticket(site.url, "CCCD"), 201)


@pytest.fixture
def hours_site(tmp_path):
    path = tmp_path / "site.toml"
    path.write_text(open(DEMO, encoding="utf-8").read() + HOURS, encoding="utf-8")
    return path


def test_tickets_outside_opening_hours_are_refused_with_when_the_site_opens(
        tmp_path, hours_site, monkeypatch):
    clock = Clock(monkeypatch, at(2026, 12, 4, 16, 0))  # a Friday afternoon: open
    with InProcessSite(tmp_path / "instance", site=hours_site) as site:
        friday = _ok(take_ticket(site.url, "CCCD"), 201)["ticket"]
        assert friday["issued_at"].startswith("2026-12-04")
        view = _ok(site.get("/api/state"))["issuing"]
        assert view["open"] and view["closes_at"] == "2026-12-04T17:00:00+07:00"

        clock.when = at(2026, 12, 4, 17, 5)  # after closing time
        error = _refused(take_ticket(site.url, "CCCD"), 409, "outside_hours")
        assert "07:30 ngày mai" in error["message"] and "07:30 tomorrow" in error["message_en"]
        view = _ok(site.get("/api/state"))["issuing"]
        assert view["open"] is False and view["opens_at"] == "2026-12-05T07:30:00+07:00"

        clock.when = at(2026, 12, 5, 12, 0)  # Saturday: mornings only
        error = _refused(take_ticket(site.url, "CCCD"), 409, "outside_hours")
        assert "07:30 thứ Hai 07/12" in error["message"]
        clock.when = at(2026, 12, 7, 12, 0)  # Monday lunch break
        error = _refused(take_ticket(site.url, "CCCD"), 409, "outside_hours")
        assert "13:00 hôm nay" in error["message"] and "13:00 today" in error["message_en"]
        assert _ok(site.get("/api/state"))["issuing"]["changes_in"] == 3600

        # Monday at opening time: the first ticket opens the new business day by itself
        # (Friday to Monday is one working day: the weekend is closed).
        clock.when = at(2026, 12, 7, 7, 30)
        monday = _ok(take_ticket(site.url, "CCCD"), 201)["ticket"]
        assert monday["number"] == "A001"
        assert _ok(site.get("/healthz"))["day"] == "2026-12-07"


def test_a_day_far_after_the_last_one_needs_an_officer_to_confirm(site, monkeypatch):
    clock = Clock(monkeypatch, site.runtime.now() + 366 * 86400)  # the clock ran ahead
    error = _refused(take_ticket(site.url, "CCCD"), 409, "day_needs_officer")
    assert "cán bộ" in error["message"]
    assert _ok(site.get("/api/state"))["issuing"]["code"] == "day_needs_officer"
    officer = Officer(site.url)
    error = _refused(officer.post("/api/day/open"), 409, "day_gap")
    assert "confirm" in error["message_en"]
    opened = _ok(officer.post("/api/day/open", {"confirm": True}))
    assert opened["events"][-1] == "day_opened"
    assert _ok(site.get("/healthz"))["day"] == hours.business_day(site.runtime.site, clock.when)
    _ok(take_ticket(site.url, "CCCD"), 201)


def _repair_day(instance):
    """`qms repair-day` as an operator runs it (click's runner: the real command, in process)."""
    done = CliRunner().invoke(main, ["repair-day", "--instance", str(instance), "--site", DEMO_SITE])
    assert done.exit_code == 0, done.output
    return done.output


@pytest.mark.parametrize("first", ["ticket", "open_day"])
def test_repair_day_recovers_from_a_ticket_issued_next_year(tmp_path, monkeypatch, first):
    instance = tmp_path / "instance"
    real_now = time.time()
    clock = Clock(monkeypatch, real_now + 366 * 86400)
    # A store the clock ran ahead on: no day before it, so "next year" was opened.
    with InProcessSite(instance) as site:
        site.demo = False  # restarts as `qms serve` without --demo: only officers open days
        future = _ok(take_ticket(site.url, "CCCD"), 201)["ticket"]
        clock.when = real_now  # the clock is right again
        site.restart()
        error = _refused(take_ticket(site.url, "CCCD"), 409, "clock_behind")
        assert "cán bộ" in error["message"]
        error = _refused(Officer(site.url).post("/api/day/open"), 409, "day_in_past")
        assert "qms repair-day" in error["message"] and "qms repair-day" in error["message_en"]
        site.stop()

        said = _repair_day(instance)  # with the clock right again
        assert future["issued_at"][:10] in said

        site.start()
        officer = Officer(site.url)
        if first == "open_day":
            assert _ok(officer.post("/api/day/open"))["events"][-1] == "day_opened"
        today = _ok(take_ticket(site.url, "CCCD"), 201)["ticket"]
        assert today["number"] == "A001" and today["issued_at"][:10] != future["issued_at"][:10]
        site.restart()  # and after a restart the repaired store serves today
        assert _ok(site.get("/healthz"))["day"] == today["issued_at"][:10]
        again = _ok(take_ticket(site.url, "CCCD"), 201)["ticket"]
        assert again["number"] == "A002"
        _refused(Officer(site.url).post("/api/day/open"), 409, "day_already_open")
