"""Debian's chromium, driven by Playwright (its own browser download does not work here)."""
import os
import re

from .server_process import ROOT

CHROMIUM = os.environ.get("QMS_CHROMIUM", "/usr/bin/chromium")
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
