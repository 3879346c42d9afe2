"""Browser tests: Playwright's sync API driving Debian's chromium against a real server process.

Playwright's own browser download does not work here; Debian's /usr/bin/chromium is used
(`apt-get install chromium`, done by tests/run.sh). Screenshots go to test-artifacts/.
"""
import os

import pytest

from browser_helpers import COUNTER_SIZE
from support.browser import ARTIFACTS  # noqa: F401 (browser tests import it from here)
from support.server_process import ServerProcess


@pytest.fixture
def new_page(request):
    """Pages in fresh contexts (own cookies and localStorage), closed after the test; in the
    full Chromium browser for a test marked `full_chromium`, else in the headless shell."""
    marked = request.node.get_closest_marker("full_chromium")
    browser = request.getfixturevalue("full_chromium" if marked else "chromium")
    contexts = []

    def make(viewport=None):
        context = browser.new_context(viewport=viewport or COUNTER_SIZE, locale="vi-VN")
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
