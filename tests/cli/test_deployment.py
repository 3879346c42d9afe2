"""Where a command acts, and how `qms serve` starts: no silent demo site, the config file's
[server] table, --version, officers, masked store URL, public base URL, LAN address, a port in
use refused, a missing backend package refused, no eventlet notice."""
import os
import re
import subprocess
import sys

import pytest
import requests

from server.site_file import DEMO_SITE
from support import inprocess
from support.databases import fresh_postgres
from support.inprocess import InProcessSite
from support.server_process import ROOT, Officer, ServerProcess, free_port, take_ticket

# The whole file takes long (real processes): handed out first (tests/conftest.py).
pytestmark = pytest.mark.slow

FAKE_MISSING = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fake_missing")


def qms(*args, env=None, timeout=120):
    """`qms` in its own process: where the process's own output (no eventlet notice, no
    traceback) or `serve` is the point. Other commands run in this process (inprocess.qms)."""
    return subprocess.run([sys.executable, "-m", "server.cli", *args], cwd=ROOT, timeout=timeout,
                          capture_output=True, text=True,
                          env=dict(os.environ, PYTHONUNBUFFERED="1", **(env or {})))


def site_with_server_table(tmp_path, **server):
    text = open(DEMO_SITE, encoding="utf-8").read()
    lines = "".join(f'{key} = "{value}"\n' for key, value in server.items())
    path = tmp_path / "site.toml"
    path.write_text(text + "\n[server]\n" + lines, encoding="utf-8")
    return path


def no_eventlet_notice(result):
    return "Eventlet is deprecated" not in result.stdout + result.stderr


def test_without_a_site_file_a_command_refuses_and_writes_nothing(tmp_path):
    store = tmp_path / "prod.sqlite3"
    missing = str(tmp_path / "nowhere.toml")
    for command in (["open-day"], ["close-day"], ["add-device", "K1"], ["officers", "list"],
                    ["serve"]):
        run = qms if command == ["serve"] else inprocess.qms  # serve: in its own process
        result = run(*command, "--store", f"sqlite:///{store}", "--instance", str(tmp_path),
                     env={"QMS_CONFIG": missing})
        assert result.returncode == 1, (command, result.stderr)
        assert f"{missing}: không có tệp cấu hình" in result.stderr
        assert "no site file: pass --site FILE, set QMS_CONFIG" in result.stderr
        assert "Traceback" not in result.stderr and no_eventlet_notice(result)
    assert not store.exists()  # no demo event in the production store


def test_the_config_file_names_instance_and_store(tmp_path):
    instance = tmp_path / "var-lib-qms"
    config = site_with_server_table(tmp_path, instance="var-lib-qms",
                                    store=f"sqlite:///{tmp_path}/site.sqlite3")
    opened = qms("open-day", env={"QMS_CONFIG": str(config)})
    assert opened.returncode == 0 and "is open" in opened.stdout, opened.stderr
    assert no_eventlet_notice(opened)
    assert (tmp_path / "site.sqlite3").exists() and instance.is_dir()  # relative to the file

    no_instance = tmp_path / "bare"
    no_instance.mkdir()
    bare = site_with_server_table(no_instance)
    refused = inprocess.qms("open-day", "--site", str(bare))
    assert refused.returncode == 1 and "no instance folder" in refused.stderr
    assert not list(no_instance.glob("*.sqlite3"))


def test_version_and_check_site_print_no_notice():
    version = qms("--version")
    assert version.returncode == 0 and re.fullmatch(r"qms, version \d+\.\d+\.\d+\n", version.stdout)
    checked = qms("check-site", DEMO_SITE)
    assert checked.returncode == 0 and no_eventlet_notice(checked)


def test_officers_list_disable_enable_reset(tmp_path):
    """The officer commands change the store a serving site uses (the commands and the app in
    this process, each on its own connection to the store)."""
    place = ("--site", DEMO_SITE, "--instance", str(tmp_path / "instance"))
    qms = inprocess.qms
    made = qms("create-officer", "lan", "--name", "Trần Thị Lan", "--password", "matkhau-2026",
               *place)
    assert made.returncode == 0, made.stderr
    with InProcessSite(tmp_path / "instance", demo=False) as server:
        listed = qms("officers", "list", *place)
        assert re.search(r"^lan\s+officer\s+hoạt động / active\s+Trần Thị Lan$", listed.stdout,
                         re.M), listed.stdout
        assert qms("officers", "disable", "lan", *place).returncode == 0
        assert "đã khóa / disabled" in qms("officers", "list", *place).stdout
        login = server.post("/api/login", json={"username": "lan", "password": "matkhau-2026"})
        assert login.status_code == 403 and login.json()["error"]["code"] == "officer_disabled"

        assert qms("officers", "enable", "lan", *place).returncode == 0
        reset = qms("officers", "reset-password", "lan", "--password", "moi-2026-lan", *place)
        assert reset.returncode == 0 and "password reset" in reset.stdout
        Officer(server.url, "lan", "moi-2026-lan")  # signs in with the new password
        old = server.post("/api/login", json={"username": "lan", "password": "matkhau-2026"})
        assert old.status_code == 401

    unknown = qms("officers", "disable", "nobody", *place)
    assert unknown.returncode == 1 and "no such officer" in unknown.stderr


