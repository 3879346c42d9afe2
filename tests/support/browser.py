"""Debian's chromium, driven by Playwright (its own browser download does not work here).

The tests drive Debian's `chromium-headless-shell` (Chromium's "old" headless build: the
same Blink, V8 and media stack, without the desktop browser's UI machinery) when it is
installed, as Playwright itself does for headless runs. The full browser in headless mode
costs about three times the CPU per page loaded (measured: 24 page loads with a screenshot,
~21 CPU-s against ~7), and the suite loads hundreds of pages on a 2-core machine. What the
shell lacks is shown notifications (a service worker's showNotification shows nothing): a
test that needs the full browser is marked `full_chromium` (tests/browser/conftest.py).
`QMS_CHROMIUM` names another binary for every test.
"""
import os
import re

from .server_process import ROOT

FULL_CHROMIUM = os.environ.get("QMS_CHROMIUM", "/usr/bin/chromium")
HEADLESS_SHELL = "/usr/lib/chromium/chromium-headless-shell"
CHROMIUM = os.environ.get("QMS_CHROMIUM") or (
    HEADLESS_SHELL if os.path.exists(HEADLESS_SHELL) else FULL_CHROMIUM)
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 # The display's sound is unlocked by a touch in real use; tests play at once.
                 "--autoplay-policy=no-user-gesture-required"]
ARTIFACTS = os.path.join(ROOT, "test-artifacts")


_FUNCTION = re.compile(r"^\s*(async\s+)?(function\b|(\([^()]*\)|[A-Za-z_$][\w$]*)\s*=>)")


def predicates_as_functions(page_class):
    """Pages send a Content-Security-Policy without 'unsafe-eval' (docs/security.md), and
    Playwright re-evaluates a *string expression* given to wait_for_function with eval() on each
    poll: refused, the wait fails. An arrow function is polled without eval, so a test's
    expression is wrapped into one; the pages keep their real policy."""
    original = page_class.wait_for_function
    if getattr(original, "_as_function", False):
        return

    def wait_for_function(self, expression, *args, **kwargs):
        if isinstance(expression, str) and not _FUNCTION.match(expression):
            expression = f"() => ({expression})"
        return original(self, expression, *args, **kwargs)
    wait_for_function._as_function = True
    page_class.wait_for_function = wait_for_function


# The kiosk ignores touches for GUARD_MS (700 ms) after a screen appears (kiosk/static/kiosk.js:
# the second half of a double tap must not act on the next screen).
KIOSK_GUARD_MS = 800


def with_clock(page):
    """Give `page` Playwright's clock (before it loads anything): time runs as usual, and a
    test may jump it forward (`past_the_guard`) instead of sleeping through a page's timer."""
    page.clock.install()
    return page


def past_the_guard(page):
    """As if the citizen waited past the kiosk's touch guard before tapping (the page's clock
    jumps forward; `with_clock` must have been called before the page loaded)."""
    page.clock.fast_forward(KIOSK_GUARD_MS)
