"""`qms serve --demo` seeds its published officers without hashing their passwords at start."""
import hashlib

from server import cli
from server.app import create_app
from support.inprocess import InProcessSite
from support.server_process import Officer


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
