"""The dashboard's timings are the hub's settings (QMS_HUB_* environment, as `qms hub` reads
them): how long a quiet site is still "online", how often every site's row is read (which
is how soon a quiet site is noticed), how often tiles are pushed."""
from server.hub.app import create_hub_app


def board_timings(hub_db):
    """(offline after, rows every, pushes every) of a hub app made now, as `qms hub` makes it."""
    app = create_hub_app(hub_db, {"ASYNC_MODE": "threading", "TESTING": True})
    try:
        board = app.extensions["qms.hub.board"]
        return board.offline_after, board.rows_seconds, board.push_seconds
    finally:
        app.extensions["qms.hub.store"].close()


def test_the_dashboard_timings_come_from_the_environment(hub_db, monkeypatch):
    monkeypatch.setenv("QMS_HUB_OFFLINE_AFTER_SECONDS", "4")
    monkeypatch.setenv("QMS_HUB_DASHBOARD_ROWS_SECONDS", "0.5")
    monkeypatch.setenv("QMS_HUB_DASHBOARD_PUSH_SECONDS", "0.25")
    assert board_timings(hub_db) == (4.0, 0.5, 0.25)


def test_the_dashboard_timings_default_to_a_site_agents_pace(hub_db, monkeypatch):
    for name in ("OFFLINE_AFTER_SECONDS", "DASHBOARD_ROWS_SECONDS", "DASHBOARD_PUSH_SECONDS"):
        monkeypatch.delenv("QMS_HUB_" + name, raising=False)
    assert board_timings(hub_db) == (90.0, 5.0, 1.0)
