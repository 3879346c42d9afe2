"""The citizen's rating tablet (`/rate?counter=3`) in Chromium against a real server: paired by an
admin on the tablet, it shows the completed ticket's number and officer, takes one rating with an
optional reason, thanks, goes back to idle by itself, reaches the chief's live tally and the
report, and stops working once revoked."""
import os
import pathlib

import pytest
import requests
import socketio

from support.server_process import Officer, ServerProcess, take_ticket
from support.waiting import wait_until

pytestmark = pytest.mark.browser

TABLET = {"width": 1024, "height": 600}
DEMO = pathlib.Path(__file__).resolve().parents[2] / "server" / "sites" / "demo.toml"


IDLE_SECONDS = 5  # the site's [ratings] idle_seconds: the rate screen back to idle untouched
THANKS_MS = 4000  # server/ratings/static/rate.js: the thanks screen, then idle


@pytest.fixture(scope="module")
def rating_site(tmp_path_factory):
    """The demo site with a short idle time on the tablet (5 s instead of 30)."""
    folder = tmp_path_factory.mktemp("instance")
    site = folder / "site.toml"
    site.write_text(DEMO.read_text(encoding="utf-8") +
                    f"\n[ratings]\nidle_seconds = {IDLE_SECONDS}\n", encoding="utf-8")
    with ServerProcess(folder, site=site) as server:
        yield server


def serve_one(officer, base_url, counter, service="VNEID"):
    """A citizen takes a ticket and the officer at `counter` calls, serves and completes it."""
    ticket = take_ticket(base_url, service).json()["ticket"]
    called = officer.post(f"/api/counters/{counter}/call", json={"ticket_id": ticket["id"]})
    assert called.status_code == 200, called.text
    assert officer.post(f"/api/tickets/{ticket['id']}/start").status_code == 200
    done = officer.post(f"/api/tickets/{ticket['id']}/complete", json={"outcome": "accepted"})
    assert done.status_code == 200, done.text
    return ticket


def paired_tablet(new_page, base_url, counter):
    """A tablet paired for `counter`, with Playwright's clock: a test jumps it past the
    tablet's own timers (back to idle) instead of sleeping through them."""
    page = new_page(TABLET)
    page.clock.install()
    page.goto(f"{base_url}/rate?counter={counter}")
    page.wait_for_selector("#screen-pair:not([hidden])")
    page.fill("#pair-form input[name=username]", "admin")
    page.fill("#pair-form input[name=password]", "admin123")
    page.click("#pair-form button[type=submit]")
    page.wait_for_selector("#screen-idle:not([hidden])")
    page.wait_for_function(f"!!localStorage.getItem('qms.rating.token.{counter}')")
    return page


def chief_tally(base_url):
    chief = Officer(base_url, "truongdiem", "truongdiem123")
    client = socketio.Client()
    tallies = []
    client.on("ratings_tally", tallies.append)
    client.connect(base_url, headers={"Cookie": chief.cookie_header()}, transports=["websocket"])
    assert client.call("ratings_tally", {}, timeout=10) == {"ok": True}
    return client, tallies


