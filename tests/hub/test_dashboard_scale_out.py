"""The dashboard's `tiles` across two hub processes (one port, SO_REUSEPORT, the Redis
manager): a site's batches stored by either process reach dashboards on both, and after one
process is killed every dashboard (also one that was on the dead process, reconnected) keeps
getting the site's tiles with its real figures."""
import time
import uuid

import pytest
import redis
import requests
import socketio

from server.hub.store import HubStore
from server.hub.viewers import create_user
from support.databases import fresh_postgres
from support.hub_process import HubProcess
from support.server_process import free_port
from support.waiting import wait_until
from dashboard_sites import LiveSite

REDIS = "redis://127.0.0.1:6379/0"


class Board:
    """A signed-in dashboard client: the newest tile of each site, and its process."""

    def __init__(self, url):
        http = requests.Session()
        http.post(url + "/api/hub/login", json={"username": "tinh", "password": "matkhau-tinh"},
                  timeout=10).raise_for_status()
        self.tiles = {}
        self.client = socketio.Client(reconnection_delay=0.2, reconnection_delay_max=1)
        self.client.on("tiles", self.on_tiles)
        # As the page does: every (re)connect asks for a snapshot, so a dashboard that lost
        # its process misses nothing pushed while it was reconnecting.
        self.client.on("connect", self.on_connect)
        self.client.connect(url, transports=["websocket"], headers={
            "Cookie": "; ".join(f"{k}={v}" for k, v in http.cookies.items())})
        self.process = self.client.call("whoami", {}, timeout=10)["process"]

    def on_connect(self):
        self.client.emit("snapshot", {}, callback=self.on_snapshot)

    def on_snapshot(self, answer):
        if answer.get("ok"):
            self.on_tiles(answer)

    def on_tiles(self, message):
        for tile in message["tiles"]:
            self.tiles[tile["site_id"]] = tile

    def seq(self, site_id):
        return self.tiles.get(site_id, {}).get("seq", 0)


@pytest.fixture(scope="module")
def two_hubs(tmp_path_factory):
    redis.Redis(host="127.0.0.1", port=6379).ping()
    folder = tmp_path_factory.mktemp("hubs")
    with fresh_postgres("qms_hub_dash_scale") as url:
        store = HubStore(url)
        key = store.add_site("ben-nghe", "Phường Bến Nghé", "Quận 1", time.time())
        create_user(store, "tinh", "matkhau-tinh")
        port, channel = free_port(), "qms-hub-dash-" + uuid.uuid4().hex[:8]
        hubs = [HubProcess(folder / name, url, port=port, message_queue=REDIS, channel=channel,
                           reuse_port=True) for name in ("a", "b")]
        try:
            for hub in hubs:
                hub.start()
            site = LiveSite(folder, "ben-nghe", key, hubs[0].url)
            yield hubs, site
            site.close()
        finally:
            for hub in hubs:
                hub.stop()
            store.close()


def test_tiles_reach_every_dashboard_and_survive_a_killed_process(two_hubs):
    (a, b), site = two_hubs
    boards = []
    for _ in range(30):  # until the kernel has put a dashboard on each process
        boards.append(Board(a.url))
        if {x.process for x in boards} >= {a.pid, b.pid}:
            break
    assert {x.process for x in boards} >= {a.pid, b.pid}
    try:
        site.open_day()
        site.open_counter(1)
        answered = set()
        for _ in range(12):  # batches on new connections: the kernel spreads them
            site.issue(1)
            site.http.close()
            site.send()
            answered.add(int(site.last_answer.headers["X-Hub-Process"]))
        # Tiles built by whichever process stored the batch (both, unless the kernel sent all
        # twelve to one) reach the dashboards of both.
        seq = site.sent
        wait_until(lambda: all(x.seq("ben-nghe") >= seq for x in boards), timeout=20,
                   message="every dashboard to get the site's tile")
        assert all(x.tiles["ben-nghe"]["waiting"] == 12 for x in boards)
        a.kill9()
        site.call(1)
        site.http.close()
        wait_until(lambda: _sent(site), timeout=30, message="the living process to take the batch")
        seq = site.sent
        wait_until(lambda: all(x.seq("ben-nghe") >= seq for x in boards), timeout=30,
                   message="every dashboard, also the one on the dead process, to keep updating")
        for board in boards:
            tile = board.tiles["ben-nghe"]
            assert (tile["waiting"], tile["serving"]) == (11, 1)
    finally:
        for board in boards:
            board.client.disconnect()


def _sent(site):
    try:
        site.send()
        return True
    except requests.RequestException:
        return False
