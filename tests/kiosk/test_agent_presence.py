"""A kiosk tells a citizen to take a slip only while its print agent is alive.

A real server (agent timeout 3 s), a real `qms kiosk-agent` process printing to the fake network
printer, the kiosk page in Chromium and the counter tablet in Chromium: no agent -> "remember
your number"; agent connected -> "take your ticket"; agent frozen with SIGSTOP (its heartbeats
stop, its connection stays open) -> "agent offline" on the counter and the kiosk; SIGCONT ->
back online.
"""
import os
import signal

import pytest

from agent_process import AgentProcess
from kiosk_helpers import counter_view, issue_token, past_guard
from support.browser import ARTIFACTS
from support.server_process import ServerProcess, kiosk_page
from support.waiting import wait_until

pytestmark = pytest.mark.browser

KIOSK = "K7"
TIMEOUT = 3  # the server's QMS_AGENT_TIMEOUT here; the agent beats every 0.5 s
TAKE = "Vui lòng nhận phiếu"
REMEMBER = "Vui lòng ghi nhớ số này"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with ServerProcess(tmp_path_factory.mktemp("presence"),
                       env={"QMS_AGENT_TIMEOUT": str(TIMEOUT)}) as proc:
        yield proc


@pytest.fixture
def pages(chromium):
    contexts = []

    def make(viewport):
        context = chromium.new_context(viewport=viewport, has_touch=True)
        contexts.append(context)
        page = context.new_page()
        page.clock.install()  # the kiosk's double-tap guard is run forward, not waited out
        return page

    yield make
    for context in contexts:
        context.close()


def shot(page, name):
    os.makedirs(ARTIFACTS, exist_ok=True)
    page.screenshot(path=os.path.join(ARTIFACTS, f"presence-{name}.png"))


def take_on_page(page, name=None):
    """A citizen takes a number; returns what the page tells them about the slip."""
    page.locator('.service[data-service="PICKUP"]').tap()
    page.wait_for_selector("#screen-priority:not([hidden])")
    past_guard(page)  # the double-tap guard of the priority screen
    page.locator("#no-priority").tap()
    page.wait_for_selector("#screen-done:not([hidden])")
    text = page.locator("#take").inner_text()
    number = page.locator("#number").inner_text()
    if name:
        shot(page, name)
    past_guard(page)  # past the guard, or the page ignores the touch
    page.locator("#finish").tap()
    page.wait_for_selector("#screen-services:not([hidden])")
    past_guard(page)
    return text, number


def kiosk_printer(site):
    printers = {p["kiosk"]: p for p in counter_view(site.url)["printers"]}
    return printers.get(KIOSK, {}).get("status")


def test_kiosk_and_counter_follow_the_agent(site, pages, printer, tmp_path):
    kiosk = pages({"width": 1920, "height": 1080})
    kiosk.goto(kiosk_page(site.url, f"kiosk={KIOSK}"))  # a paired kiosk: its device token
    kiosk.wait_for_selector(".service")
    kiosk.wait_for_function("!document.body.classList.contains('booting')")
    past_guard(kiosk)

    # No agent has ever spoken for K7: nothing will print.
    kiosk.wait_for_selector('body[data-printer="agent_offline"]')
    text, _ = take_on_page(kiosk, "kiosk-no-agent")
    assert REMEMBER in text and TAKE not in text

    agent = AgentProcess(site.url, issue_token(site.url, KIOSK), printer.url,
                         tmp_path / "journal.jsonl", tmp_path / "agent.log",
                         extra_args=("--heartbeat", "0.5")).start()
    try:
        kiosk.wait_for_selector('body[data-printer="ok"]', timeout=15000)
        text, number = take_on_page(kiosk, "kiosk-agent-online")
        assert TAKE in text and REMEMBER not in text
        wait_until(lambda: number in printer.tickets(), message="the slip printed")
        assert kiosk_printer(site) == "ok"

        counter = pages({"width": 1280, "height": 800})
        sign_in(counter, site.url)

        # The kiosk PC freezes: the connection stays open, the heartbeats stop.
        os.kill(agent.proc.pid, signal.SIGSTOP)
        wait_until(lambda: kiosk_printer(site) == "agent_offline", timeout=TIMEOUT + 10,
                   message="the agent marked offline")
        counter.wait_for_function(
            "k => (window.__counter.view.printers || []).some("
            "p => p.kiosk === k && p.status === 'agent_offline')", arg=KIOSK)
        counter.wait_for_selector("#alerts:not([hidden])")
        assert f"Kiosk {KIOSK}: Máy in kiosk mất kết nối" in counter.inner_text("#alert-list")
        shot(counter, "counter-agent-offline")
        kiosk.wait_for_selector('body[data-printer="agent_offline"]')
        text, _ = take_on_page(kiosk, "kiosk-agent-silent")
        assert REMEMBER in text and TAKE not in text

        # It wakes up: its next heartbeat brings it back.
        os.kill(agent.proc.pid, signal.SIGCONT)
        kiosk.wait_for_selector('body[data-printer="ok"]', timeout=15000)
        text, _ = take_on_page(kiosk)
        assert TAKE in text
        counter.wait_for_function(
            "k => (window.__counter.view.printers || []).some("
            "p => p.kiosk === k && p.status === 'ok')", arg=KIOSK)

        # A clean stop (the PC shut down) is offline at once, without waiting for the timeout.
        agent.stop()
        kiosk.wait_for_selector('body[data-printer="agent_offline"]')
    finally:
        if agent.proc.poll() is None:
            os.kill(agent.proc.pid, signal.SIGCONT)
        agent.stop()


def sign_in(page, base_url, counter=1):
    page.goto(base_url + "/counter")
    page.wait_for_selector("#screen-signin:not([hidden])")
    page.fill("#signin-username", "canbo")
    page.fill("#signin-password", "canbo123")
    page.click("#signin-submit")
    page.wait_for_selector("#screen-pick:not([hidden])")
    page.click(f".pick-tile[data-counter='{counter}']")
    page.wait_for_selector("#screen-console:not([hidden])")
    page.wait_for_function("window.__counter.view !== null")
