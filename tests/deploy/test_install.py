"""deploy/install.sh into a throwaway root (DESTDIR), and the systemd units it installs checked
by `systemd-analyze verify` against that root. The venv sees this machine's packages and pip
installs only the project itself (no download): what is tested is the script's own work —
user, folders and permissions, venv with a working `qms`, settings kept on upgrade, units,
udev rule, nginx site, certificate."""
import os
import pathlib
import re
import shlex
import shutil
import stat
import subprocess
import uuid

import pytest
import requests

from support.server_process import ROOT, free_port
from support.waiting import wait_until

# The whole file takes long (real processes): handed out first (tests/conftest.py).
pytestmark = pytest.mark.slow

INSTALL = os.path.join(ROOT, "deploy", "install.sh")
# The venv borrows the machine's packages (no downloads of the server's dependencies), but the
# build of the project itself stays isolated, as on a real install: a machine's own setuptools
# may lack `wheel` (a fresh CI machine did), which the isolated build brings itself.
FAST_PIP = {"QMS_VENV_OPTIONS": "--system-site-packages --without-pip",
            "QMS_PIP_OPTIONS": "--no-deps"}


def install(root, role="server", **env):
    done = subprocess.run(["sh", INSTALL, role], capture_output=True, text=True, timeout=600,
                          env=dict(os.environ, DESTDIR=str(root), QMS_SERVER_NAME="qms.xa-test.vn",
                                   **FAST_PIP, **env))
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def server_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("root")
    first = install(root)
    return root, first


def ids(root, name, table):
    with open(root / "etc" / table, encoding="utf-8") as fh:
        for line in fh:
            fields = line.split(":")
            if fields[0] == name:
                return fields
    raise AssertionError(f"no {name} in {table}")


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def test_the_qms_user_is_a_system_user_without_a_login(server_root):
    root, _ = server_root
    user = ids(root, "qms", "passwd")
    group = ids(root, "qms", "group")
    assert int(user[2]) < 1000 and user[3] == group[2]
    assert user[5] == "/var/lib/qms" and user[6].strip() == "/usr/sbin/nologin"


@pytest.mark.skipif(os.geteuid() != 0, reason="ownership is set only when installing as root")
def test_folders_and_secrets_have_their_owners_and_modes(server_root):
    root, _ = server_root
    uid, gid = int(ids(root, "qms", "passwd")[2]), int(ids(root, "qms", "group")[2])
    expected = {  # path: (uid, gid, mode)
        "etc/qms": (0, gid, 0o750),
        "etc/qms/site.toml": (0, gid, 0o640),
        "etc/qms/qms.env": (0, gid, 0o640),
        "etc/qms/tls": (0, 0, 0o700),
        "etc/qms/tls/qms.key": (0, 0, 0o600),
        "var/lib/qms": (uid, gid, 0o750),
        "var/backups/qms": (uid, gid, 0o750),
    }
    for path, (owner, group, bits) in expected.items():
        info = os.stat(root / path)
        assert (info.st_uid, info.st_gid, mode(root / path)) == (owner, group, bits), path


def installed_program_env():
    """No PYTHONPATH: the installed copy must run on its own, not on this checkout."""
    return {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}


def test_the_venv_runs_qms(server_root):
    root, _ = server_root
    qms = root / "opt" / "qms" / "venv" / "bin" / "qms"
    done = subprocess.run([str(qms), "--help"], capture_output=True, text=True, timeout=120,
                          env=installed_program_env())
    assert done.returncode == 0 and "kiosk-agent" in done.stdout
    assert (root / "opt" / "qms" / "docs" / "operations.md").exists()


def test_the_installed_program_makes_a_store(server_root, tmp_path):
    """The installed copy (not this checkout) has all it needs, migrations included."""
    root, _ = server_root
    qms = root / "opt" / "qms" / "venv" / "bin" / "qms"
    done = subprocess.run([str(qms), "open-day", "--site", str(root / "etc/qms/site.toml"),
                           "--instance", str(tmp_path / "instance")],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path,
                          env=installed_program_env())
    assert done.returncode == 0, done.stdout + done.stderr
    assert "is open" in done.stdout


