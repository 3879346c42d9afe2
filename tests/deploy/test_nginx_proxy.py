"""The shipped nginx site (deploy/nginx/qms-site.conf) in front of two server processes that
share one store and Redis: the real display page in Chromium over https, an officer's call
through the proxy reaching it, WebSocket upgrade and sticky long-polling through nginx.

nginx runs as a subprocess with its own prefix and configuration in a temporary folder; only
the listen ports, the upstream ports and the certificate paths of the shipped file are
replaced. The certificate is self-signed by `openssl` for 127.0.0.1.
"""
import os
import shutil
import subprocess
import sys
import uuid

import pytest
import requests
import socketio

from support.browser import ARTIFACTS
from support.server_process import (ROOT, Officer, ServerProcess, free_port, issue_device_token,
                                   take_ticket)
from support.waiting import wait_until

# The whole file takes long (real processes): handed out first (tests/conftest.py).
pytestmark = pytest.mark.slow

SHIPPED = os.path.join(ROOT, "deploy", "nginx", "qms-site.conf")
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
sys.path.insert(0, os.path.join(ROOT, "tests", "kiosk"))  # the agent and printer of its tests
POLLING_CLIENTS = 6


def self_signed(folder):
    cert, key = folder / "qms.crt", folder / "qms.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    return cert, key


def site_conf(folder, https_port, http_port, backends, cert, key):
    """The shipped file with this test's ports and certificate (each replaced part must be
    there, so a reshaped file fails here rather than testing something else)."""
    with open(SHIPPED, encoding="utf-8") as fh:
        text = fh.read()
    replacements = {
        "server 127.0.0.1:5001 ": f"server 127.0.0.1:{backends[0]} ",
        "server 127.0.0.1:5002 ": f"server 127.0.0.1:{backends[1]} ",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{https_port} ssl http2;",
        "listen [::]:443 ssl http2;": "",
        "listen 80;": f"listen 127.0.0.1:{http_port};",
        "listen [::]:80;": "",
        "/etc/qms/tls/qms.crt": str(cert),
        "/etc/qms/tls/qms.key": str(key),
    }
    for old, new in replacements.items():
        assert old in text, f"{SHIPPED} no longer has {old!r}"
        text = text.replace(old, new)
    path = folder / "qms-site.conf"
    path.write_text(text, encoding="utf-8")
    main = folder / "nginx.conf"
    main.write_text(f"""
{"user root;" if os.geteuid() == 0 else ""}
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log info;
events {{ worker_connections 256; }}
http {{
    access_log {folder}/access.log;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    include {path};
}}
""", encoding="utf-8")
    return main


