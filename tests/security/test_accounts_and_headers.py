"""Demo accounts, files readable by their owner only, page headers and Secure cookies (issue 9).

One store: first served with --demo (as a trial would), then for real without --demo, behind a
trusted proxy (127.0.0.1) that says the client came over https.
"""
import os
import stat

import pytest
import requests

from server.app import DEMO_SITE
from support import inprocess
from support.server_process import ServerProcess


@pytest.fixture(scope="module")
def instance(tmp_path_factory):
    folder = tmp_path_factory.mktemp("accounts") / "instance"
    with ServerProcess(folder) as trial:
        page = requests.get(trial.url + "/kiosk", timeout=10)
        assert requests.post(trial.url + "/api/login", timeout=10, json={
            "username": "admin", "password": "admin123"}).status_code == 200
    return folder, page


@pytest.fixture(scope="module")
def real(instance):
    folder, _ = instance
    made = inprocess.qms("create-officer", "chief", "--role", "admin", "--password",
                         "chief-pass-1", "--instance", folder, "--site", DEMO_SITE)
    assert made.returncode == 0, made.stderr
    with ServerProcess(folder, demo=False, site=DEMO_SITE,
                       extra_args=["--trusted-proxy", "127.0.0.1"]) as proc:
        yield proc


def test_instance_folder_and_store_are_the_owners_only(instance):
    folder, _ = instance
    assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(folder / "qms.sqlite3").st_mode) == 0o600


def test_pages_send_csp_frame_nosniff_and_referrer_headers(instance):
    _, page = instance
    assert "frame-ancestors" in page.headers["Content-Security-Policy"]
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert page.headers["Referrer-Policy"] == "same-origin"


def test_demo_accounts_are_refused_without_demo(real):
    for name, password in (("admin", "admin123"), ("canbo", "canbo123")):
        answer = requests.post(real.url + "/api/login", timeout=10,
                               json={"username": name, "password": password})
        assert answer.status_code == 403, name  # before: 200, forever
        assert answer.json()["error"]["code"] == "demo_account"
    assert requests.post(real.url + "/api/login", timeout=10, json={
        "username": "chief", "password": "chief-pass-1"}).status_code == 200


def test_session_cookie_is_secure_under_tls_through_the_trusted_proxy(real):
    plain = requests.post(real.url + "/api/login", timeout=10,
                          json={"username": "chief", "password": "chief-pass-1"})
    assert "secure" not in plain.headers["Set-Cookie"].lower()
    tls = requests.post(real.url + "/api/login", timeout=10,
                        json={"username": "chief", "password": "chief-pass-1"},
                        headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "10.0.0.9"})
    assert "; secure" in tls.headers["Set-Cookie"].lower()  # before: never Secure
