"""The wall display at the sizes sites use (1920x1080, 1366x768): nothing clipped, nothing
wrapped that must stay on one line, and the call flash keeps the number readable."""
import pytest

from browser_helpers import free_counter
from support.server_process import Officer, take_ticket

pytestmark = pytest.mark.browser

SIZES = [{"width": 1920, "height": 1080}, {"width": 1366, "height": 768}]

# For every node matching the selector: does its content overflow it, and is it inside `box`?
GEOMETRY = """([selector, box]) => Array.from(document.querySelectorAll(selector)).map(n => {
  const r = n.getBoundingClientRect();
  const b = n.closest(box).getBoundingClientRect();
  const cs = getComputedStyle(n);
  return {text: n.textContent, overflow: n.scrollWidth - n.clientWidth,
          inside: r.left >= b.left - 1 && r.right <= b.right + 1 && r.top >= b.top - 1 && r.bottom <= b.bottom + 1,
          lines: r.height / parseFloat(cs.fontSize)};
})"""


@pytest.fixture(scope="module")
def busy_site(site):
    """Five counters: three serving, one paused (a counter pauses with nobody at it), one open
    and idle; a recall among the last calls."""
    for service in ["CCCD"] * 3 + ["VNEID"] * 2 + ["PICKUP", "VEHICLE", "CORRECT"]:
        take_ticket(site.url, service)
    officer = Officer(site.url)
    for n in (1, 2, 3, 4, 5):
        free_counter(site.url, n)
    called = {}
    for n in (1, 3, 4):
        answer = officer.post(f"/api/counters/{n}/call-next")
        assert answer.status_code == 200, answer.text
        called[n] = answer.json()["ticket"]
    paused = officer.post("/api/counters/2/pause")
    assert paused.status_code == 200, paused.text
    assert officer.post(f"/api/tickets/{called[1]['id']}/recall").status_code == 200
    return site


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s['width']}x{s['height']}")
def test_recent_chips_and_counter_tiles_fit(busy_site, new_page, artifacts, size):
    page = new_page(size)
    page.goto(busy_site.url + "/display?counters=1,2,3,4,5")
    page.wait_for_function("window.__snapshots >= 1")
    page.evaluate("document.fonts.ready")
    page.wait_for_timeout(300)
    page.screenshot(path=f"{artifacts}/display-{size['width']}x{size['height']}.png")
    chips = page.evaluate(GEOMETRY, ["#recent li", ".recent-panel"])
    assert len(chips) == 4 and any("gọi lại" in c["text"] for c in chips)
    for chip in chips:
        assert chip["overflow"] <= 0 and chip["inside"], chip
    names = page.evaluate(GEOMETRY, ["#counters .tile-name, #counters .tile-state", ".tile"])
    assert "Tạm dừng" in page.inner_text("#counters .tile.paused[data-counter='2']")
    for name in names:
        assert name["overflow"] <= 0 and name["inside"], name
    for name in page.evaluate(GEOMETRY, ["#counters .tile-name", ".tile"]):
        assert name["lines"] < 1.8, name  # one line, not wrapped
    idle = page.inner_text("#counters .tile[data-counter='5']")
    assert "Sẵn sàng" in idle and "Mời chờ" not in idle  # open, nobody called: not "please wait"
    numbers = page.evaluate(GEOMETRY, ["#counters .tile-number", ".tile"])
    assert len(numbers) == 3
    for number in numbers:
        assert number["overflow"] <= 0 and number["inside"], number
    tiles = page.evaluate(GEOMETRY, ["#counters .tile", ".serving-panel"])
    for tile in tiles:
        assert tile["inside"], tile


def _luminance(rgb):
    def channel(c):
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(int(x)) for x in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _contrast(fg, bg):
    a, b = sorted((_luminance(fg), _luminance(bg)), reverse=True)
    return (a + 0.05) / (b + 0.05)


SAMPLE = """() => {
  const hero = document.getElementById('hero');
  const parse = s => s.match(/[0-9.]+/g).slice(0, 3);
  return {flash: hero.classList.contains('flash'),
          bg: parse(getComputedStyle(hero).backgroundColor),
          fg: parse(getComputedStyle(document.getElementById('hero-number')).color),
          border: parse(getComputedStyle(hero).borderTopColor)};
}"""