def test_a_citizen_rates_once_and_the_chief_sees_it(rating_site, new_page, artifacts):
    base = rating_site.url
    officer = Officer(base)
    assert officer.post("/api/counters/3/open").status_code == 200
    tablet = paired_tablet(new_page, base, 3)
    tablet.screenshot(path=os.path.join(artifacts, "rating-idle-1024x600.png"))
    # The officer's own session on the tablet is gone: only the device token stays.
    assert tablet.evaluate("fetch('/api/me').then(r => r.status)") == 401
    client, tallies = chief_tally(base)
    try:
        ticket = serve_one(officer, base, 3)
        tablet.wait_for_selector("#screen-rate:not([hidden])")
        assert tablet.inner_text("#rate-number") == ticket["number"]
        assert tablet.inner_text("#rate-officer") == "Cán bộ tiếp dân"
        assert [b.strip().split("\n")[0] for b in tablet.locator(".level").all_inner_texts()] == \
            ["Rất hài lòng", "Hài lòng", "Bình thường", "Không hài lòng"]
        tablet.screenshot(path=os.path.join(artifacts, "rating-ask-1024x600.png"))
        tablet.click(".level[data-code='unsatisfied']")
        tablet.wait_for_selector("#screen-reason:not([hidden])")
        tablet.screenshot(path=os.path.join(artifacts, "rating-reason-1024x600.png"))
        tablet.click(".reason[data-code='long_wait']")
        tablet.wait_for_selector("#screen-thanks:not([hidden])")
        wait_until(lambda: tallies and tallies[-1]["total"] == {"unsatisfied": 1})
        assert tallies[-1]["counters"] == {"3": {"unsatisfied": 1}}
        assert tallies[-1]["officers"] == {"Cán bộ tiếp dân": {"unsatisfied": 1}}
        tablet.clock.fast_forward(THANKS_MS)
        tablet.wait_for_selector("#screen-idle:not([hidden])")
        # The chief's report page shows the same tally, live.
        page = new_page({"width": 1280, "height": 900})
        page.goto(base + "/reports")
        page.fill("input[name=username]", "truongdiem")
        page.fill("input[name=password]", "truongdiem123")
        page.click("#signin button[type=submit]")
        page.wait_for_selector("#live-ratings:not([hidden])")
        assert page.locator("#live-body tr").first.inner_text().split("\t") == \
            ["Quầy 3", "0", "0", "0", "1"]
        serve_one(officer, base, 3)
        tablet.wait_for_selector("#screen-rate:not([hidden])")
        tablet.click(".level[data-code='satisfied']")
        page.wait_for_function("document.querySelector('#live-body tr').innerText.includes('1\t0\t1')")
        page.screenshot(path=os.path.join(artifacts, "reports-live-ratings.png"))
    finally:
        client.disconnect()
    token = tablet.evaluate("localStorage.getItem('qms.rating.token.3')")
    again = requests.post(base + "/api/ratings", headers={"X-Device-Token": token},
                          json={"ticket_id": ticket["id"], "level": "very_satisfied"})
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_rated"
    anonymous = requests.post(base + "/api/ratings", json={"ticket_id": ticket["id"],
                                                            "level": "very_satisfied"})
    assert anonymous.status_code == 401
    # The rating is in today's report, with its officer and counter.
    chief = Officer(base, "truongdiem", "truongdiem123")
    csv_text = chief.http.get(base + "/reports/download.csv").content.decode("utf-8-sig")
    block = csv_text.split("Đánh giá theo quầy")[1]
    assert "Không hài lòng" in block and "Quầy 3,0,1,0,1" in block
    assert tablet.console_errors == []


def test_back_to_idle_without_a_tap_and_a_good_rating_needs_no_reason(rating_site, new_page,
                                                                         artifacts):
    base = rating_site.url
    officer = Officer(base)
    assert officer.post("/api/counters/4/open").status_code == 200
    tablet = paired_tablet(new_page, base, 4)
    serve_one(officer, base, 4, service="PICKUP")
    tablet.wait_for_selector("#screen-rate:not([hidden])")
    # Nobody taps: the next citizen must not find the previous one's ticket on screen.
    tablet.clock.fast_forward(IDLE_SECONDS * 1000)
    tablet.wait_for_selector("#screen-idle:not([hidden])")
    ticket = serve_one(officer, base, 4, service="PICKUP")
    tablet.wait_for_selector("#screen-rate:not([hidden])")
    assert tablet.inner_text("#rate-number") == ticket["number"]
    tablet.click(".level[data-code='very_satisfied']")
    tablet.wait_for_selector("#screen-thanks:not([hidden])")  # no reason asked
    portrait = new_page({"width": 800, "height": 1280})
    portrait.goto(f"{base}/rate?counter=4")
    portrait.evaluate("1")
    portrait.screenshot(path=os.path.join(artifacts, "rating-pair-800x1280.png"))


def test_a_revoked_tablet_asks_to_be_paired_again(rating_site, new_page):
    base = rating_site.url
    tablet = paired_tablet(new_page, base, 2)
    admin = Officer(base, "admin", "admin123")
    revoked = admin.post("/api/rating-tablets/2/revoke")
    assert revoked.status_code == 200 and revoked.json()["revoked"] == 1
    tablet.reload()
    tablet.wait_for_selector("#screen-pair:not([hidden])")
    assert tablet.evaluate("localStorage.getItem('qms.rating.token.2')") is None
    officer = Officer(base)
    refused = officer.post("/api/rating-tablets", json={"counter": 2})
    assert refused.status_code == 403  # only an admin pairs a tablet
    assert admin.post("/api/rating-tablets", json={"counter": 99}).status_code == 404
