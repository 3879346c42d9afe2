"""The officers' desk pages in Chromium: one look (the core palette and font, no colours or
fonts of their own), one navigation between them, a page (not JSON) for an unknown address,
and dates written dd/mm/yyyy whatever the browser's locale."""
import os
import re

import pytest
import requests

from support.server_process import ROOT

pytestmark = pytest.mark.browser

DESK = {"width": 1366, "height": 768}
WIDE = {"width": 1920, "height": 1080}
SHOTS = os.environ.get("QMS_SHOTS")  # also save the screenshots there (e.g. /tmp/shots/look)

# core/qms.css: --paper, --red, --action
PAPER, RED, ACTION = "rgb(243, 239, 231)", "rgb(168, 21, 27)", "rgb(21, 86, 176)"

DESK_PAGES = ("/reports", "/plan", "/admin/settings", "/admin/people", "/admin/preview")
PAGE_STYLESHEETS = ("server/reports/static/reports.css", "server/simulate/static/plan.css",
                    "server/admin/static/settings.css", "server/static/admin/admin.css",
                    "server/ratings/static/rate.css")


@pytest.fixture
def english_browser(chromium):
    """A Chromium in US English (dates mm/dd/yyyy, 12-hour clock by its own rules)."""
    contexts = []

    def make(viewport=DESK, who=None, base=None):
        context = chromium.new_context(viewport=viewport, locale="en-US")
        contexts.append(context)
        if who:
            answer = context.request.post(base + "/api/login",
                                          data={"username": who, "password": who + "123"})
            assert answer.ok, answer.text()
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.errors = []
        page.on("pageerror", lambda exc: page.errors.append(str(exc)))
        return page

    yield make
    for context in contexts:
        context.close()


def shot(page, artifacts, name):
    page.screenshot(path=os.path.join(artifacts, f"desk-{name}.png"), full_page=False)
    if SHOTS:
        os.makedirs(SHOTS, exist_ok=True)
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=False)


def style(page, selector, prop):
    return page.eval_on_selector(selector, f"e => getComputedStyle(e).{prop}")


# --- one look -----------------------------------------------------------------------------

@pytest.mark.parametrize("path", DESK_PAGES + ("/rate?counter=1",))
def test_every_desk_page_wears_the_core_look(site, english_browser, artifacts, path):
    page = english_browser(who=None if path.startswith("/rate") else "admin", base=site.url)
    page.goto(site.url + path)
    page.wait_for_load_state("networkidle")
    assert style(page, "body", "fontFamily").startswith('"Be Vietnam Pro"')
    assert style(page, "body", "backgroundColor") == PAPER
    assert style(page, ".qms-band", "backgroundColor") == RED
    primary = "#pair-form .primary" if path.startswith("/rate") else ".primary"
    page.wait_for_selector(primary, state="attached")
    assert style(page, primary, "backgroundColor") == ACTION
    assert page.evaluate("document.fonts.check('16px \"Be Vietnam Pro\"')")
    assert page.errors == []
    shot(page, artifacts, path.strip("/").replace("/", "-").replace("?counter=", "-") + "-1366x768")


def test_page_stylesheets_name_no_colour_or_font_of_their_own():
    """Colours and fonts come from the core's tokens (var(--…)); a page's sheet lays out only.
    White and black transparencies (shadows, text on a coloured button) are not a palette."""
    literal = re.compile(r"#[0-9a-fA-F]{3,8}\b|\brgba?\(\s*(?!0\s*,\s*0\s*,\s*0|255\s*,\s*255\s*,\s*255)")
    for name in PAGE_STYLESHEETS:
        with open(os.path.join(ROOT, name), encoding="utf-8") as fh:
            css = re.sub(r"/\*.*?\*/", "", fh.read(), flags=re.S)
        colours = [c for c in literal.findall(css) if c.lower() not in ("#fff", "#ffffff")]
        assert colours == [], f"{name}: {colours}"
        fonts = re.findall(r"font-family\s*:\s*([^;}]*)", css)
        assert all(f.strip().startswith(("var(--font", "inherit")) for f in fonts), f"{name}: {fonts}"
        assert not re.search(r"\bfont\s*:\s*[^;}]*(sans|serif|Arial|Vietnam)", css), name


# --- one navigation -----------------------------------------------------------------------

def nav_pages(page):
    return page.eval_on_selector_all("#officer-nav a", "links => links.map(a => a.dataset.page)")


def test_the_navigation_lists_what_the_officer_may_open(site, english_browser, artifacts):
    admin = english_browser(viewport=WIDE, who="admin", base=site.url)
    admin.goto(site.url + "/reports")
    assert nav_pages(admin) == ["counter", "reports", "plan", "settings", "people", "preview"]
    assert admin.get_attribute("#officer-nav a[aria-current=page]", "data-page") == "reports"
    for target, path in (("plan", "/plan"), ("settings", "/admin/settings"),
                         ("people", "/admin/people"), ("preview", "/admin/preview"),
                         ("reports", "/reports"), ("counter", "/counter")):
        admin.click(f"#officer-nav a[data-page={target}]")
        admin.wait_for_url(site.url + path)
        if target != "counter":
            assert admin.get_attribute("#officer-nav a[aria-current=page]", "data-page") == target
    # On a 1366 px desk the admin's band stays one line.
    narrow = english_browser(viewport=DESK, who="admin", base=site.url)
    narrow.goto(site.url + "/admin/settings")
    box = narrow.eval_on_selector(".desk-band", "e => e.getBoundingClientRect().height")
    assert box < 70, box
    shot(narrow, artifacts, "nav-admin-1366x768")

    chief = english_browser(who="truongdiem", base=site.url)
    chief.goto(site.url + "/plan")
    assert nav_pages(chief) == ["counter", "reports", "plan"]
    assert "Trưởng điểm" in chief.inner_text("#officer-nav-who")

    visitor = english_browser()
    visitor.goto(site.url + "/reports")
    assert visitor.locator("#officer-nav").count() == 0
    assert visitor.locator(".desk-band").count() == 1  # the site's band, no pages to offer


