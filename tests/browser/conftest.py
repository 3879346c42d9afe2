"""Browser tests: Playwright's sync API driving Debian's chromium against a real server process.

Playwright's own browser download does not work here; Debian's /usr/bin/chromium is used
(`apt-get install chromium`, done by tests/run.sh). Screenshots go to test-artifacts/.
"""
import os
import shutil

import pytest

from browser_helpers import COUNTER_SIZE
from support.server_process import ROOT, ServerProcess

CHROMIUM = os.environ.get("QMS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 # The display's sound is unlocked by a touch in real use; tests play at once.
                 "--autoplay-policy=no-user-gesture-required"]
ARTIFACTS = os.path.join(ROOT, "test-artifacts")


@pytest.fixture(scope="session")
def chromium():
    sync_api = pytest.importorskip("playwright.sync_api")
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        pytest.skip(f"chromium not installed at {CHROMIUM}")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(chromium):
    """Pages in fresh contexts (own cookies and localStorage), closed after the test."""
    contexts = []

    def make(viewport=None):
        context = chromium.new_context(viewport=viewport or COUNTER_SIZE, locale="vi-VN")
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.console_errors = []
        page.on("pageerror", lambda exc: page.console_errors.append(str(exc)))
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """One demo site server (eventlet subprocess) for a module; tests use distinct counters."""
    with ServerProcess(tmp_path_factory.mktemp("instance")) as proc:
        yield proc


@pytest.fixture(scope="session")
def artifacts():
    os.makedirs(ARTIFACTS, exist_ok=True)
    return ARTIFACTS
