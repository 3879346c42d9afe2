"""Slowloris: half-sent requests must not lock the site out (issue 9).

The server runs with eventlet's smallest connection cap (64) so a few hundred half-sent
requests are enough to fill it, as 4,100 filled the default 4,096.
"""
import pytest
import requests

from attack_kit import close_all, closed_by_server, half_sent, loopback, open_half_sent
from support.server_process import ServerProcess


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with ServerProcess(tmp_path_factory.mktemp("slowloris"),
                       extra_args=["--max-connections", "64", "--max-per-address", "16",
                                   "--header-timeout", "2", "--idle-timeout", "2"]) as proc:
        yield proc


def test_health_and_state_answer_while_half_sent_requests_fill_every_slot(server):
    attack, _refused = open_half_sent(server.port, 300, addresses=20)
    try:
        # Before: accept() stopped at the cap and this waited until the attacker let go.
        for path in ("/healthz", "/api/state", "/api/services"):
            answer = requests.get(server.url + path, timeout=5)
            assert answer.status_code == 200, path
    finally:
        close_all(attack)


def test_one_address_holds_at_most_its_share(server):
    attack = [half_sent(server.port, loopback(100)) for _ in range(24)]
    try:
        # The cap is 16 per address: the oldest idle ones are dropped for the newest, so at
        # least 8 of the 24 are closed by the server.
        closed = sum(closed_by_server(sock, wait=0.5) for sock in attack)
        assert closed >= 8
    finally:
        close_all(attack)


def test_half_sent_headers_time_out(server):
    sock = half_sent(server.port, loopback(101))
    try:
        assert closed_by_server(sock, wait=15)  # header timeout 2 s; before: never
    finally:
        sock.close()


def test_idle_keep_alive_times_out(server):
    import socket
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=5,
                                    source_address=(loopback(102), 0))
    try:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        first = sock.recv(4096)
        assert first.startswith(b"HTTP/1.1 200")
        assert closed_by_server(sock, wait=15)  # idle timeout 2 s; before: kept forever
    finally:
        sock.close()
