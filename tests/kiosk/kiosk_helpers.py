"""Helpers of the kiosk tests. Kept out of conftest.py: a test module's `from conftest import`
finds whichever folder's conftest pytest loaded last, so it breaks when files of several
folders are run together."""
import requests

from support.server_process import Officer, issue_device_token as issue_token  # noqa: F401


def counter_view(base_url, officer=None):
    officer = officer or Officer(base_url)
    answer = officer.http.get(base_url + "/api/counters/1/view", timeout=10)
    answer.raise_for_status()
    return answer.json()


def waiting(base_url, service="CCCD"):
    state = requests.get(base_url + "/api/state", timeout=10).json()
    return next(s["waiting"] for s in state["services"] if s["code"] == service)
