"""Several server processes for one site: one SQLite file, Redis as the Socket.IO message queue.

A display connected to one process must see a call made through another, also when it shows
only some counters; a kiosk page sees its printer's health whichever process its agent talks
to; the shared store keeps their numbering one. Sites sharing one Redis get a channel each.
"""
import os
import uuid
from types import SimpleNamespace

import pytest
import redis
import socketio

from support.server_process import ROOT, Officer, ServerProcess, issue_device_token, take_ticket
from support.waiting import wait_until
from support.network_listener import WAIT, Listener

# The whole file takes long (real processes): handed out first (tests/conftest.py).
pytestmark = pytest.mark.slow

REDIS = "redis://127.0.0.1:6379/0"
MQ = ["--message-queue", REDIS]


def site_file(folder, site_id):
    """The demo site under another id: test runs sharing the machine's Redis never meet."""
    with open(os.path.join(ROOT, "server", "sites", "demo.toml"), encoding="utf-8") as fh:
        text = fh.read()
    assert 'id = "demo-ben-nghe"' in text
    path = folder / f"{site_id}.toml"
    path.write_text(text.replace('id = "demo-ben-nghe"', f'id = "{site_id}"'), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    """Processes A and B of one site, on one SQLite file and Redis, default channel."""
    redis.Redis(host="127.0.0.1", port=6379).ping()  # the machine's local Redis must be up
    folder = tmp_path_factory.mktemp("pair")
    site_id = "mq-" + uuid.uuid4().hex[:8]
    site = site_file(folder, site_id)
    store = f"sqlite:///{folder}/site.sqlite3"
    with ServerProcess(folder / "a", store=store, site=site, extra_args=MQ) as a, \
            ServerProcess(folder / "b", store=store, site=site, extra_args=MQ, demo=True) as b:
        yield SimpleNamespace(a=a, b=b, site_id=site_id)


def test_a_call_on_one_process_reaches_a_display_on_another(pair):
    display = Listener(pair.a.url, {"role": "display"})
    try:
        first = take_ticket(pair.a.url, "CCCD").json()["ticket"]
        second = take_ticket(pair.b.url, "CCCD").json()["ticket"]
        assert int(second["number"][1:]) == int(first["number"][1:]) + 1
        officer = Officer(pair.b.url)
        assert officer.post("/api/counters/2/open").status_code == 200
        called = officer.post("/api/counters/2/call-next").json()["ticket"]
        assert called["id"] == first["id"]
        shown = display.wait_for(lambda s: s["counters"][1]["serving"] is not None)
        assert shown["counters"][1]["serving"] == first["number"]
    finally:
        display.close()


def test_a_display_filtered_to_a_counter_gets_the_call_made_on_another_process(pair):
    display = Listener(pair.b.url, {"role": "display", "counters": [3]})
    try:
        assert display.join_answer["ok"]
        take_ticket(pair.a.url, "CCCD")
        officer = Officer(pair.a.url)
        assert officer.post("/api/counters/3/open").status_code == 200
        called = officer.post("/api/counters/3/call-next").json()["ticket"]
        shown = display.wait_for(lambda s: s["counters"][0]["serving"] == called["number"])
        assert [c["number"] for c in shown["counters"]] == [3]
    finally:
        display.close()


def test_a_kiosk_page_sees_its_printer_reported_through_another_process(pair):
    kiosk = Listener(pair.b.url, {"role": "kiosk", "kiosk": "K1"})
    agent = socketio.Client(reconnection=False)
    try:
        agent.connect(pair.a.url, auth={"device_token": issue_device_token(pair.a.url, "K1")},
                      transports=["websocket"], wait_timeout=WAIT)
        answer = agent.call("printer_status", {"status": "paper_low", "message": "còn ít giấy"},
                            timeout=WAIT)
        assert answer == {"ok": True}
        shown = kiosk.wait_for(lambda s: (s.get("printer") or {}).get("status") == "paper_low")
        assert shown["kiosk"] == "K1"
    finally:
        agent.disconnect()
        kiosk.close()


def test_two_sites_on_one_redis_never_share_a_channel(pair, tmp_path):
    """Site one is the pair's (its process A); site two another on the same Redis."""
    server = redis.Redis(host="127.0.0.1", port=6379)
    ids = [pair.site_id, "two-" + uuid.uuid4().hex[:8]]
    one = pair.a
    with ServerProcess(tmp_path / "two", site=site_file(tmp_path, ids[1]), extra_args=MQ) as two:
        display = Listener(two.url, {"role": "display"})
        watcher = Listener(one.url, {"role": "display"})
        try:
            # A process subscribes to its channel when its first client connects.
            wanted = {f"qms-socketio-{ids[0]}", f"qms-socketio-{ids[1]}"}
            wait_until(lambda: wanted <= {c.decode() for c in server.pubsub_channels("qms-socketio*")},
                       message="each site's own channel")
            take_ticket(one.url, "CCCD")
            officer = Officer(one.url)
            assert officer.post("/api/counters/1/open").status_code == 200
            assert officer.post("/api/counters/1/call-next").status_code == 200
            # Then a change at site two: its push comes after anything site one sent.
            take_ticket(two.url, "VNEID")
            seen = []
            display.wait_for(lambda s: seen.append(s) or s["services"][1]["waiting"] == 1)
            assert {s["site"]["id"] for s in seen} == {ids[1]}
            assert all(c["serving"] is None for s in seen for c in s["counters"])
        finally:
            display.close()
            watcher.close()
