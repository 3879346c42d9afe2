import os
import sys

import pytest
import requests

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from fake_printer import FakeNetworkPrinter  # noqa: E402
from support.server_process import Officer  # noqa: E402
from support.waiting import wait_until  # noqa: E402,F401 (kiosk tests import it from here)

from support.browser import ARTIFACTS  # noqa: E402,F401 (kiosk page tests import it here)


@pytest.fixture
def printer():
    fake = FakeNetworkPrinter()
    yield fake
    fake.close()


def issue_token(base_url, kiosk="K1"):
    admin = Officer(base_url, "admin", "admin123")
    answer = admin.post("/api/devices", json={"kiosk": kiosk})
    assert answer.status_code == 201, answer.text
    return answer.json()["token"]


def counter_view(base_url, officer=None):
    officer = officer or Officer(base_url)
    answer = officer.http.get(base_url + "/api/counters/1/view", timeout=10)
    answer.raise_for_status()
    return answer.json()


def waiting(base_url, service="CCCD"):
    state = requests.get(base_url + "/api/state", timeout=10).json()
    return next(s["waiting"] for s in state["services"] if s["code"] == service)
