"""deploy/install.sh into a throwaway root (DESTDIR), and the systemd units it installs checked
by `systemd-analyze verify` against that root. The venv sees this machine's packages and pip
installs only the project itself (no download): what is tested is the script's own work —
user, folders and permissions, venv with a working `qms`, settings kept on upgrade, units,
udev rule, nginx site, certificate."""
import os
import shutil
import stat
import subprocess

import pytest

from support.server_process import ROOT

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
def test_systemd_accepts_the_server_and_backup_units(server_root):
    root, _ = server_root
    for unit in ("qms@5001.service", "qms-backup.service", "qms-backup.timer"):
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
def test_the_agent_install_and_its_unit(tmp_path):
    install(tmp_path, "agent", QMS_EXTRAS="")
    env = tmp_path / "etc/qms/kiosk-agent.env"
    assert "QMS_DEVICE_TOKEN=" in env.read_text(encoding="utf-8") and mode(env) == 0o640
    assert (tmp_path / "etc/udev/rules.d/70-qms-printers.rules").exists()
    assert not (tmp_path / "etc/nginx").exists() and not (tmp_path / "etc/qms/tls").exists()
    code, complaints = verify(systemd_root(tmp_path), "qms-kiosk-agent.service")
    assert code == 0 and complaints == []
