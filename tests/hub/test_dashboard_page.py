"""The provincial dashboard in headless Chromium against a real hub process (`qms hub`,
eventlet, its own PostgreSQL database): sites send their real events over HTTP with their
keys, and the page's tiles follow live; sort, district filter, the drill-down into one site's
queue, "offline since", and the sign-in that keeps everyone else out. Screenshots in
test-artifacts/hub-dashboard-*.png."""
import datetime
import os
import time

import pytest
import requests
import socketio

from server.hub.store import HubStore
from server.hub.viewers import create_user
from support.browser import ARTIFACTS
from support.databases import fresh_postgres
from support.hub_process import HubProcess
from dashboard_sites import LiveSite, sign_in

# Seconds unheard: the test hub's "offline", its site rows read every second (a site's
# settings: QMS_HUB_OFFLINE_AFTER_SECONDS, QMS_HUB_DASHBOARD_ROWS_SECONDS), so the quiet-site
# test waits ~6 s, not 90 + 5. A tile gone offline still shows its figures, and every test
# sends from its sites as it starts, so the others do not mind a site going quiet.
OFFLINE_AFTER = 5
SITES = (("ben-nghe", "Phường Bến Nghé", "Quận 1"), ("da-kao", "Phường Đa Kao", "Quận 1"),
         ("tan-phu", "Xã Tân Phú", "Huyện Củ Chi"),
         ("an-nhon-tay", "Xã An Nhơn Tây", "Huyện Củ Chi"))  # never connects
USER, PASSWORD = "lanhdao", "matkhau-tinh-1"
WIDE, LAPTOP = {"width": 1920, "height": 1080}, {"width": 1366, "height": 768}


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hub")
    with fresh_postgres("qms_hub_dash") as url:
        store = HubStore(url)
        keys = {sid: store.add_site(sid, name, district, time.time(), 5000, "2026-12-31")
                for sid, name, district in SITES}
        create_user(store, USER, PASSWORD, "Lãnh đạo tỉnh")
        env = {"QMS_HUB_OFFLINE_AFTER_SECONDS": str(OFFLINE_AFTER),
               "QMS_HUB_DASHBOARD_ROWS_SECONDS": "1",
               "QMS_HUB_PROVINCE_NAME": "Công an Thành phố Hồ Chí Minh"}
        hub_process = HubProcess(folder, url)
        hub_process.env = env
        with hub_process as proc:
            sites = {sid: LiveSite(folder, sid, keys[sid], proc.url) for sid, _, _ in SITES[:3]}
            for site in sites.values():
                site.open_day()
                site.send()
            yield proc, sites
            for site in sites.values():
                site.close()
        store.close()


