"""Settings changed while the site runs (the admin pages): checked by the site file's rules,
refused when they would strand today's tickets, recorded with who, and kept across a restart
unless the site file was edited since."""
import copy
import dataclasses

import pytest

from server.app import DEMO_SITE, load_site
from server.engine import Refused
from server.engine import commands as c
from server.engine.site import site_to_dict
from server.runtime import SiteRuntime
from server.store.sql import SqlStore

T = 1_796_090_400.0  # 2026-12-01 08:00 in Vietnam
DAY = "2026-12-01"


@pytest.fixture
def runtime(tmp_path):
    store = SqlStore("sqlite:///" + str(tmp_path / "qms.sqlite3"), sqlite_synchronous="OFF")
    rt = SiteRuntime(load_site(DEMO_SITE), store)
    rt.execute(c.OpenDay(DAY, T))
    yield rt
    store.close()


def change(rt, edit, by="admin"):
    data = copy.deepcopy(site_to_dict(rt.site))
    edit(data)
    return rt.execute(c.ChangeSite(data, by, T + 60, base=rt.file_settings()))


def refused(rt, edit):
    before = (rt.state.seq, rt.site)
    with pytest.raises(Refused) as caught:
        change(rt, edit)
    assert (rt.state.seq, rt.site) == before  # nothing changed
    return caught.value


def test_a_change_is_an_event_with_who_and_applies_at_once(runtime):
    def edit(data):
        data["services"][1]["name_vi"] = "Kích hoạt định danh điện tử VNeID"
        data["services"][4]["daily_cap"] = 60
        data["counters"].append({"number": 6, "name": "Quầy 6", "services": ["PICKUP"]})
        data["display"]["notice"] = "Nghỉ trưa 11:30–13:00"
    events = change(runtime, edit, by="lan")
    assert [e["type"] for e in events] == ["site_changed"]
    assert events[0]["by"] == "lan" and events[0]["at"] == T + 60
    assert runtime.site.service("VNEID").name_vi == "Kích hoạt định danh điện tử VNeID"
    assert runtime.site.service("VEHICLE").daily_cap == 60
    assert runtime.site.counter(6).services == ("PICKUP",)
    assert runtime.site.display.notice == "Nghỉ trưa 11:30–13:00"
    runtime.execute(c.OpenCounter(6, T + 70, "lan"))  # the new counter works at once
    assert runtime.state.counters[6].state == "open"


def test_the_site_file_rules_apply(runtime):
    def same_letter(data):
        data["services"][1]["letter"] = "A"
    refusal = refused(runtime, same_letter)
    assert refusal.code == "bad_site" and refusal.status == 422
    assert "services.1.letter" in refusal.message_vi and "trùng" in refusal.message_vi

    def unknown_key(data):
        data["services"][0]["colour"] = "red"
    assert refused(runtime, unknown_key).code == "bad_site"

    def other_site(data):
        data["site"]["id"] = "another"
    assert refused(runtime, other_site).code == "site_id_changed"


def test_changes_that_would_strand_todays_tickets_are_refused(runtime):
    runtime.execute(c.IssueTicket("VEHICLE", None, "r1", T + 1))
    runtime.execute(c.IssueTicket("CCCD", "elderly", "r2", T + 2))
    runtime.execute(c.OpenCounter(2, T + 3, "hoa"))

    def drop_vehicle(data):
        data["services"] = [s for s in data["services"] if s["code"] != "VEHICLE"]
        data["counters"] = [k for k in data["counters"] if k["services"] != ["VEHICLE"]]
    refusal = refused(runtime, drop_vehicle)
    assert refusal.code == "conflicts_with_today" and refusal.status == 409
    assert "Đăng ký xe" in refusal.message_vi

    def new_letter(data):
        data["services"][0]["letter"] = "Z"
    assert "từ ngày mai" in refused(runtime, new_letter).message_vi

    runtime.execute(c.IssueTicket("VEHICLE", None, "r3", T + 4))

    def cap_below_issued(data):
        data["services"][4]["daily_cap"] = 1
    assert refused(runtime, cap_below_issued).code == "conflicts_with_today"

    def drop_open_counter(data):
        data["counters"] = [k for k in data["counters"] if k["number"] != 2]
    assert refused(runtime, drop_open_counter).code == "conflicts_with_today"

    def drop_group(data):
        data["priority_groups"] = [g for g in data["priority_groups"] if g["code"] != "elderly"]
    assert refused(runtime, drop_group).code == "conflicts_with_today"

    def drop_closed_counter(data):  # no ticket needs counter 4: fine
        data["counters"] = [k for k in data["counters"] if k["number"] != 4]
    change(runtime, drop_closed_counter)
    assert runtime.site.counter(4) is None


def test_changes_outlive_a_restart_unless_the_file_was_edited(runtime):
    def edit(data):
        data["display"]["notice"] = "Thông báo mới"
    change(runtime, edit)
    again = SiteRuntime(load_site(DEMO_SITE), runtime.store)
    assert again.site.display.notice == "Thông báo mới"
    assert again.state.seq == runtime.state.seq
    edited_file = dataclasses.replace(load_site(DEMO_SITE), name="Tên mới trong tệp")
    from_file = SiteRuntime(edited_file, runtime.store)
    assert from_file.site.name == "Tên mới trong tệp"
    assert from_file.site.display.notice == load_site(DEMO_SITE).display.notice
    assert from_file.state.seq == runtime.state.seq
