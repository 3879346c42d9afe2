"""Fixtures of the fuzz suite: one server per module, officer and print-agent credentials."""
import pytest
import requests

from support.server_process import Officer, ServerProcess


@pytest.fixture(scope="module")
def fuzz_server(tmp_path_factory):
    with ServerProcess(tmp_path_factory.mktemp("fuzz-instance")) as proc:
        yield proc


@pytest.fixture(scope="module")
def officer(fuzz_server):
    return Officer(fuzz_server.url)


@pytest.fixture(scope="module")
def device_token(fuzz_server):
    admin = Officer(fuzz_server.url, "admin", "admin123")
    answer = admin.post("/api/devices", json={"kiosk": "K1"})
    assert answer.status_code == 201, answer.text
    return answer.json()["token"]


def server_still_serves(base_url):
    """Healthy, and a citizen can still take a normal ticket."""
    health = requests.get(base_url + "/healthz", timeout=10)
    assert health.status_code == 200 and health.json()["ok"] is True, health.text
    import uuid
    ticket = requests.post(base_url + "/api/tickets", timeout=10,
                           json={"service": "CCCD", "request_id": uuid.uuid4().hex})
    assert ticket.status_code == 201, ticket.text
    return ticket.json()["ticket"]