def test_banner_masks_the_password_and_uses_the_public_base_url(tmp_path):
    with fresh_postgres() as url:
        secret_url = url.replace("postgres@", "postgres:s3cret-pw@")  # trust auth ignores it
        server = ServerProcess(tmp_path / "instance", store=secret_url,
                               env={"QMS_PUBLIC_BASE_URL": "https://qms.ben-nghe.example.vn"})
        with server:
            log = server.log()
            assert "s3cret-pw" not in log and "postgres:***@127.0.0.1" in log
            assert "https://qms.ben-nghe.example.vn/kiosk" in log
            ticket = take_ticket(server.url).json()["ticket"]
            assert ticket["track_url"].startswith("https://qms.ben-nghe.example.vn/t/")


def lan_ipv4():
    out = subprocess.run(["ip", "-4", "-o", "addr", "show", "scope", "global"],
                         capture_output=True, text=True).stdout
    return re.findall(r"inet (\d+\.\d+\.\d+\.\d+)/", out)


def test_all_interfaces_banner_prints_the_lan_address_and_a_taken_port_is_refused(tmp_path):
    addresses = lan_ipv4()
    if not addresses:
        pytest.skip("this machine has no LAN address")
    server = ServerProcess(tmp_path / "a", extra_args=["--host", "0.0.0.0"])
    with server:
        assert f"http://{addresses[0]}:{server.port}/kiosk" in server.log()
        assert "localhost" not in server.log().split("Kiosk")[1].splitlines()[0]
        for host in ("0.0.0.0", "127.0.0.1"):
            second = qms("serve", "--demo", "--instance", str(tmp_path / "b"), "--host", host,
                         "--port", str(server.port), timeout=60)
            assert second.returncode == 1, second.stdout
            assert "cổng đang được một chương trình khác dùng" in second.stderr
            assert "the port is in use" in second.stderr
        assert requests.get(server.url + "/healthz", timeout=5).status_code == 200


@pytest.mark.parametrize("option,value,package,extra", [
    ("--store", "postgresql://postgres@127.0.0.1:5432/test", "psycopg", "postgres"),
    ("--message-queue", "redis://127.0.0.1:6379/0", "redis", "redis"),
])
def test_a_missing_backend_package_is_refused_at_start(tmp_path, option, value, package, extra):
    result = qms("serve", "--demo", "--instance", str(tmp_path), "--port", str(free_port()),
                 option, value, env={"PYTHONPATH": FAKE_MISSING}, timeout=60)
    assert result.returncode == 1
    assert f"thiếu gói Python '{package}'" in result.stderr
    assert f"pip install 'qms-cccd[{extra}]'" in result.stderr
    assert "Traceback" not in result.stderr


def test_demo_without_instance_uses_the_state_folder(tmp_path):
    state = tmp_path / "state"
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "server.cli", "serve", "--demo", "--port",
                             str(port)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            env=dict(os.environ, XDG_STATE_HOME=str(state), PYTHONUNBUFFERED="1"))
    try:
        banner = proc.stdout.readline().decode()
        assert "Site «" in banner and (state / "qms" / "demo" / "qms.sqlite3").exists()
        assert not os.path.exists(os.path.join(ROOT, "instance"))
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_the_demo_banner_kiosk_link_takes_an_elderly_ticket_across_a_restart(tmp_path):
    """README: `bash run-demo.sh`, open the printed kiosk link. A browser without a device
    token is a phone, refused at a kiosk-only site: the link must carry the demo kiosk's."""
    links = []
    for _ in range(2):  # the same link after a restart: a kiosk browser keeps its token
        with ServerProcess(tmp_path / "instance") as server:
            line = next(l for l in server.log().splitlines() if "Kiosk (lấy số)" in l)
            link = line.split()[-1]
            assert re.match(r"http://[^/]+/kiosk#device_token=[\w-]{20,}$", link), link
            token = link.split("#device_token=")[1]
            body = {"service": "CCCD", "priority": "elderly", "request_id": os.urandom(8).hex()}
            taken = requests.post(server.url + "/api/tickets", json=body, timeout=10,
                                  headers={"X-Kiosk-Token": token})
            assert taken.status_code == 201, taken.text
            links.append(link.split("#")[1])
    assert links[0] == links[1]
