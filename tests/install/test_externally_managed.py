"""README's install step on Debian's own Python, which refuses `pip install` (PEP 668,
"externally managed"): `bash run-demo.sh` makes and uses a virtual environment, and the demo
server answers. Runs on a Debian/Ubuntu machine whose /usr/bin/python3 carries the marker."""
import fcntl
import glob
import os
import shutil
import subprocess

import pytest
import requests

from support.server_process import ROOT, free_port
from support.waiting import wait_until

SYSTEM_PYTHON = "/usr/bin/python3"
# The venv outlives the test (first run downloads the dependencies, later runs reuse them).
VENV = os.path.expanduser("~/.cache/qms-tests/debian-python-venv")


def source_copy(folder):
    """The checkout as a fresh clone would have it (tracked and new files, nothing ignored)."""
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT,
                           capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, files):
        if os.path.isfile(os.path.join(ROOT, name)):
            os.makedirs(os.path.join(folder, os.path.dirname(name)), exist_ok=True)
            shutil.copy2(os.path.join(ROOT, name), os.path.join(folder, name))
    return folder


@pytest.mark.slow
def test_readme_demo_command_on_an_externally_managed_python(tmp_path):
    if not glob.glob("/usr/lib/python3*/EXTERNALLY-MANAGED") or not os.path.exists(SYSTEM_PYTHON):
        pytest.skip("no externally managed system Python here (Debian 12 / Ubuntu 24.04 have one)")
    checkout = source_copy(tmp_path / "checkout")
    # Only the system's own Python on PATH, as on a bare Debian machine.
    env = dict(os.environ, PATH="/usr/bin:/bin", QMS_VENV=VENV,
               XDG_STATE_HOME=str(tmp_path / "state"), PYTHONUNBUFFERED="1")
    env.pop("PYTHONPATH", None)
    env.pop("VIRTUAL_ENV", None)

    refused = subprocess.run([SYSTEM_PYTHON, "-m", "pip", "install", "-e", "."], cwd=checkout,
                             env=env, capture_output=True, text=True, timeout=300)
    assert refused.returncode != 0 and "externally-managed-environment" in refused.stderr

    # One run at a time builds or uses the cached venv: two pip installs into one venv (another
    # checkout's test run on this machine) would break each other.
    os.makedirs(os.path.dirname(VENV), exist_ok=True)
    with open(VENV + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        _demo_answers(checkout, env, tmp_path)


def _demo_answers(checkout, env, tmp_path):
    """`bash run-demo.sh` in the copy makes the venv, serves the kiosk page, prints the banner."""
    port = free_port()
    log = open(tmp_path / "demo.log", "wb")
    demo = subprocess.Popen(["bash", "run-demo.sh", "--port", str(port)], cwd=checkout, env=env,
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        def answers():
            assert demo.poll() is None, (tmp_path / "demo.log").read_text()
            try:
                return requests.get(f"http://127.0.0.1:{port}/kiosk", timeout=2).status_code == 200
            except requests.RequestException:
                return False
        wait_until(answers, timeout=480, message="demo server from run-demo.sh")
    finally:
        os.killpg(demo.pid, 15)
        demo.wait(timeout=30)
        log.close()
    assert os.path.exists(os.path.join(VENV, "bin", "qms"))
    banner = (tmp_path / "demo.log").read_text()
    assert "canbo / canbo123" in banner and "Traceback" not in banner
