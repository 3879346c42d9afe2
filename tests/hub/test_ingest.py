"""Hub ingest on real PostgreSQL: idempotent by (site, seq), ordered by the database, a gap
answered with where to resume, keys checked before anything is read or written."""
import time

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from server.hub.app import create_hub_app
from server.hub.migrations import VERSION_TABLE, current, head
from server.hub.store import metadata


def event(site_id, seq, type_="ticket_called", **body):
    return {"site_id": site_id, "seq": seq, "type": type_, "at": 1_764_550_000.0 + seq, **body}


@pytest.fixture(scope="module")
def hub(hub_db):
    app = create_hub_app(hub_db, {"ASYNC_MODE": "threading", "TESTING": True})
    store = app.extensions["qms.hub.store"]
    keys = {site: store.add_site(site, f"Phường {site}", "Quận 1", time.time())
            for site in ("a", "b", "c", "d", "e")}
    yield app, store, keys
    store.close()


def send(client, site, key, events, **more):
    return client.post(f"/api/hub/sites/{site}/events", json={"events": events, **more},
                       headers={"Authorization": f"Bearer {key}"})


def log_of(store, site):
    return [(e["seq"], e["type"]) for e in store.events_after(site, 0)]


def test_the_hub_database_is_at_the_newest_revision_with_the_hubs_tables(hub, hub_db):
    engine = sa.create_engine(hub_db)
    with engine.connect() as conn:
        assert current(conn) == head()
        context = MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE})
        assert compare_metadata(context, metadata) == []
    engine.dispose()


def test_a_repeated_batch_changes_nothing(hub):
    app, store, keys = hub
    client = app.test_client()
    batch = [event("a", 1, "day_opened", day="2026-12-01"), event("a", 2), event("a", 3)]
    first = send(client, "a", keys["a"], batch)
    assert first.status_code == 200 and first.json == {"last_seq": 3, "accepted": 3}
    before = store.site("a")
    again = send(client, "a", keys["a"], batch)
    assert again.status_code == 200 and again.json == {"last_seq": 3, "accepted": 0}
    assert log_of(store, "a") == [(1, "day_opened"), (2, "ticket_called"), (3, "ticket_called")]
    assert store.site("a")["last_seq"] == before["last_seq"] == 3
    # Overlapping: 2..5 stores only 4 and 5.
    overlap = send(client, "a", keys["a"], [event("a", n) for n in range(2, 6)])
    assert overlap.json == {"last_seq": 5, "accepted": 2}
    assert [seq for seq, _ in log_of(store, "a")] == [1, 2, 3, 4, 5]


def test_an_out_of_order_batch_changes_nothing_and_a_gap_says_where_to_resume(hub):
    app, store, keys = hub
    client = app.test_client()
    assert send(client, "b", keys["b"], [event("b", 1), event("b", 2)]).json["last_seq"] == 2
    late = send(client, "b", keys["b"], [event("b", 6), event("b", 7)])
    assert late.status_code == 409
    assert late.json["error"]["code"] == "gap" and late.json["error"]["send_from"] == 3
    assert log_of(store, "b") == [(1, "ticket_called"), (2, "ticket_called")]
    assert store.site("b")["last_seq"] == 2
    # An older batch arriving after a newer one (a retry overtaken) changes nothing either.
    assert send(client, "b", keys["b"], [event("b", 3), event("b", 4)]).json["last_seq"] == 4
    stale = send(client, "b", keys["b"], [event("b", 2), event("b", 3)])
    assert stale.json == {"last_seq": 4, "accepted": 0}
    assert [seq for seq, _ in log_of(store, "b")] == [1, 2, 3, 4]


