"""Helpers of the fuzz suite (a unique module name: several test folders have a conftest)."""
import uuid

import requests

from support.server_process import kiosk_headers


def server_still_serves(base_url):
    """Healthy, and a citizen can still take a normal ticket."""
    health = requests.get(base_url + "/healthz", timeout=10)
    assert health.status_code == 200 and health.json()["ok"] is True, health.text
    ticket = requests.post(base_url + "/api/tickets", timeout=10,
                           json={"service": "CCCD", "request_id": uuid.uuid4().hex},
                           headers=kiosk_headers(base_url))
    assert ticket.status_code == 201, ticket.text
    return ticket.json()["ticket"]