def test_the_call_flash_flashes_the_border_and_keeps_contrast(busy_site, new_page):
    page = new_page(SIZES[1])
    page.goto(busy_site.url + "/display?counters=5")
    page.wait_for_function("window.__snapshots >= 1")
    take_ticket(busy_site.url, "VEHICLE")
    Officer(busy_site.url).post("/api/counters/5/call-next")
    page.wait_for_function("document.getElementById('hero').classList.contains('flash')")
    samples = []
    for _ in range(12):  # both steps of the 0.7 s blink
        samples.append(page.evaluate(SAMPLE))
        page.wait_for_timeout(120)
    flashing = [s for s in samples if s["flash"]]
    assert len(flashing) >= 6
    assert len({tuple(s["border"]) for s in flashing}) == 2  # the border does blink
    assert len({tuple(s["bg"]) for s in flashing}) == 1      # the background does not
    for s in flashing:
        assert _contrast(s["fg"], s["bg"]) >= 7, s


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s['width']}x{s['height']}")
def test_before_any_call_the_hero_does_not_read_as_a_call(busy_site, new_page, artifacts, size):
    """Counter 2 (paused) has called nobody: its display's hero says where numbers will
    appear, not "Mời công dân có số thứ tự — ▶ Quầy —" (which reads as a call of "—")."""
    page = new_page(size)
    page.goto(busy_site.url + "/display?counters=2")
    page.wait_for_function("window.__snapshots >= 1")
    page.evaluate("document.fonts.ready")
    assert page.get_attribute("#hero", "data-empty") == "1"
    assert page.is_visible("#hero-idle")
    text = page.inner_text("#hero")
    assert "Số được gọi sẽ hiện tại đây" in text and "Called numbers appear here" in text
    assert "Mời công dân" not in text and "Quầy" not in text and "—" not in text
    for part in (".hero-label", "#hero-number", "#hero-counter", ".hero-arrow"):
        assert not page.is_visible(part), part
    idle = page.evaluate(GEOMETRY, ["#hero-idle", "#hero"])
    assert idle[0]["inside"], idle
    # The hero keeps the height a call gives it: the first call does not move the panels.
    height = page.eval_on_selector("#hero", "e => e.getBoundingClientRect().height")
    called = new_page(size)
    called.goto(busy_site.url + "/display?counters=1")
    called.wait_for_function("window.__snapshots >= 1")
    assert called.get_attribute("#hero", "data-empty") == "0"
    assert abs(called.eval_on_selector("#hero", "e => e.getBoundingClientRect().height") - height) < 1
    page.screenshot(path=f"{artifacts}/display-idle-{size['width']}x{size['height']}.png")


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s['width']}x{s['height']}")
def test_the_sound_button_sits_beside_the_notice_not_over_it(site, new_page, artifacts, size):
    page = new_page(size)  # a fresh browser: sound not yet enabled, the button is shown
    page.goto(site.url + "/display")
    page.wait_for_function("window.__snapshots >= 1")
    assert page.is_visible("#sound") and page.is_visible("#ticker")
    sound = page.eval_on_selector("#sound", "e => e.getBoundingClientRect().toJSON()")
    ticker = page.eval_on_selector("#ticker", "e => e.getBoundingClientRect().toJSON()")
    assert sound["right"] <= ticker["left"] + 0.5, (sound, ticker)
    assert ticker["right"] >= size["width"] - 1 and ticker["bottom"] <= size["height"] + 0.5
    # Nothing of the page is under the button either.
    under = page.evaluate("""() => { const r = document.getElementById('sound').getBoundingClientRect();
      return [...document.querySelectorAll('.panel, .hero')].filter(p => {
        const b = p.getBoundingClientRect();
        return b.bottom > r.top && b.top < r.bottom && b.right > r.left && b.left < r.right; }).length; }""")
    assert under == 0
    page.screenshot(path=f"{artifacts}/display-sound-{size['width']}x{size['height']}.png")
    page.click("#sound")
    assert page.is_hidden("#sound")
    ticker = page.eval_on_selector("#ticker", "e => e.getBoundingClientRect().toJSON()")
    assert ticker["left"] <= 0.5  # the notice takes the whole bar again


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s['width']}x{s['height']}")
def test_english_service_names_are_read_in_full(site, new_page, size):
    page = new_page(size)
    page.goto(site.url + "/display")
    page.wait_for_function("window.__snapshots >= 1")
    page.evaluate("document.fonts.ready")
    names = page.evaluate(GEOMETRY, ["#services .s-name .en", "li"])
    assert any(n["text"] == "ID card: new, renewal, re-issue" for n in names), names
    for name in names:
        assert name["overflow"] <= 0 and name["inside"], name
    rows = page.evaluate(GEOMETRY, ["#services li", ".waiting-panel"])
    for row in rows:
        assert row["inside"], row


def test_a_finished_call_reads_as_the_last_call_not_as_come_now(site, new_page, artifacts):
    """Found walking the site: after the officer finished with A001 (or marked them absent)
    the display still said "Mời công dân có số thứ tự A001 → Quầy 1", recall badge and all."""
    from browser_helpers import open_display
    take_ticket(site.url, "CORRECT")
    officer = Officer(site.url)
    free_counter(site.url, 1)
    display = open_display(new_page, site.url)
    called = officer.post("/api/counters/1/call-next").json()["ticket"]
    assert officer.post(f"/api/tickets/{called['id']}/recall").status_code == 200
    display.wait_for_function(
        f"document.getElementById('hero-number').textContent === '{called['number']}'")
    assert display.get_attribute("#hero", "data-over") == "0"
    assert display.is_visible(".hero-now") and display.is_visible("#hero-recall")
    done = officer.post(f"/api/tickets/{called['id']}/complete", {"outcome": "accepted"})
    assert done.status_code == 200, done.text
    display.wait_for_selector("#hero[data-over='1']")
    assert display.is_visible(".hero-over") and not display.is_visible(".hero-now")
    assert not display.is_visible("#hero-recall")
    assert "Số vừa gọi" in display.inner_text("#hero")
    display.screenshot(path=f"{artifacts}/display-1920x1080-last-call-done.png")
