"""Helpers of the kiosk tests. Kept out of conftest.py: a test module's `from conftest import`
finds whichever folder's conftest pytest loaded last, so it breaks when files of several
folders are run together."""
import itertools

import requests

from support.browser import past_the_guard as past_guard  # noqa: F401 (the kiosk tests' name)
from support.server_process import Officer, take_ticket
from support.server_process import issue_device_token as issue_token  # noqa: F401
from support.waiting import wait_until

_OFFICERS = {}  # base URL -> a signed-in officer, kept: a sign-in costs the server a scrypt
_kiosks = itertools.count(1)


def counter_view(base_url, officer=None):
    """Counter 1's view (printers, print problems) as an officer sees it. Tests poll it: one
    sign-in per server, not one per look."""
    for attempt in range(2):
        signed_in = officer or _OFFICERS.get(base_url) or _OFFICERS.setdefault(
            base_url, Officer(base_url))
        answer = signed_in.http.get(base_url + "/api/counters/1/view", timeout=10)
        if answer.status_code == 401 and officer is None:
            _OFFICERS.pop(base_url, None)  # a restarted server with a fresh store: sign in again
            continue
        answer.raise_for_status()
        return answer.json()
    answer.raise_for_status()


def new_kiosk():
    """A kiosk name no other test of this process used: tests sharing a server keep apart
    (jobs, printer status and problems are a kiosk's own)."""
    return f"KT{next(_kiosks)}"


def printer_status(base_url, kiosk):
    return {p["kiosk"]: p["status"] for p in counter_view(base_url)["printers"]}.get(kiosk)


def problems(base_url, kiosk):
    """The open print problems of `kiosk`, by ticket id."""
    return {p["id"]: p for p in counter_view(base_url)["print_problems"] if p["kiosk"] == kiosk}


def printed_last(server, kiosk, printer, expected, before=0):
    """A last ticket at `kiosk`, printed after everything its agent was sent before (the agent
    prints its jobs in order): the printer then holds `expected` and that ticket, nothing
    that must not have been printed, without a sleep that only guesses how long to wait.
    `before`: count from this printer connection on (FakeNetworkPrinter.tickets)."""
    answer = take_ticket(server.url, kiosk=kiosk)
    assert answer.status_code == 201, answer.text
    last = answer.json()["ticket"]["number"]
    wait_until(lambda: last in printer.tickets(before), message="the last ticket printed")
    got = printer.tickets(before)
    assert got == expected + [last], (got, expected, last)


def waiting(base_url, service="CCCD"):
    state = requests.get(base_url + "/api/state", timeout=10).json()
    return next(s["waiting"] for s in state["services"] if s["code"] == service)
