"""`qms serve --async-mode gevent|threading` serve the same site as the default eventlet."""
import pytest

from support.server_process import Officer, ServerProcess, take_ticket
from support.network_listener import Listener


@pytest.mark.parametrize("mode", ["gevent", "threading"])
def test_other_async_modes_serve_and_push(tmp_path, mode):
    with ServerProcess(tmp_path / "instance", async_mode=mode) as server:
        display = Listener(server.url, {"role": "display"})
        try:
            ticket = take_ticket(server.url, "PICKUP").json()["ticket"]
            officer = Officer(server.url)
            officer.post("/api/counters/4/open")
            assert officer.post("/api/counters/4/call-next").json()["ticket"]["id"] == ticket["id"]
            shown = display.wait_for(lambda s: s["counters"][3]["serving"] is not None)
            assert shown["counters"][3]["serving"] == ticket["number"]
        finally:
            display.close()