def test_a_forged_or_foreign_key_is_refused_and_changes_nothing(hub):
    app, store, keys = hub
    client = app.test_client()
    before = store.site("c")
    foreign = send(client, "c", keys["d"], [event("c", 1)])
    assert foreign.status_code == 403 and foreign.json["error"]["code"] == "wrong_site"
    forged = send(client, "c", "qmshub_" + "x" * 43, [event("c", 1)])
    assert forged.status_code == 401 and forged.json["error"]["code"] == "unknown_key"
    missing = client.post("/api/hub/sites/c/events", json={"events": [event("c", 1)]})
    assert missing.status_code == 401
    assert client.get("/api/hub/sites/c/ack",
                      headers={"Authorization": f"Bearer {keys['d']}"}).status_code == 403
    # d's key sending d's own path with c's events inside: refused as well.
    smuggled = send(client, "d", keys["d"], [event("c", 1)])
    assert smuggled.status_code == 400
    assert store.events_after("c", 0) == [] and store.events_after("d", 0) == []
    assert store.site("c") == before


@pytest.mark.parametrize("body, reason", [
    ({"events": [event("e", 1), event("e", 3)]}, "consecutive"),
    ({"events": [dict(event("e", 1), seq="1")]}, "seq"),
    ({"events": [dict(event("e", 1), at="now")]}, "at"),
    ({"events": [event("e", 0)]}, "seq"),
    ({"events": [event("e", 1)], "extra": 1}, "extra"),
    ({"events": "nope"}, "events"),
])
def test_a_malformed_batch_is_refused_with_the_reason(hub, body, reason):
    app, store, keys = hub
    answer = app.test_client().post("/api/hub/sites/e/events", json=body,
                                    headers={"Authorization": f"Bearer {keys['e']}"})
    assert answer.status_code == 400 and answer.json["error"]["code"] == "bad_batch"
    assert reason in answer.json["error"]["message_en"]
    assert store.events_after("e", 0) == [] and store.site("e")["last_seq"] == 0


def test_ack_tells_the_acknowledged_seq_and_a_batch_records_the_sites_clock(hub):
    app, store, keys = hub
    client = app.test_client()
    headers = {"Authorization": f"Bearer {keys['a']}"}
    assert client.get("/api/hub/sites/a/ack", headers=headers).json["last_seq"] == \
        store.site("a")["last_seq"]
    ahead = time.time() + 125.0
    send(client, "a", keys["a"], [], sent_at=ahead)
    assert store.site("a")["clock_skew_s"] == pytest.approx(125.0, abs=5)


def test_an_agent_whose_batch_is_over_the_hubs_limit_sends_smaller_ones(hub_db, tmp_path):
    """A hub with a small body limit answers 413; the agent halves its batches until they
    pass and the hub gets the whole log, in order."""
    import requests

    from server.hub.agent import HubLink, SyncAgent
    from server.simulate import simulate_days, uniform_profile
    from server.site_file import DEMO_SITE, load_site
    from server.store import open_store
    from support.inprocess import FlaskTransport
    site = load_site(DEMO_SITE)
    events = simulate_days(site, uniform_profile(site, 30), days=1, keep_events=True)[0] \
        .kept_events[:300]
    home = open_store(f"sqlite:///{tmp_path}/site.sqlite3")
    home.append(site.id, events)
    app = create_hub_app(hub_db, {"ASYNC_MODE": "threading", "MAX_CONTENT_LENGTH": 20_000,
                                  "DASHBOARD_TICKER": False})
    store = app.extensions["qms.hub.store"]
    http = requests.Session()
    http.mount("http://hub.test", FlaskTransport(app))
    key = store.add_site(site.id, "Bến Nghé", "", time.time())
    agent = SyncAgent(home, site, HubLink("http://hub.test", site.id, key, session=http),
                      batch_size=500, max_backoff=0.2)
    try:
        whole = app.test_client().post(f"/api/hub/sites/{site.id}/events",
                                       json={"events": events},
                                       headers={"Authorization": f"Bearer {key}"})
        assert whole.status_code == 413
        deadline = time.monotonic() + 60
        assert agent.run(stop=lambda: time.monotonic() > deadline, until_caught_up=True) == 300
        assert agent.batch_size < 300
        assert [e["seq"] for e in store.events_after(site.id, 0)] == list(range(1, 301))
    finally:
        home.close()
        store.close()
