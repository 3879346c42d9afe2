"""What `qms serve` does at start, and what it leaves for later: the demo's published officers
are seeded without hashing their passwords; the charts' library is imported when a report or
plan is first drawn, not at every start."""
import hashlib
import subprocess
import sys

from server import cli
from server.app import create_app
from support.inprocess import InProcessSite
from support.server_process import ROOT, Officer


def test_demo_officers_are_seeded_without_hashing_and_sign_in(tmp_path, monkeypatch):
    app = create_app({"ASYNC_MODE": "threading", "TESTING": True},
                     instance_path=str(tmp_path / "instance"))
    runtime = app.extensions["qms.runtime"]
    hashed = []
    real_scrypt = hashlib.scrypt
    monkeypatch.setattr(hashlib, "scrypt", lambda *a, **k: hashed.append(1) or real_scrypt(*a, **k))
    cli._seed_demo(app)
    monkeypatch.undo()
    assert hashed == []  # scrypt at every demo start was a third of its CPU
    for username, password, name, role in cli.DEMO_OFFICERS:
        officer = runtime.store.officer(runtime.site.id, username)
        assert (officer["display_name"], officer["role"], bool(officer["demo"])) == (name, role, True)
    runtime.store.close()

    # The fresh store's officers sign in with the published passwords; a wrong one is refused.
    with InProcessSite(tmp_path / "instance") as site:
        for username, password, *_ in cli.DEMO_OFFICERS:
            assert Officer(site.url, username, password).csrf
        wrong = site.post("/api/login", json={"username": "canbo", "password": "canbo124"})
        assert wrong.status_code == 401


def test_the_app_starts_without_the_chart_library(tmp_path):
    """A fresh interpreter (this process has imported everything already) builds the app."""
    probe = ("import sys, server.app; "
             f"server.app.create_app({{'ASYNC_MODE': 'threading'}}, instance_path={str(tmp_path)!r}); "
             "print(sorted(m for m in ('pygal', 'openpyxl') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"
