"""The kiosk when no numbers can be taken, in a real Chromium against a real server:
after an officer closes the day the kiosk says so and takes no ticket until an officer opens
it; outside the site's opening hours it says when the site opens.
Screenshots: test-artifacts/kiosk-closed-*.png."""
import os
from datetime import datetime, timedelta, timezone

import pytest
import requests

from kiosk_helpers import past_guard
from support.browser import ARTIFACTS
from support.server_process import ROOT, Officer, ServerProcess, kiosk_page, take_ticket

pytestmark = pytest.mark.browser

PORTRAIT = {"width": 1080, "height": 1920}
LANDSCAPE = {"width": 1920, "height": 1080}


def _page(chromium, viewport):
    context = chromium.new_context(viewport=viewport, has_touch=True)
    page = context.new_page()
    page.clock.install()  # the double-tap guard is run forward (kiosk_helpers.past_guard)
    page.errors = []
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    return context, page


def _open(page, url):
    page.goto(kiosk_page(url))
    page.wait_for_selector(".service")
    page.wait_for_function("!document.body.classList.contains('booting')")
    past_guard(page)


def _shot(page, name):
    os.makedirs(ARTIFACTS, exist_ok=True)
    page.screenshot(path=os.path.join(ARTIFACTS, f"kiosk-closed-{name}.png"))


def _waiting_total(url):
    return sum(s["waiting"] for s in requests.get(url + "/api/state", timeout=10).json()["services"])


def test_a_closed_day_is_said_and_takes_no_ticket_until_an_officer_opens_it(
        shared_server, chromium):
    url = shared_server.url
    context, page = _page(chromium, PORTRAIT)
    try:
        _open(page, url)
        assert page.locator("#closed").is_hidden()
        officer = Officer(url)
        assert officer.post("/api/day/close").status_code == 200
        page.wait_for_selector("#closed", state="visible", timeout=10000)
        assert "Ngày làm việc hôm nay đã kết thúc" in page.locator("#closed-text").inner_text()
        _shot(page, "day-portrait")
        before = _waiting_total(url)
        page.locator(".service").first.click(force=True)
        page.wait_for_timeout(1500)
        assert page.evaluate("document.body.dataset.screen") == "services"
        assert _waiting_total(url) == before  # nothing silently reopened the day

        assert page.locator("#closed-text-en").inner_text() == "Today's business day is closed."
        assert page.locator("#closed-opens").is_hidden()  # no opening hours: no time to give

        assert officer.post("/api/day/open").status_code == 200
        page.wait_for_selector("#closed", state="hidden", timeout=10000)
        past_guard(page)
        page.locator(".service").first.click()
        page.wait_for_selector("#screen-priority:visible")
        assert page.errors == []
    finally:
        context.close()


def _hours_excluding_now():
    """Opening hours that do not include the present moment (Vietnam time)."""
    now = datetime.now(timezone(timedelta(hours=7)))
    start = now + timedelta(hours=1)
    if start.date() == now.date() and start.hour < 23:
        return f"{start:%H}:00-{start.hour + 1:02d}:00", f"{start:%H}:00"
    return "00:00-00:30", "00:00"  # late evening: the site opened just after midnight


def test_outside_opening_hours_the_kiosk_says_when_the_site_opens(tmp_path, chromium):
    span, opens = _hours_excluding_now()
    days = '["mon", "tue", "wed", "thu", "fri", "sat", "sun"]'
    start, end = span.split("-")
    site = tmp_path / "site.toml"
    site.write_text(open(f"{ROOT}/server/sites/demo.toml", encoding="utf-8").read()
                    + f'\n[opening_hours]\ndays = {days}\nopen = "{start}"\nclose = "{end}"\n',
                    encoding="utf-8")
    with ServerProcess(tmp_path / "instance", site=site) as server:
        context, page = _page(chromium, LANDSCAPE)
        try:
            page.goto(kiosk_page(server.url))
            page.wait_for_selector("#closed", state="visible", timeout=15000)
            assert "ngoài giờ" in page.locator("#closed-text").inner_text()
            assert f"Mời quay lại lúc {opens}" in page.locator("#closed-text").inner_text()
            assert page.locator("#closed-opens").inner_text() == opens
            assert "outside its opening hours" in page.locator("#closed-text-en").inner_text()
            _shot(page, "hours-landscape")
            answer = take_ticket(server.url)  # a paired kiosk's request, refused by the clock
            assert answer.status_code == 409
            assert answer.json()["error"]["code"] == "outside_hours"
            assert page.errors == []
        finally:
            context.close()
