"""Forwarded headers are believed from the trusted proxy only (server/proxy.py), in process.

Behind nginx every request comes from 127.0.0.1: without the proxy's X-Forwarded-For every
phone on the Wi-Fi would share one address and one ticket limit. And a client talking to the
server directly must not pass for another address or for https by sending the headers itself.
"""
import uuid

import pytest

from server.app import DEMO_SITE
from support.inprocess import InProcessSite

PROXY = "127.0.0.1"


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    folder = tmp_path_factory.mktemp("proxied")
    site_file = folder / "site.toml"  # a site that lets phones take tickets
    site_file.write_text(open(DEMO_SITE, encoding="utf-8").read().replace(
        "[policy]\n", "[policy]\npublic_tickets_per_hour = 100\n", 1), encoding="utf-8")
    with InProcessSite(folder / "instance", config={"TRUSTED_PROXIES": [PROXY],
                                                    "SITE_FILE": str(site_file)}) as site:
        yield site.app


def take_tickets(app, remote_addr, headers, count=6):
    client = app.test_client()
    return [client.post("/api/tickets", json={"service": "CCCD", "request_id": uuid.uuid4().hex},
                        headers=headers, environ_base={"REMOTE_ADDR": remote_addr}).status_code
            for _ in range(count)]


def test_the_rate_limit_sees_the_phone_behind_the_proxy(app):
    codes = take_tickets(app, PROXY, {"X-Forwarded-For": "203.0.113.7"})
    assert codes == [201] * 5 + [429]


def test_a_direct_client_cannot_pass_for_a_kiosk_address(app):
    codes = take_tickets(app, "198.51.100.9", {"X-Forwarded-For": PROXY})
    assert codes == [201] * 5 + [429]


def socketio_handshake(app, remote_addr):
    """Engine.IO's first polling request from an https page of the site, via nginx."""
    headers = {"Origin": "https://qms.example.vn", "Host": "qms.example.vn",
               "X-Forwarded-Proto": "https", "X-Forwarded-Host": "qms.example.vn",
               "X-Forwarded-For": "203.0.113.8"}
    return app.test_client().get("/socket.io/?EIO=4&transport=polling", headers=headers,
                                 environ_base={"REMOTE_ADDR": remote_addr}).status_code


def test_socketio_accepts_the_https_page_through_the_proxy_only(app):
    assert socketio_handshake(app, PROXY) == 200
    assert socketio_handshake(app, "198.51.100.10") == 400


def test_a_bad_trusted_proxy_is_refused_at_start():
    from click.testing import CliRunner

    from server.cli import main
    answer = CliRunner().invoke(main, ["serve", "--trusted-proxy", "nginx.local",
                                       "--async-mode", "threading"])
    assert answer.exit_code == 2 and "nginx.local" in answer.output