# --- not found ----------------------------------------------------------------------------

def test_an_unknown_address_is_a_page_for_a_browser_and_json_for_an_api(site, english_browser, artifacts):
    for viewport, name in ((DESK, "1366x768"), ({"width": 390, "height": 844}, "390x844")):
        page = english_browser(viewport=viewport)
        answer = page.goto(site.url + "/khong-co-trang-nay")
        assert answer.status == 404 and answer.headers["content-type"].startswith("text/html")
        text = page.inner_text("#not-found")
        assert "Không tìm thấy trang" in text and "Page not found" in text
        # It promises nothing: no "this page updates/refreshes by itself".
        assert not re.search(r"tự cập nhật|tải lại|refresh|update", text, re.I)
        assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
        shot(page, artifacts, f"not-found-{name}")
    api = requests.get(site.url + "/khong-co-trang-nay", timeout=10)
    assert api.status_code == 404 and api.json()["error"]["code"] == "not_found"
    under_api = requests.get(site.url + "/api/khong-co", headers={"Accept": "text/html"}, timeout=10)
    assert under_api.status_code == 404 and under_api.json()["error"]["code"] == "not_found"


# --- dates --------------------------------------------------------------------------------

DAY = re.compile(r"^\d{2}/\d{2}/\d{4}$")


def test_dates_are_written_day_month_year_in_an_english_browser(site, english_browser, artifacts):
    page = english_browser(who="truongdiem", base=site.url)
    page.goto(site.url + "/reports")
    day = page.locator("input[name=day]")
    assert day.get_attribute("type") in (None, "text")
    today = day.input_value()
    assert DAY.match(today), today
    page.fill("input[name=day]", "24/11/2026")
    page.click("#period-form button[type=submit]")
    page.wait_for_selector("text=Ngày 24/11/2026")
    assert page.locator("input[name=day]").input_value() == "24/11/2026"
    # The calendar button beside writes the chosen day back in the same form (once the page's
    # script has wired it: the heading shows before the page has finished loading).
    page.wait_for_load_state("load")
    page.eval_on_selector(".one-day input[type=date]",
                          "e => { e.value = '2026-11-03'; e.dispatchEvent(new Event('change')); }")
    assert page.locator("input[name=day]").input_value() == "03/11/2026"
    page.select_option("#kind", "range")
    page.fill("input[name=from]", "01/11/2026")
    page.fill("input[name=to]", "30/11/2026")
    page.click("#period-form button[type=submit]")
    page.wait_for_selector("text=Từ ngày 01/11/2026 đến ngày 30/11/2026")
    assert "from=01%2F11%2F2026" in page.get_attribute("#download-csv", "href")
    assert page.locator("input[name=from]").input_value() == "01/11/2026"
    shot(page, artifacts, "reports-range-1366x768")

    plan = english_browser(who="truongdiem", base=site.url)
    plan.goto(site.url + "/plan")
    for name in ("start", "deadline"):
        assert DAY.match(plan.locator(f"input[name={name}]").input_value())
    assert plan.locator("input[name=opens]").input_value() == "07:30"
    assert plan.locator("input[name=opens]").get_attribute("type") in (None, "text")
    bad = plan.context.request.get(site.url + "/reports?kind=day&day=31/02/2026")
    assert bad.status == 400 and "dd/mm/yyyy" in bad.text()


def test_a_chief_goes_between_the_counter_and_the_desk_pages(site, english_browser):
    chief = english_browser(viewport={"width": 1280, "height": 800}, who="truongdiem", base=site.url)
    chief.goto(site.url + "/counter")
    chief.wait_for_selector("#screen-pick:not([hidden])")
    links = chief.eval_on_selector_all("#pick-pages a", "a => a.map(x => x.dataset.page)")
    assert links == ["reports", "plan"]
    chief.click("#pick-pages a[data-page=reports]")
    chief.wait_for_url(site.url + "/reports")
    chief.click("#officer-nav a[data-page=counter]")
    chief.wait_for_url(site.url + "/counter")
    chief.wait_for_selector("#screen-pick:not([hidden])")

    officer = english_browser(viewport={"width": 1280, "height": 800}, who="canbo", base=site.url)
    officer.goto(site.url + "/counter")
    officer.wait_for_selector("#screen-pick:not([hidden])")
    assert officer.locator("#pick-pages").is_hidden()  # a counter officer has no other page


def test_the_report_and_planner_charts_draw_in_the_site_palette():
    """pygal's SVG cannot read CSS variables: its colours must be the core's tokens."""
    from server.reports.charts import STYLE
    with open(os.path.join(ROOT, "server/static/core/qms.css"), encoding="utf-8") as fh:
        tokens = {v.lower() for v in re.findall(r"--[\w-]+:\s*(#[0-9a-fA-F]{3,8})", fh.read())}
    for colour in (*STYLE.colors, STYLE.foreground, STYLE.foreground_subtle):
        assert colour.lower() in tokens, colour
