"""A real site (`qms serve`), its real agent (`qms sync`) and a real hub (`qms hub`) on
PostgreSQL: the site works through a hub outage and the hub ends up with exactly the site's
log, in order, nothing lost or doubled; a hub killed mid-stream loses nothing it
acknowledged; what reaches the hub carries no note, no reason typed by an officer, no CCCD."""
import json
import uuid
from types import SimpleNamespace

import pytest

from support.server_process import Officer, ServerProcess, free_port, take_ticket
from support.waiting import wait_until

from hubkit import HubProcess, SyncProcess, add_site, hub_log, site_file, site_log

CCCD = "079123456789"
PHONE = "0912 345 678"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def world(hub_db, tmp_path_factory):
    folder = tmp_path_factory.mktemp("sync")
    site_id = "sync-" + uuid.uuid4().hex[:8]
    key = add_site(hub_db, site_id)
    hub = HubProcess(folder / "hub", hub_db, port=free_port())  # not started: the hub is down
    path = site_file(folder, site_id, hub.url, key)
    instance = folder / "site"
    with ServerProcess(instance, site=path) as site, \
            SyncProcess(path, instance, folder / "sync.log") as agent:
        yield SimpleNamespace(hub=hub, site=site, agent=agent, site_id=site_id,
                              instance=instance, db=hub_db, officer=Officer(site.url))
    hub.stop()


def serve_some(world, tickets, note=""):
    """Citizens take tickets; counter 1 calls and completes them (notes as typed)."""
    taken = [take_ticket(world.site.url, "CCCD").json()["ticket"] for _ in range(tickets)]
    for _ in taken:
        called = world.officer.post("/api/counters/1/call-next").json()["ticket"]
        done = world.officer.post(f"/api/tickets/{called['id']}/complete",
                                  json={"outcome": "accepted", "note": note})
        assert done.status_code == 200, done.text
    return taken


def caught_up(world):
    site = site_log(world.instance, world.site_id)
    hub, acked = hub_log(world.db, world.site_id)
    return (site, hub) if acked == site[-1][0] else None


def assert_same_log(site, hub):
    assert [seq for seq, _, _ in hub] == list(range(1, len(site) + 1))  # no gap, no double
    assert [(seq, type_) for seq, type_, _ in hub] == [(seq, type_) for seq, type_, _ in site]


def test_a_site_offline_for_hours_keeps_serving_then_catches_up_in_order(world):
    assert world.officer.post("/api/counters/1/open").status_code == 200
    serve_some(world, 12, note="ok")
    # The agent tried the absent hub again and again (hours of it, in a real outage).
    wait_until(lambda: world.agent.log().count("hub unreachable") >= 1, timeout=20,
               message="the agent to notice the hub is down")
    ticket = take_ticket(world.site.url, "CCCD").json()["ticket"]
    assert world.officer.post(f"/api/tickets/{ticket['id']}/cancel",
                              json={"reason": "nhầm dịch vụ"}).status_code == 200
    assert caught_up(world) is None and hub_log(world.db, world.site_id)[0] == []
    world.hub.start()
    site, hub = wait_until(lambda: caught_up(world), timeout=60,
                           message="the hub to hold the site's whole log")
    assert_same_log(site, hub)
    assert "hub reachable again" in world.agent.log()


def test_a_hub_killed_mid_stream_loses_nothing_it_acknowledged(world):
    if world.hub.proc is None or world.hub.proc.poll() is not None:
        world.hub.start()
    serve_some(world, 5)
    acknowledged = wait_until(lambda: caught_up(world), timeout=60, message="catch-up")[1]
    world.hub.kill9()
    serve_some(world, 6)  # the site goes on while the hub is dead
    world.hub.start()
    serve_some(world, 4)
    site, hub = wait_until(lambda: caught_up(world), timeout=60, message="catch-up after kill")
    assert hub[:len(acknowledged)] == acknowledged
    assert_same_log(site, hub)


def test_what_reaches_the_hub_carries_no_note_reason_or_cccd(world):
    if world.hub.proc is None or world.hub.proc.poll() is not None:
        world.hub.start()
    typed = f"Công dân Nguyễn Văn A, CCCD {CCCD}, SĐT {PHONE}, hẹn lại thứ Hai"
    serve_some(world, 2, note=typed)
    ticket = take_ticket(world.site.url, "CCCD").json()["ticket"]
    world.officer.post(f"/api/tickets/{ticket['id']}/cancel", json={"reason": typed})
    site, hub = wait_until(lambda: caught_up(world), timeout=60, message="catch-up")
    # The site keeps what its officers typed (its own retention erases it later) ...
    assert sum(CCCD in body for _, _, body in site) == 3
    # ... the hub never sees it, nor the officer's name or a ticket's tracking token.
    bodies = [json.loads(body) for _, _, body in hub]
    for body in bodies:
        text = json.dumps(body, ensure_ascii=False)
        assert CCCD not in text and "345 678" not in text and "Nguyễn" not in text
        assert "token" not in body and body.get("officer") in (None, "")
    completed = [b for b in bodies if b["type"] == "ticket_completed"]
    assert completed and all(b["note"] == "" for b in completed)
    cancelled = [b for b in bodies if b["type"] == "ticket_cancelled"]
    assert cancelled and {b["reason"] for b in cancelled} == {"cancelled"}
    # The queue's figures are all there: what the reports count survives the scrub.
    assert all(b["outcome"] == "accepted" for b in completed)


def test_the_hub_replays_and_reports_a_site_with_the_sites_own_code(world):
    """The engine's replay and the reports' fold read the hub's copy unchanged: the same live
    queue and the same figures per service and day as at the site (officers aside)."""
    from server.engine import SiteState
    from server.engine.site import site_from_dict
    from server.hub.store import HubStore
    from server.reports.fold import fold
    from server.store import open_store
    if world.hub.proc is None or world.hub.proc.poll() is not None:
        world.hub.start()
    take_ticket(world.site.url, "CCCD")
    take_ticket(world.site.url, "CCCD")  # two left waiting
    wait_until(lambda: caught_up(world), timeout=60, message="catch-up")
    hub, home = HubStore(world.db), open_store(f"sqlite:///{world.instance}/qms.sqlite3")
    try:
        settings = hub.site_settings(world.site_id)
        assert settings is not None
        site = site_from_dict(settings)

        def replay(store):
            state = SiteState(site)
            for event in store.load_current_day(world.site_id):
                state.apply(event)
            return state

        there, here = replay(hub), replay(home)
        assert there.seq == here.seq and there.day == here.day
        assert sorted(t.label for t in there.waiting()) == sorted(t.label for t in here.waiting())
        assert len(there.waiting()) >= 2
        assert {n: c.state for n, c in there.counters.items()} == \
            {n: c.state for n, c in here.counters.items()}
        day = here.day
        ours = fold(site, home.events_for_days(world.site_id, day, day), day, day).as_dict()
        theirs = fold(site, hub.events_for_days(world.site_id, day, day), day, day).as_dict()
        for part in ("total", "services", "days", "hours", "counters"):
            assert theirs[part] == ours[part], part
    finally:
        hub.close()
        home.close()