@pytest.fixture
def page(chromium):
    context = chromium.new_context(viewport=WIDE, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.errors = []
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    yield page
    context.close()


def signed_in(page, hub_url):
    page.goto(hub_url + "/hub")
    page.fill("input[name=username]", USER)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("body[data-ready='1']")
    return page


def tile_waiting(page, site_id, n):
    page.wait_for_function(
        f"() => {{ const t = document.querySelector(\".tile[data-site='{site_id}']\");"
        f" return t && t.getAttribute('data-waiting') === '{n}'; }}")


def order(page):
    return page.eval_on_selector_all(".tile:not([hidden])", "ts => ts.map(t => t.dataset.site)")


def keep_alive(sites):
    for site in sites.values():
        site.send()


def test_nobody_gets_in_without_signing_in(hub):
    proc, _ = hub
    page = requests.get(proc.url + "/hub", timeout=10)
    assert page.status_code == 401 and "Đăng nhập" in page.text and "tile" not in page.text
    for path in ("/hub/api/tiles", "/hub/api/sites/ben-nghe/queue", "/hub/weekday.svg",
                 "/hub/reports/download.xlsx"):
        assert requests.get(proc.url + path, timeout=10).status_code == 401, path
    client = socketio.Client(reconnection=False)
    with pytest.raises(socketio.exceptions.ConnectionError):
        client.connect(proc.url, transports=["websocket"])
    # A signed-in user's socket is admitted and gets every tile.
    http = sign_in(requests.Session(), proc.url, USER, PASSWORD)
    cookie = "; ".join(f"{k}={v}" for k, v in http.cookies.items())
    client = socketio.Client(reconnection=False)
    client.connect(proc.url, transports=["websocket"], headers={"Cookie": cookie})
    try:
        answer = client.call("snapshot", {}, timeout=10)
        assert answer["ok"] and {t["site_id"] for t in answer["tiles"]} == {s[0] for s in SITES}
        assert client.call("queue", {"site_id": "nowhere"}, timeout=10)["ok"] is False
        assert client.call("queue", {"site_id": 5}, timeout=10)["error"]["code"] == "bad_field"
    finally:
        client.disconnect()


def test_a_tile_follows_its_site_live(hub, page):
    proc, sites = hub
    signed_in(page, proc.url)
    assert page.locator(".tile").count() == 4
    tile_waiting(page, "ben-nghe", 0)
    sites["ben-nghe"].issue(3)
    sites["ben-nghe"].send()
    tile_waiting(page, "ben-nghe", 3)  # pushed, no reload
    tile = page.locator(".tile[data-site='ben-nghe']")
    assert "Phường Bến Nghé" in tile.inner_text() and "Quận 1" in tile.inner_text()
    assert tile.locator(".row.issued .value").inner_text() == "3"
    sites["ben-nghe"].open_counter(1)
    sites["ben-nghe"].call(1)
    sites["ben-nghe"].send()
    tile_waiting(page, "ben-nghe", 2)
    assert tile.locator(".row.serving .value").inner_text() == "1"
    assert tile.locator(".row.counters .value").inner_text() == "1"
    assert "lâu nhất" in tile.locator(".longest").inner_text()
    # Never connected: said so, and counted among the offline.
    assert "Chưa kết nối" in page.locator(".tile[data-site='an-nhon-tay']").inner_text()
    assert page.locator("#total-waiting").inner_text() == str(
        sum(int(x) for x in page.eval_on_selector_all(".tile", "ts => ts.map(t => t.dataset.waiting)")))
    assert page.errors == []


def test_sort_and_district_filter(hub, page):
    proc, sites = hub
    signed_in(page, proc.url)
    keep_alive(sites)
    have = {sid: int(page.locator(f".tile[data-site='{sid}']").get_attribute("data-waiting"))
            for sid in sites}
    sites["da-kao"].issue(have["ben-nghe"] + 3 - have["da-kao"])
    sites["tan-phu"].issue(1 if have["tan-phu"] == 0 else 0)
    keep_alive(sites)
    tile_waiting(page, "da-kao", have["ben-nghe"] + 3)
    # Both sites' tiles must show their new figures before the order is read: the two sites'
    # batches can reach the board in different beats.
    tile_waiting(page, "tan-phu", max(have["tan-phu"], 1))
    page.select_option("#sort", "waiting")
    assert order(page)[:3] == ["da-kao", "ben-nghe", "tan-phu"]
    page.select_option("#sort", "name")
    assert order(page) == ["ben-nghe", "da-kao", "an-nhon-tay", "tan-phu"]  # Phường B, Phường Đ, Xã A, Xã T
    page.select_option("#sort", "offline")
    assert order(page)[0] == "an-nhon-tay"
    page.select_option("#district", "Huyện Củ Chi")
    assert sorted(order(page)) == ["an-nhon-tay", "tan-phu"]
    assert page.locator(".tile[data-site='da-kao']").is_hidden()
    # A push while filtered keeps the filter (the hidden tile is updated all the same).
    before = int(page.locator(".tile[data-site='ben-nghe']").get_attribute("data-waiting"))
    sites["ben-nghe"].issue(1)
    sites["ben-nghe"].send()
    tile_waiting(page, "ben-nghe", before + 1)
    assert sorted(order(page)) == ["an-nhon-tay", "tan-phu"]
    page.select_option("#district", "")
    assert len(order(page)) == 4
    assert page.errors == []


def test_drill_down_into_one_sites_queue(hub, page):
    proc, sites = hub
    signed_in(page, proc.url)
    keep_alive(sites)
    site = sites["da-kao"]
    site.issue(2, service="VNEID")
    site.send()
    waiting = sum(1 for t in site.runtime.state.tickets.values() if t.status == "waiting")
    tile_waiting(page, "da-kao", waiting)
    page.click(".tile[data-site='da-kao']")
    page.wait_for_selector("#drill:not([hidden])")
    page.wait_for_function("document.getElementById('drill-name').textContent === 'Phường Đa Kao'")
    rows = dict(page.eval_on_selector_all(
        "#drill-services tr", "rs => rs.map(r => [r.dataset.service, r.children[1].textContent])"))
    assert rows["VNEID"] == "2" and rows["CCCD"] == str(waiting - 2)
    # The site calls at counter 2: the open panel follows.
    site.open_counter(2)
    called = site.call(2)
    site.send()
    label = site.runtime.state.tickets[called["ticket_id"]].label
    page.wait_for_function(
        f"() => [...document.querySelectorAll('#drill-counters .counter')]"
        f".some(c => c.textContent.includes('{label}'))")
    assert label in page.locator("#drill-calls").inner_text()
    page.wait_for_function("document.getElementById('drill-chart').naturalWidth > 0")
    text = page.locator("#drill").inner_text()
    assert "canbo" not in text  # no officer names on the hub's pages
    shots(page, "drill-down")
    page.click("#drill-close")
    assert page.locator("#drill").is_hidden()
    assert page.errors == []


def test_offline_since_when_a_site_goes_quiet(hub, page):
    proc, sites = hub
    signed_in(page, proc.url)
    sites["tan-phu"].send()
    last = time.time()
    tile = page.locator(".tile[data-site='tan-phu']")
    page.wait_for_function(  # it may have been quiet through the tests before: back now
        "document.querySelector(\".tile[data-site='tan-phu']\").dataset.offline === '0'")
    deadline = time.monotonic() + OFFLINE_AFTER + 30  # generous: a loaded CI box
    while time.monotonic() < deadline and tile.get_attribute("data-offline") != "1":
        sites["ben-nghe"].send()  # the others keep asking, as agents do
        sites["da-kao"].send()
        page.wait_for_timeout(1000)
    assert tile.get_attribute("data-offline") == "1", proc.log()
    since = datetime.datetime.fromtimestamp(last, datetime.timezone(datetime.timedelta(hours=7)))
    assert f"Mất kết nối từ {since:%H:%M}" in tile.inner_text()
    assert page.locator(".tile[data-site='ben-nghe']").get_attribute("data-offline") == "0"
    sites["tan-phu"].send()  # back
    page.wait_for_function("document.querySelector(\".tile[data-site='tan-phu']\").dataset.offline === '0'")
    assert page.errors == []


def test_screens_at_desk_and_laptop_sizes(hub, page):
    proc, sites = hub
    signed_in(page, proc.url)
    keep_alive(sites)
    page.wait_for_function("document.getElementById('province-chart').naturalWidth > 0")
    shots(page, "dashboard")
    page.goto(proc.url + "/hub/reports?kind=week")
    assert page.locator("#table-sites tbody tr").count() == 4
    assert "Tiến độ chiến dịch" in page.locator("#table-campaign").inner_text()
    shots(page, "report")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(proc.url + "/hub")
    page.wait_for_selector("body[data-ready='1']")
    page.screenshot(path=os.path.join(ARTIFACTS, "hub-dashboard-phone.png"), full_page=False)
    assert page.errors == []


def shots(page, name):
    os.makedirs(ARTIFACTS, exist_ok=True)
    for size, label in ((WIDE, "1920"), (LAPTOP, "1366")):
        page.set_viewport_size(size)
        page.wait_for_timeout(300)
        page.screenshot(path=os.path.join(ARTIFACTS, f"hub-{name}-{label}.png"))
    page.set_viewport_size(WIDE)