def test_the_certificate_and_the_nginx_site_name_the_site(server_root):
    root, _ = server_root
    subject = subprocess.run(["openssl", "x509", "-noout", "-subject", "-in",
                              str(root / "etc/qms/tls/qms.crt")], capture_output=True, text=True)
    assert "qms.xa-test.vn" in subject.stdout
    site = (root / "etc/nginx/sites-available/qms-site").read_text(encoding="utf-8")
    assert "server_name qms.xa-test.vn;" in site and "qms.example.vn" not in site
    assert os.readlink(root / "etc/nginx/sites-enabled/qms-site") == "../sites-available/qms-site"


def test_a_second_run_keeps_what_the_operator_edited(server_root, tmp_path):
    root, _ = server_root
    edited = "# edited by the site's IT officer\n"
    (root / "etc/qms/qms.env").write_text(edited, encoding="utf-8")
    key = (root / "etc/qms/tls/qms.key").read_bytes()
    again = install(root)
    assert "kept /etc/qms/qms.env" in again.replace(str(root), "")
    assert (root / "etc/qms/qms.env").read_text(encoding="utf-8") == edited
    assert (root / "etc/qms/tls/qms.key").read_bytes() == key


def systemd_root(root):
    """systemd's own units in the throwaway root, so `verify --root` resolves targets."""
    units = root / "usr" / "lib" / "systemd" / "system"
    if not units.exists():
        shutil.copytree("/usr/lib/systemd/system", units, symlinks=True)
    for program in ("/bin/sh", "/usr/bin/find"):  # the system's programs the units run
        copy = root / program.lstrip("/")
        if not copy.exists():
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(os.path.realpath(program), copy)
    return root


def verify(root, unit):
    done = subprocess.run(["systemd-analyze", "verify", f"--root={root}", unit],
                          capture_output=True, text=True, timeout=120)
    ours = [line for line in (done.stdout + done.stderr).splitlines() if "qms" in line]
    return done.returncode, ours


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze not installed")
def test_systemd_accepts_the_server_backup_and_sync_units(server_root):
    root, _ = server_root
    for unit in ("qms@5001.service", "qms-backup.service", "qms-backup.timer",
                 "qms-sync.service"):
        code, complaints = verify(systemd_root(root), unit)
        assert code == 0 and complaints == [], unit