@pytest.fixture(scope="module")
def proxied(tmp_path_factory):
    if not os.path.exists(NGINX):
        pytest.skip("nginx not installed (tests/run.sh installs Debian's nginx)")
    folder = tmp_path_factory.mktemp("nginx")
    cert, key = self_signed(folder)
    store = f"sqlite:///{folder}/site.sqlite3"
    site_id = "proxy-" + uuid.uuid4().hex[:8]
    with open(os.path.join(ROOT, "server", "sites", "demo.toml"), encoding="utf-8") as fh:
        (folder / "site.toml").write_text(
            fh.read().replace('id = "demo-ben-nghe"', f'id = "{site_id}"'), encoding="utf-8")
    args = ["--message-queue", "redis://127.0.0.1:6379/0", "--trusted-proxy", "127.0.0.1"]
    # No QMS_SECRET_KEY: as docs/operations.md sets it up, the processes share the site's
    # secret through the store, so a sign-in through nginx is good on either process.
    https_port, http_port = free_port(), free_port()
    with ServerProcess(folder / "a", store=store, site=folder / "site.toml", extra_args=args) as a, \
            ServerProcess(folder / "b", store=store, site=folder / "site.toml", extra_args=args,
                          demo=True) as b:
        conf = site_conf(folder, https_port, http_port, (a.port, b.port), cert, key)
        subprocess.run([NGINX, "-t", "-p", str(folder), "-c", str(conf)], check=True,
                       capture_output=True)
        nginx = subprocess.Popen([NGINX, "-p", str(folder), "-c", str(conf), "-g", "daemon off;"],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        url = f"https://127.0.0.1:{https_port}"
        try:
            with pytest.MonkeyPatch.context() as mp:
                # Real verification against our own CA, here and in the print agent
                # (docs/operations.md, step 9: requests and websocket-client read these).
                mp.setenv("REQUESTS_CA_BUNDLE", str(cert))
                mp.setenv("WEBSOCKET_CLIENT_CA_BUNDLE", str(cert))
                wait_until(lambda: _answers(url + "/healthz"), timeout=15, message="nginx")
                yield type("Proxied", (), dict(url=url, http_url=f"http://127.0.0.1:{http_port}",
                                               cert=str(cert), folder=folder, a=a, b=b))
        finally:
            nginx.terminate()
            nginx.wait(timeout=10)


def _answers(url):
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False


def polling_display(proxied):
    """A display over Socket.IO long-polling only, with a cookie jar (like a browser)."""
    session = requests.Session()
    session.verify = proxied.cert
    client = socketio.Client(reconnection=False, http_session=session)
    states = []
    client.on("state", states.append)
    client.connect(proxied.url, transports=["polling"], wait_timeout=10)
    assert client.call("join", {"role": "display"}, timeout=10)["ok"]
    return client, states


def test_plain_http_is_sent_to_https(proxied):
    answer = requests.get(proxied.http_url + "/display", allow_redirects=False, timeout=10)
    assert answer.status_code == 301
    assert answer.headers["Location"].startswith("https://")


def test_the_display_page_over_https_gets_a_call_made_through_the_proxy(proxied, chromium):
    context = chromium.new_context(ignore_https_errors=True,
                                   viewport={"width": 1920, "height": 1080}, locale="vi-VN")
    pollers = [polling_display(proxied) for _ in range(POLLING_CLIENTS)]
    try:
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto(proxied.url + "/display")
        page.wait_for_function("window.__snapshots >= 1")

        ticket = take_ticket(proxied.url, "CCCD").json()["ticket"]
        officer = Officer(proxied.url)
        assert officer.post("/api/counters/1/open").status_code == 200
        called = officer.post("/api/counters/1/call-next").json()["ticket"]
        assert called["id"] == ticket["id"]

        page.wait_for_function(
            "document.getElementById('hero-number').textContent === %r" % called["number"])
        os.makedirs(ARTIFACTS, exist_ok=True)
        page.screenshot(path=os.path.join(ARTIFACTS, "display-through-nginx.png"))
        # Every long-polling client stayed on its process (no "invalid session") and got it.
        for client, states in pollers:
            wait_until(lambda: any(s["counters"][0]["serving"] == called["number"] for s in states),
                       message="the call on a long-polling display")
            assert client.connected
    finally:
        context.close()
        for client, _ in pollers:
            client.disconnect()
    # The page upgraded to a WebSocket through nginx (logged when the connection closes).
    wait_until(lambda: any("transport=websocket" in line and '" 101 ' in line
                           for line in access_log(proxied)), message="a WebSocket in nginx's log")


def access_log(proxied):
    with open(proxied.folder / "access.log", encoding="utf-8") as fh:
        return fh.readlines()


def test_the_servers_see_https_and_the_client_address(proxied):
    """The officer's sign-in works over https: the session cookie (Secure under TLS) comes back
    and the CSRF-protected action passes; the route cookie keeps the officer on one process."""
    officer = Officer(proxied.url)
    assert "qms_route" in officer.http.cookies
    answer = officer.post("/api/counters/2/open")
    assert answer.status_code == 200, answer.text


def test_a_print_agent_prints_through_the_proxy_over_tls(proxied, tmp_path):
    from agent_process import AgentProcess
    from fake_printer import FakeNetworkPrinter

    printer = FakeNetworkPrinter()
    token = issue_device_token(proxied.url, "K7")
    with AgentProcess(proxied.url, token, printer.url, tmp_path / "journal.jsonl",
                      tmp_path / "agent.log") as agent:
        assert agent.wait_for_log("connected", timeout=30), agent.log()
        ticket = take_ticket(proxied.url, "VNEID", kiosk="K7").json()["ticket"]
        wait_until(lambda: ticket["number"] in printer.tickets(), timeout=30,
                   message="the ticket printed through nginx")
