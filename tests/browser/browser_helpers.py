"""Page helpers shared by the browser tests."""

from support.browser import KIOSK_GUARD_MS, past_the_guard, with_clock  # noqa: F401
from support.server_process import Officer
from support.waiting import wait_until  # noqa: F401

DISPLAY_SIZE = {"width": 1920, "height": 1080}
COUNTER_SIZE = {"width": 1280, "height": 800}


def open_display(new_page, base_url, query="", clock=False):
    """A wall display at 1920x1080; `clock`: with Playwright's clock (`with_clock`)."""
    page = new_page(DISPLAY_SIZE)
    if clock:
        page.clock.install()
    page.goto(base_url + "/display" + query)
    page.wait_for_function("window.__snapshots >= 1")
    return page


def sign_in_counter(new_page, base_url, counter, username="canbo", password="canbo123"):
    """Open /counter, sign in through the form, pick `counter`; returns the page on the console."""
    page = new_page(COUNTER_SIZE)
    page.goto(base_url + "/counter")
    page.wait_for_selector("#screen-signin:not([hidden])")
    page.fill("#signin-username", username)
    page.fill("#signin-password", password)
    page.click("#signin-submit")
    page.wait_for_selector("#screen-pick:not([hidden])")
    page.click(f".pick-tile[data-counter='{counter}']")
    page.wait_for_selector("#screen-console:not([hidden])")
    page.wait_for_function("window.__counter.view !== null")
    return page


def ensure_open(page):
    """Open the counter from the console if it is closed."""
    if page.evaluate("window.__counter.view.counter.state") == "closed":
        page.click("button[data-action='open_close']")
        page.wait_for_function("window.__counter.view.counter.state === 'open'")
        wait_idle(page)


def wait_idle(page):
    """Until the tablet's action is answered. The view can show a call before the officer's
    HTTP answer lands (pushes leave first), and the tablet ignores keys while an action is in
    flight (one action at a time), so a key pressed on the new view alone may be dropped."""
    page.wait_for_selector("body:not(.busy)", state="attached")


def officer(base_url):
    return Officer(base_url)


def free_counter(base_url, number):
    """Open counter `number` and finish whatever ticket it holds (tests share one server)."""
    o = Officer(base_url)
    o.post(f"/api/counters/{number}/open")
    o.post(f"/api/counters/{number}/resume")
    view = o.http.get(f"{base_url}/api/counters/{number}/view", timeout=10).json()
    current = view["counter"]["current"]
    if current:
        assert o.post(f"/api/tickets/{current['id']}/complete", {"outcome": "other"}).status_code == 200
    return o


def console_with_a_call(new_page, base_url, counter, service):
    """A counter console (freed, open) that has just called a fresh `service` ticket; returns
    (page, the called ticket as the console shows it)."""
    from support.server_process import take_ticket
    free_counter(base_url, counter)
    take_ticket(base_url, service)
    page = sign_in_counter(new_page, base_url, counter)
    ensure_open(page)
    page.wait_for_function("window.__counter.view.counter.current === null")
    page.click("button[data-action='call_next']")
    page.wait_for_function("window.__counter.view.counter.current !== null")
    wait_idle(page)
    return page, page.evaluate("window.__counter.view.counter.current")


def sign_in_page(new_page, url, username, password, viewport=None):
    """Open a chief's or admin's page (`url`) and sign in through its form."""
    page = new_page(viewport or {"width": 1280, "height": 900})
    page.goto(url)
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("#signin button[type=submit]")
    return page


def play_fast(page, rate=8):
    """Play the display's clips `rate` times faster from now on (the clip playing and every
    later one: a new `src` starts at `defaultPlaybackRate`). The clips, the queue and Chromium's
    media pipeline stay real; only the wait for ~8 s of speech per call goes. What a test
    reads of a clip (its `duration`, the phrase form, the chime) is the media's own, unchanged
    by the rate. Call it once the calls a test posts are announced, so a burst still reaches
    the page while the first clip plays, as it does on a site."""
    page.evaluate("""(rate) => {
      const player = document.getElementById('player');
      player.defaultPlaybackRate = rate;
      player.playbackRate = rate;
    }""", rate)


# display/static/display.js: a new call flashes the hero for FLASH_MS.
DISPLAY_FLASH_MS = 5000


def flash_over(display):
    """The display at rest after its last call's flash: its clock (`open_display(...,
    clock=True)`) jumps past the flash's timer instead of the test sleeping through it."""
    display.clock.fast_forward(DISPLAY_FLASH_MS + 100)
    display.wait_for_function("!document.getElementById('hero').classList.contains('flash')")