def test_the_backup_units_command_backs_up_the_store(server_root, tmp_path):
    """qms-backup.service's command, run with the installed program on a store it made."""
    root, _ = server_root
    qms = str(root / "opt" / "qms" / "venv" / "bin" / "qms")
    place = ["--site", str(root / "etc/qms/site.toml"), "--instance", str(tmp_path / "instance")]
    unit = (root / "etc/systemd/system/qms-backup.service").read_text(encoding="utf-8")
    command = next(line for line in unit.splitlines() if line.startswith("ExecStart="))
    assert "qms backup --site /etc/qms/site.toml --output /var/backups/qms/" in command
    env = installed_program_env()
    opened = subprocess.run([qms, "open-day", *place], capture_output=True, text=True,
                            timeout=120, env=env, cwd=tmp_path)
    assert opened.returncode == 0, opened.stderr
    output = tmp_path / "backups" / "qms-test.backup"
    output.parent.mkdir()
    done = subprocess.run([qms, "backup", *place, "--output", str(output)], capture_output=True,
                          text=True, timeout=120, env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert output.stat().st_size > 0


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze not installed")
def test_the_agent_install_and_its_unit(agent_root):
    env = agent_root / "etc/qms/kiosk-agent.env"
    assert "QMS_DEVICE_TOKEN=" in env.read_text(encoding="utf-8") and mode(env) == 0o640
    assert (agent_root / "etc/udev/rules.d/70-qms-printers.rules").exists()
    assert not (agent_root / "etc/nginx").exists() and not (agent_root / "etc/qms/tls").exists()
    code, complaints = verify(systemd_root(agent_root), "qms-kiosk-agent.service")
    assert code == 0 and complaints == []


def udev_complaints(rules, work):
    """What udev says about a rules file, read by udev's own parser. `udevadm verify` (systemd
    254 and later) where there is one; on Debian 12's systemd 252, `udevadm test` run in a
    private mount namespace where /etc/udev/rules.d holds only this file and /etc/group knows
    the qms group the installer made (nothing of the machine changes)."""
    verify = subprocess.run(["udevadm", "verify", "--help"], capture_output=True, text=True)
    if verify.returncode == 0:
        done = subprocess.run(["udevadm", "verify", str(rules)], capture_output=True, text=True,
                              timeout=60)
        return [] if done.returncode == 0 else (done.stdout + done.stderr).splitlines()
    folder = work / f"udev-check-{uuid.uuid4().hex[:6]}"
    (folder / "rules.d").mkdir(parents=True)
    shutil.copy(rules, folder / "rules.d" / rules.name)
    with open("/etc/group", encoding="utf-8") as fh:
        groups = fh.read()
    (folder / "group").write_text(groups + "qms:x:999:\n", encoding="utf-8")
    script = (f"mount --bind {folder}/rules.d /etc/udev/rules.d && "
              f"mount --bind {folder}/group /etc/group && "
              "udevadm test --action=add /sys/class/mem/null 2>&1")
    done = subprocess.run(["unshare", "--mount", "sh", "-c", script], capture_output=True,
                          text=True, timeout=60)
    if "Reading rules file" not in done.stdout:
        pytest.skip(f"udev's parser cannot be run here: {done.stdout[-300:]}{done.stderr[-300:]}")
    return [line for line in done.stdout.splitlines()
            if rules.name in line and "Reading rules file" not in line]


@pytest.mark.skipif(not shutil.which("udevadm") or os.geteuid() != 0,
                    reason="udevadm and root (for a private mount namespace) are needed")
def test_udev_accepts_the_printer_rule(tmp_path):
    rule = pathlib.Path(ROOT, "deploy", "udev", "70-qms-printers.rules")
    assert udev_complaints(rule, tmp_path) == []
    # The check can fail: the same rule with a misspelt key and a missing operator.
    broken = tmp_path / "broken" / "70-qms-printers.rules"
    broken.parent.mkdir()
    broken.write_text(rule.read_text(encoding="utf-8").replace("ENV{DEVTYPE}", "ENV{DEVTYPE}x")
                      .replace('GROUP="qms"', 'GROUPS="qms"', 1), encoding="utf-8")
    assert udev_complaints(broken, tmp_path) != []


def environment_file(path):
    """KEY=VALUE lines as systemd's EnvironmentFile= reads them (comments and blanks skipped)."""
    found = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            found[key.strip()] = value.strip()
    return found


def unit_command(unit, instance, env, paths):
    """The unit's ExecStart as systemd would run it: %i and ${VAR} filled in; then each
    absolute path of the real machine moved into the test's folders (`paths`)."""
    line = next(line for line in unit.read_text(encoding="utf-8").splitlines()
                if line.startswith("ExecStart="))
    argv = []
    for word in shlex.split(line[len("ExecStart="):].replace("%i", instance)):
        word = re.sub(r"\$\{(\w+)\}", lambda m: env[m.group(1)], word)
        for real in sorted(paths, key=len, reverse=True):
            if word == real or word.startswith(real + "/"):
                word = str(paths[real]) + word[len(real):]
                break
        argv.append(word)
    return argv


@pytest.fixture(scope="module")
def agent_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("agent-root")
    install(root, "agent", QMS_EXTRAS="")
    return root


def test_the_units_commands_serve_the_site_and_print_its_tickets(server_root, agent_root,
                                                                  tmp_path):
    """What systemd would start (CI has no running systemd): qms@PORT.service's command with
    /etc/qms/qms.env, then qms-kiosk-agent.service's with the kiosk-agent.env an operator
    filled in; a ticket taken at kiosk K1 is printed by that agent."""
    root, _ = server_root
    port = free_port()
    instance = tmp_path / "var-lib-qms"
    server_paths = {"/opt/qms/venv": root / "opt/qms/venv", "/etc/qms": root / "etc/qms",
                    "/var/lib/qms": instance}
    settings = environment_file(root / "etc/qms/qms.env")
    server_env = dict(installed_program_env(), **settings,
                      QMS_SOCKETIO_CHANNEL=f"qms-unit-test-{port}")  # not another test's
    command = unit_command(root / "etc/systemd/system/qms@.service", str(port), settings,
                           server_paths)
    qms = str(root / "opt/qms/venv/bin/qms")
    place = ["--site", str(root / "etc/qms/site.toml"), "--instance", str(instance)]
    instance.mkdir()
    token = subprocess.run([qms, "add-device", "K1", *place], capture_output=True, text=True,
                           timeout=120, env=server_env, cwd=tmp_path)
    assert token.returncode == 0, token.stderr
    token = token.stdout.strip()

    agent_env_file = agent_root / "etc/qms/kiosk-agent.env"
    filled = agent_env_file.read_text(encoding="utf-8")
    for key, value in (("QMS_SERVER", f"http://127.0.0.1:{port}"), ("QMS_DEVICE_TOKEN", token),
                       ("QMS_PRINTER", "virtual://")):
        filled = re.sub(rf"^{key}=.*$", f"{key}={value}", filled, flags=re.M)
    agent_env_file.write_text(filled, encoding="utf-8")
    agent_settings = environment_file(agent_env_file)
    state = tmp_path / "var-lib-qms-agent"  # the unit's StateDirectory=, made by systemd
    state.mkdir()
    agent_command = unit_command(
        agent_root / "etc/systemd/system/qms-kiosk-agent.service", "", agent_settings,
        {"/opt/qms/venv": agent_root / "opt/qms/venv", "/var/lib/qms-agent": state})

    with open(tmp_path / "server.log", "wb") as log:
        server = subprocess.Popen(command, env=server_env, cwd=tmp_path, stdout=log,
                                  stderr=subprocess.STDOUT)
    agent = None
    try:
        wait_until(lambda: _healthy(f"http://127.0.0.1:{port}", server), timeout=90,
                   message="the server unit's command")
        with open(tmp_path / "agent.log", "wb") as log:
            agent = subprocess.Popen(agent_command, cwd=tmp_path, stdout=log,
                                     stderr=subprocess.STDOUT,
                                     env=dict(installed_program_env(), **agent_settings))
        # A ticket taken while its kiosk's agent is away is not printed later (the kiosk tells
        # the citizen to remember the number): take it once the agent is connected.
        wait_until(lambda: "connected to" in (tmp_path / "agent.log").read_text(errors="replace"),
                   timeout=90, message="the agent unit's command connecting")
        taken = requests.post(f"http://127.0.0.1:{port}/api/tickets", timeout=10,
                              headers={"X-Kiosk-Token": token},
                              json={"service": "CCCD", "priority": None, "kiosk": "K1",
                                    "request_id": uuid.uuid4().hex})
        assert taken.status_code == 201, taken.text
        journal = state / "print-journal.jsonl"
        wait_until(lambda: journal.exists() and '"done"' in journal.read_text(encoding="utf-8"),
                   timeout=60, message="the agent unit's command printing the ticket")
    finally:
        for process in (agent, server):
            if process is not None:
                process.terminate()
                process.wait(timeout=20)
    logs = (tmp_path / "server.log").read_text(errors="replace")
    assert "Traceback" not in logs, logs


def _healthy(url, process):
    assert process.poll() is None, "the server exited"
    try:
        return requests.get(url + "/healthz", timeout=2).status_code == 200
    except requests.RequestException:
        return False
