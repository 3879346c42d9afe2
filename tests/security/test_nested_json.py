"""Deeply nested JSON is refused with a reason, over HTTP and over Socket.IO (issue 9)."""
import pytest
import requests
import socketio

from attack_kit import deep_body, nested_json
from support.server_process import ServerProcess


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with ServerProcess(tmp_path_factory.mktemp("nested")) as proc:
        yield proc


@pytest.mark.parametrize("path", ["/api/tickets", "/api/login"])
def test_http_body_5000_levels_deep_is_400_with_reason(server, path):
    answer = requests.post(server.url + path, data=deep_body(5000),
                           headers={"Content-Type": "application/json"}, timeout=10)
    assert answer.status_code == 400  # before: 500 (RecursionError)
    error = answer.json()["error"]
    assert error["code"] == "too_deep" and error["message"] and error["message_en"]


def test_http_body_40_levels_deep_is_refused_too(server):
    # Parsed fine by Python, but no body of this API is nested: refused before any handler.
    answer = requests.post(server.url + "/api/tickets", data=deep_body(40),
                           headers={"Content-Type": "application/json"}, timeout=10)
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "too_deep"


def test_socketio_event_5000_levels_deep_is_refused_in_its_ack(server):
    client = socketio.Client(reconnection=False)
    client.connect(server.url, transports=["websocket"], wait_timeout=10)
    try:
        import threading
        answered, answer = threading.Event(), {}

        def on_ack(*args):
            answer["ack"] = args[0] if args else None
            answered.set()
        # python-socketio cannot even encode 5,000 levels: send the raw packet
        # (2 = EVENT, then the ack id) as a hostile client would.
        ack_id = client._generate_ack_id("/", on_ack)
        client.eio.send(f'2{ack_id}["join",{nested_json(5000)}]')
        assert answered.wait(10), "no answer (before: the packet was dropped silently)"
        assert answer["ack"]["ok"] is False and answer["ack"]["error"]["code"] == "too_deep"
        # The connection still works afterwards.
        assert client.call("join", {"role": "display"}, timeout=10)["ok"] is True
    finally:
        client.disconnect()
