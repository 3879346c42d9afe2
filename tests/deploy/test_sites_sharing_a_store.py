"""Two sites on one PostgreSQL database, as a province may run them: server processes of site A
(two of them) and of site B, each with its own site file, and the operator's `qms` commands.

An officer, a device token or a session of site A is nothing at site B; `qms officers ...`
acts on the named site only. The two processes of site A sign cookies with the site's secret
from the store, so a sign-in on one is good on the other without QMS_SECRET_KEY.
"""
import os
import uuid
from types import SimpleNamespace

import pytest
import requests
import socketio

from server import auth
from server.store import open_store
from support import inprocess
from support.databases import fresh_postgres
from support.server_process import ROOT, ServerProcess

# The whole file takes long (real processes): handed out first (tests/conftest.py).
pytestmark = pytest.mark.slow

DEMO_SITE = os.path.join(ROOT, "server", "sites", "demo.toml")


def site_file(folder, site_id):
    with open(DEMO_SITE, encoding="utf-8") as fh:
        text = fh.read()
    path = folder / f"{site_id}.toml"
    path.write_text(text.replace('id = "demo-ben-nghe"', f'id = "{site_id}"'), encoding="utf-8")
    return path


def environment_of(server):
    with open(f"/proc/{server.proc.pid}/environ", "rb") as fh:
        return dict(item.split(b"=", 1) for item in fh.read().split(b"\0") if b"=" in item)


@pytest.fixture(scope="module")
def sites(tmp_path_factory):
    folder = tmp_path_factory.mktemp("two-sites")
    tag = uuid.uuid4().hex[:6]
    a_id, b_id = f"xa-a-{tag}", f"xa-b-{tag}"
    a_file, b_file = site_file(folder, a_id), site_file(folder, b_id)
    with fresh_postgres("qms_two_sites") as store, pytest.MonkeyPatch.context() as mp:
        mp.delenv("QMS_SECRET_KEY", raising=False)  # the servers inherit this environment
        def qms(site, *args, check=True):
            # In this process (its environment is the servers': no shared secret key).
            done = inprocess.qms(*args, "--site", site, "--store", store,
                                 "--instance", folder / "cli")
            if check:
                assert done.returncode == 0, done.stdout + done.stderr
            return done

        token_a = qms(a_file, "add-device", "K1").stdout.strip()
        # The officers straight into the store (each `qms` run costs seconds on a busy box;
        # the commands themselves are what test_officer_commands_... runs).
        direct = open_store(store)
        try:
            auth.create_officer(direct, "lan", "matkhau-a", "Lan (A)", "admin", site_id=a_id)
            auth.create_officer(direct, "lan", "matkhau-b", "Lan (B)", site_id=b_id)
            auth.create_officer(direct, "hoa", "matkhau-b", "Hòa (B)", site_id=b_id)
            token_b = auth.issue_device_token(direct, b_id, "K1", 0.0)
        finally:
            direct.close()
        with ServerProcess(folder / "a1", site=a_file, store=store, demo=False) as a1, \
                ServerProcess(folder / "a2", site=a_file, store=store, demo=False) as a2, \
                ServerProcess(folder / "b", site=b_file, store=store, demo=False) as b:
            yield SimpleNamespace(a1=a1, a2=a2, b=b, a_file=a_file, b_file=b_file, qms=qms,
                                  token_a=token_a, token_b=token_b)


def sign_in(server, username, password):
    http = requests.Session()
    answer = http.post(server.url + "/api/login", json={"username": username,
                                                        "password": password}, timeout=10)
    return http, answer


def signed_in_as(server, http):
    """Who the server takes this cookie for (GET /api/me), None if nobody."""
    answer = requests.get(server.url + "/api/me", timeout=10,
                          cookies=requests.utils.dict_from_cookiejar(http.cookies))
    return answer.json()["officer"]["username"] if answer.status_code == 200 else None


def test_an_officer_of_one_site_is_unknown_at_another(sites):
    _, at_a = sign_in(sites.a1, "lan", "matkhau-a")
    assert at_a.status_code == 200 and at_a.json()["officer"]["display_name"] == "Lan (A)"
    _, a_password_at_b = sign_in(sites.b, "lan", "matkhau-a")
    assert a_password_at_b.status_code == 401
    assert a_password_at_b.json()["error"]["code"] == "bad_credentials"
    _, at_b = sign_in(sites.b, "lan", "matkhau-b")  # B's own lan: another officer, same name
    assert at_b.status_code == 200 and at_b.json()["officer"]["display_name"] == "Lan (B)"


