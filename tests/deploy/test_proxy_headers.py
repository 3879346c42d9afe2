"""Forwarded headers are believed from the trusted proxy only (server/proxy.py), in process.

Behind nginx every request comes from 127.0.0.1: without the proxy's X-Forwarded-For every
phone on the Wi-Fi would share one address and one ticket limit. And a client talking to the
server directly must not pass for another address or for https by sending the headers itself.
"""
import os
import uuid

import pytest
import requests

from server.app import DEMO_SITE
from support.inprocess import InProcessSite
from support.server_process import ROOT, ServerProcess

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


def site_with_server_table(folder, proxies):
    with open(os.path.join(ROOT, "server", "sites", "demo.toml"), encoding="utf-8") as fh:
        text = fh.read()
    path = folder / "site.toml"
    if "public_tickets_per_hour" not in text:  # phones may take tickets (the rate limit's case)
        text = text.replace("[policy]\n", "[policy]\npublic_tickets_per_hour = 100\n", 1)
    path.write_text(text + f'\n[server]\ninstance = "instance"\ntrusted_proxies = {proxies}\n',
                    encoding="utf-8")
    return path


def test_a_bad_trusted_proxy_is_refused_at_start(tmp_path):
    from click.testing import CliRunner

    from server.cli import main
    site = site_with_server_table(tmp_path, '["127.0.0.1"]')
    answer = CliRunner().invoke(main, ["serve", "--site", str(site), "--trusted-proxy",
                                       "nginx.local", "--async-mode", "threading"])
    assert answer.exit_code == 2 and "nginx.local" in answer.output
    site = site_with_server_table(tmp_path, '["nginx.local"]')
    answer = CliRunner().invoke(main, ["serve", "--site", str(site), "--async-mode", "threading"])
    assert answer.exit_code == 2 and "nginx.local" in answer.output


def test_the_site_files_trusted_proxies_are_believed(tmp_path):
    """[server] trusted_proxies in /etc/qms/site.toml, as docs/operations.md sets it."""
    site = site_with_server_table(tmp_path, '["127.0.0.1"]')
    with ServerProcess(tmp_path / "instance", site=site, demo=False) as server:
        codes = [requests.post(server.url + "/api/tickets", timeout=10,
                               json={"service": "CCCD", "request_id": uuid.uuid4().hex},
                               headers={"X-Forwarded-For": "203.0.113.9"}).status_code
                 for _ in range(6)]
    assert codes == [201] * 5 + [429]
