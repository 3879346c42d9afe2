"""A citizen asks at the kiosk (or on the tracking page) to be texted: any waiting ticket, by
its public token; the message goes to the local fake provider when the turn nears, once, and
the ask survives a restart."""
import pytest
import sqlalchemy as sa

from server.store.sql import site_notices

from support.fake_provider import FakeProvider
from support.inprocess import InProcessSite, post
from support.server_process import Officer, take_ticket
from support.waiting import wait_until


def test_an_opted_in_walk_in_is_texted_once_when_three_are_ahead(texting_site):
    site, sms = texting_site
    officer = Officer(site.url)
    assert officer.post("/api/counters/2/open").status_code == 200
    ahead = [take_ticket(site.url, "VNEID").json()["ticket"] for _ in range(5)]
    mine = take_ticket(site.url, "VNEID").json()["ticket"]
    assert mine["position"] == 5
    asked = post(f"{site.url}/api/tickets/{mine['track']}/notify", json={"phone": "0987 654 321"})
    assert asked.status_code == 200, asked.text
    assert sms.received == []  # five ahead: not yet
    for ticket in ahead[:2]:
        called = officer.post("/api/counters/2/call-next").json()["ticket"]
        officer.post(f"/api/tickets/{called['id']}/complete", json={"outcome": "accepted"})
    wait_until(lambda: sms.received, timeout=10, message="the text")
    officer.post("/api/counters/2/call-next")
    site.stop()
    site.start()  # the ask is kept; the message is not sent again
    officer = Officer(site.url)
    officer.post(f"/api/tickets/{ahead[2]['id']}/complete", json={"outcome": "accepted"})
    officer.post("/api/counters/2/call-next")
    assert [(r["json"]["Phone"], r["json"]["Content"]) for r in sms.received] == \
        [("0987654321", "Còn 3 người nữa đến lượt bạn tại Quầy 2")]


def test_an_ask_before_any_counter_opens_is_texted_when_one_opens_naming_it(texting_site):
    """Before the counters open every citizen is "near" (the line of every counter that could
    serve them): the text waits for an open counter and names it. It once went at the ask,
    naming Quầy 2 (closed, the lowest number), and was the only text the citizen got."""
    site, sms = texting_site
    mine = take_ticket(site.url, "VNEID").json()["ticket"]
    asked = post(f"{site.url}/api/tickets/{mine['track']}/notify", json={"phone": "0987654321"})
    assert asked.status_code == 200, asked.text
    with site.runtime.store.engine.connect() as conn:  # the send is claimed in the ask itself
        assert conn.execute(sa.select(site_notices)).all() == []
    officer = Officer(site.url)
    assert officer.post("/api/counters/3/open").status_code == 200
    wait_until(lambda: sms.received, timeout=10, message="the text")
    assert [r["json"]["Content"] for r in sms.received] == [
        "Sắp đến lượt bạn tại Quầy 3. Mời chuẩn bị giấy tờ."]


@pytest.mark.parametrize("ref, phone, status, code", [
    ("x" * 20, "0987654321", 404, "unknown_ticket"),
    # An all-digit token once went to the officers' /api/tickets/<id>/<verb> (401).
    ("0" * 16, "0987654321", 404, "unknown_ticket"),
    (None, "12345", 422, "bad_phone"),
])
def test_bad_asks_are_refused(texting_site, ref, phone, status, code):
    site, sms = texting_site
    ref = ref or take_ticket(site.url, "VNEID").json()["ticket"]["track"]
    answer = post(f"{site.url}/api/tickets/{ref}/notify", json={"phone": phone})
    assert answer.status_code == status and answer.json()["error"]["code"] == code
    if code == "bad_phone":  # the rule in full: "starts with 0" let 02… seem fine
        assert "03, 05, 07, 08 hoặc 09" in answer.json()["error"]["message"]


def test_the_tracking_page_says_the_ask_in_one_voice_and_counts_one_person(tmp_path):
    """The reminder's lead speaks as the rest of the page ("công dân", never "bạn" beside it)
    and in English says "1 person is", not "1 people are" (QMS_NOTIFY_AHEAD=1)."""
    with FakeProvider() as sms:
        site = InProcessSite(tmp_path / "instance", config={"NOTIFY_SMS_URL": sms.url,
                                                            "NOTIFY_AHEAD": 1})
        try:
            track = take_ticket(site.url, "VNEID").json()["ticket"]["track"]
            page = site.get(f"/t/{track}")
            assert page.status_code == 200
            lead = page.text.split('id="remind-title"')[1].split("</p>")[0]
            assert "Báo khi còn 1 người phía trước công dân." in lead
            assert "bạn" not in lead and "1 person is ahead of you" in lead
        finally:
            site.stop()