def test_a_session_cookie_of_one_site_is_refused_at_another(sites):
    http, answer = sign_in(sites.a1, "lan", "matkhau-a")
    assert answer.status_code == 200
    assert signed_in_as(sites.b, http) is None
    refused = requests.get(sites.b.url + "/api/counters", timeout=10,
                           cookies=requests.utils.dict_from_cookiejar(http.cookies))
    assert refused.status_code == 401


def test_a_device_token_of_one_site_is_refused_at_another(sites):
    headers = {"X-Kiosk-Token": sites.token_a}
    body = {"service": "CCCD", "priority": None}
    taken = requests.post(sites.a1.url + "/api/tickets", timeout=10, headers=headers,
                          json=dict(body, request_id=uuid.uuid4().hex))
    assert taken.status_code == 201, taken.text
    refused = requests.post(sites.b.url + "/api/tickets", timeout=10, headers=headers,
                            json=dict(body, request_id=uuid.uuid4().hex))
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "unknown_device"
    # The print agent's Socket.IO connection with it: accepted at A, refused at B.
    agent = socketio.Client(reconnection=False)
    agent.connect(sites.a1.url, auth={"device_token": sites.token_a}, wait_timeout=10)
    agent.disconnect()
    with pytest.raises(socketio.exceptions.ConnectionError):
        agent.connect(sites.b.url, auth={"device_token": sites.token_a}, wait_timeout=10)


def test_two_processes_of_a_site_accept_each_others_sign_in_without_a_shared_secret(sites):
    for server in (sites.a1, sites.a2, sites.b):
        assert b"QMS_SECRET_KEY" not in environment_of(server)
    http, answer = sign_in(sites.a1, "lan", "matkhau-a")
    assert answer.status_code == 200
    assert signed_in_as(sites.a2, http) == "lan"
    # ...and acts there, CSRF token and all.
    cookies = requests.utils.dict_from_cookiejar(http.cookies)
    opened = requests.post(sites.a2.url + "/api/counters/3/open", timeout=10, cookies=cookies,
                           headers={"X-CSRF-Token": answer.json()["csrf_token"]})
    assert opened.status_code == 200, opened.text


def test_officer_commands_act_on_the_named_site_only(sites):
    listed_a = sites.qms(sites.a_file, "officers", "list").stdout
    listed_b = sites.qms(sites.b_file, "officers", "list").stdout
    assert "Lan (A)" in listed_a and "Hòa" not in listed_a and "Lan (B)" not in listed_a
    assert "Lan (B)" in listed_b and "Hòa (B)" in listed_b and "Lan (A)" not in listed_b
    # hoa is B's: A has no such officer to disable.
    refused = sites.qms(sites.a_file, "officers", "disable", "hoa", check=False)
    assert refused.returncode == 1 and "no such officer" in refused.stderr
    assert sign_in(sites.b, "hoa", "matkhau-b")[1].status_code == 200

    sites.qms(sites.b_file, "officers", "disable", "lan")
    disabled = sign_in(sites.b, "lan", "matkhau-b")[1]
    assert disabled.status_code == 403 and disabled.json()["error"]["code"] == "officer_disabled"
    assert sign_in(sites.a1, "lan", "matkhau-a")[1].status_code == 200  # A's lan is untouched
    listed = sites.qms(sites.b_file, "officers", "list").stdout.splitlines()
    assert "disabled" in next(line for line in listed if line.startswith("lan "))
    assert "disabled" not in next(line for line in listed if line.startswith("hoa "))

    sites.qms(sites.b_file, "officers", "reset-password", "lan", "--password", "moi-b-123")
    sites.qms(sites.b_file, "officers", "enable", "lan")
    assert sign_in(sites.b, "lan", "moi-b-123")[1].status_code == 200
    assert sign_in(sites.a1, "lan", "moi-b-123")[1].status_code == 401  # A's password kept
    assert sign_in(sites.a1, "lan", "matkhau-a")[1].status_code == 200


def test_revoking_a_kiosk_at_one_site_leaves_the_other_sites_kiosk(sites):
    assert take_ticket_with(sites.b, sites.token_b).status_code == 201
    assert "Revoked 1 token" in sites.qms(sites.a_file, "remove-device", "K1").stdout
    assert take_ticket_with(sites.a1, sites.token_a).status_code == 403
    assert take_ticket_with(sites.b, sites.token_b).status_code == 201  # B's K1 still works


def take_ticket_with(server, token):
    return requests.post(server.url + "/api/tickets", timeout=10,
                         headers={"X-Kiosk-Token": token},
                         json={"service": "CCCD", "priority": None, "request_id": uuid.uuid4().hex})
