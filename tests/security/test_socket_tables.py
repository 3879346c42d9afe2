"""Anonymous sockets cannot fill the server's kiosk and display-filter tables (issue 9): one
connection holds one kiosk id and one display filter at a time, and ids no connection uses any
more are freed, so the real kiosk still gets its live view."""
import pytest
import socketio

from support.server_process import ServerProcess


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with ServerProcess(tmp_path_factory.mktemp("tables")) as proc:
        yield proc


def connect(server):
    client = socketio.Client(reconnection=False)
    client.connect(server.url, transports=["websocket"], wait_timeout=10)
    return client


def test_one_socket_cycling_junk_kiosk_ids_holds_one(server):
    client = connect(server)
    try:
        answers = [client.call("join", {"role": "kiosk", "kiosk": f"junk{i}"}, timeout=10)
                   for i in range(100)]
        # Before: from the 65th id on, too_many_kiosks, until a restart.
        assert all(a["ok"] for a in answers), [a for a in answers if not a["ok"]][:1]
    finally:
        client.disconnect()


def test_junk_from_sockets_gone_is_freed_for_the_real_kiosk(server):
    for i in range(70):
        client = connect(server)
        client.call("join", {"role": "kiosk", "kiosk": f"gone{i}"}, timeout=10)
        client.call("join", {"role": "display", "counters": [1 + i % 5], "services": ["CCCD"]},
                    timeout=10)
        client.disconnect()
    real = connect(server)
    try:
        assert real.call("join", {"role": "kiosk", "kiosk": "K1"}, timeout=10)["ok"] is True
    finally:
        real.disconnect()
