import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from support.browser import (CHROMIUM, CHROMIUM_ARGS, FULL_CHROMIUM,  # noqa: E402
                             predicates_as_functions)
from support.inprocess import InProcessSite  # noqa: E402
from support.server_process import ServerProcess, compile_bytecode  # noqa: E402


def pytest_sessionstart(session):
    compile_bytecode()  # every server process started below reads server/ compiled


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """Longest files first: those holding a `slow` test, then those driving Chromium
    (`browser`), then the rest (unit, in-process and small server tests). tests/run.sh hands
    whole files to pytest-xdist workers in this order; a long file handed out last would
    finish alone while the other workers sit idle. The sort is stable, so a file's own order
    (and pytest's grouping by fixture) stays."""
    rank = {}
    for item in items:
        mark = 0 if item.get_closest_marker("slow") else 1 if item.get_closest_marker(
            "browser") else 2
        rank[item.path] = min(rank.get(item.path, 2), mark)
    items.sort(key=lambda item: rank[item.path])


@pytest.fixture
def server(tmp_path):
    """A fresh demo site server (eventlet) in a subprocess, with today open."""
    with ServerProcess(tmp_path / "instance") as proc:
        yield proc


@pytest.fixture
def site(tmp_path):
    """A fresh demo site in this process (Flask and Socket.IO test clients, threading mode),
    with today open: for tests that need the real app but not a real process."""
    with InProcessSite(tmp_path / "instance") as app_site:
        yield app_site


@pytest.fixture(scope="module")
def shared_site(tmp_path_factory):
    """One in-process demo site for a module's read-mostly tests."""
    with InProcessSite(tmp_path_factory.mktemp("instance")) as app_site:
        yield app_site


@pytest.fixture(scope="module")
def shared_server(tmp_path_factory):
    """One demo server for a module's read-mostly tests."""
    with ServerProcess(tmp_path_factory.mktemp("instance")) as proc:
        yield proc


@pytest.fixture(scope="session")
def chromium():
    """One headless Debian chromium for the whole run (Playwright's sync API allows one
    driver per thread, so browser tests of every folder share it)."""
    import shutil
    sync_api = pytest.importorskip("playwright.sync_api")
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        pytest.skip(f"chromium not installed at {CHROMIUM} (tests/run.sh installs it)")
    predicates_as_functions(sync_api.Page)
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def full_chromium(chromium):
    """The full Chromium browser (headless), launched from the same Playwright driver the
    first time a test marked `full_chromium` asks: for what the headless shell that
    `chromium` runs does not do (support/browser.py)."""
    if not os.path.exists(FULL_CHROMIUM):
        pytest.skip(f"chromium not installed at {FULL_CHROMIUM} (tests/run.sh installs it)")
    browser = chromium.browser_type.launch(executable_path=FULL_CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()
