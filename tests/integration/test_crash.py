"""Crash: kill -9 the server after N acknowledged tickets; all N survive, numbering goes on."""
import pytest
import requests

from support.databases import fresh_postgres
from support.server_process import ServerProcess, take_ticket

N = 40


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path):
    """None: the default SQLite file in the instance folder; else a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield None
        return
    with fresh_postgres("qms_crash") as url:
        yield url


def test_acknowledged_tickets_survive_kill_9(tmp_path, store_url):
    instance = tmp_path / "instance"
    server = ServerProcess(instance, store=store_url).start()
    acknowledged = []
    for i in range(N):
        answer = take_ticket(server.url, "CCCD" if i % 3 else "VNEID", request_id=f"kiosk-1-{i}")
        assert answer.status_code == 201
        acknowledged.append(answer.json()["ticket"])
    server.kill9()

    server = ServerProcess(instance, port=server.port, store=store_url).start()
    try:
        for ticket in acknowledged:
            found = requests.get(f"{server.url}/api/tickets/{ticket['track']}").json()["ticket"]
            assert found["number"] == ticket["number"] and found["status"] == "waiting"
        state = requests.get(server.url + "/api/state").json()
        assert sum(s["waiting"] for s in state["services"]) == N

        # A kiosk retrying a request it sent before the crash gets the same ticket.
        retry = take_ticket(server.url, "CCCD", request_id="kiosk-1-5")
        assert retry.status_code == 200 and retry.json()["ticket"]["id"] == acknowledged[5]["id"]

        # Numbering continues per service with no gap and no duplicate.
        for service in ("CCCD", "VNEID"):
            before = sorted(int(t["number"][1:]) for t in acknowledged if t["service"] == service)
            assert before == list(range(1, len(before) + 1))
            after = take_ticket(server.url, service).json()["ticket"]
            assert int(after["number"][1:]) == len(before) + 1
    finally:
        server.stop()
