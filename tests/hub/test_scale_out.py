"""Several hub processes behind one address (a port shared with SO_REUSEPORT), python-socketio's
Redis manager between them: ingest spreads over the processes, PostgreSQL keeps each site's
log in order, and when one process is killed every dashboard keeps updating (those on the dead
process reconnect to the living one) and nothing acknowledged is lost."""
import threading
import time
import uuid

import pytest
import redis
import requests

from support.server_process import free_port
from support.waiting import wait_until

from hubkit import Dashboard, HubProcess, add_site, hub_log, qms

pytestmark = pytest.mark.slow
REDIS = "redis://127.0.0.1:6379/0"


class Sender:
    """A site sending one event per batch on a new connection each time (so the kernel spreads
    them), retrying until the hub acknowledges; remembers which process answered."""

    def __init__(self, url, site_id, key):
        self.url, self.site_id, self.key = url, site_id, key
        self.acked, self.processes, self.failures = 0, [], 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self):
        while not self.stop.is_set():
            seq = self.acked + 1
            event = {"site_id": self.site_id, "seq": seq, "type": "ticket_called",
                     "at": time.time(), "ticket_id": seq, "counter": 1, "priority_streak": 0}
            try:
                answer = requests.post(
                    f"{self.url}/api/hub/sites/{self.site_id}/events",
                    json={"sent_at": time.time(), "events": [event]}, timeout=5,
                    headers={"Authorization": f"Bearer {self.key}", "Connection": "close"})
                assert answer.status_code == 200, answer.text
                self.acked = answer.json()["last_seq"]
                self.processes.append(int(answer.headers["X-Hub-Process"]))
            except requests.RequestException:
                self.failures += 1
                time.sleep(0.1)
            time.sleep(0.02)


@pytest.fixture(scope="module")
def hubs(hub_db, tmp_path_factory):
    redis.Redis(host="127.0.0.1", port=6379).ping()
    folder = tmp_path_factory.mktemp("hubs")
    port, channel = free_port(), "qms-hub-test-" + uuid.uuid4().hex[:8]
    qms("hub", "--store", hub_db, "add-user", "lanhdao", "--password", "matkhau-tinh",
        "--name", "Lãnh đạo")
    processes = [HubProcess(folder / name, hub_db, port=port, message_queue=REDIS,
                            channel=channel, reuse_port=True) for name in ("a", "b")]
    try:
        for hub in processes:
            hub.start()
        yield processes
    finally:
        for hub in processes:
            hub.stop()


def dashboards_on_each(url, pids, tries=30):
    """Dashboards connected until at least one sits on each hub process."""
    boards = []
    for _ in range(tries):
        boards.append(Dashboard(url, "lanhdao", "matkhau-tinh"))
        if {b.process for b in boards} >= set(pids):
            return boards
    raise AssertionError(f"the kernel never sent a dashboard to each of {pids}")


def test_a_dashboard_refuses_anyone_not_signed_in(hubs):
    import socketio
    client = socketio.Client(reconnection=False)
    with pytest.raises(socketio.exceptions.ConnectionError):
        client.connect(hubs[0].url, transports=["websocket"], wait_timeout=5)
    assert requests.get(hubs[0].url + "/api/hub/sites", timeout=5).status_code == 401
    bad = requests.post(hubs[0].url + "/api/hub/login",
                        json={"username": "lanhdao", "password": "sai"}, timeout=10)
    assert bad.status_code == 401


def test_killing_a_hub_process_keeps_dashboards_updating_and_loses_nothing(hubs, hub_db):
    a, b = hubs
    site_id = "scale-" + uuid.uuid4().hex[:8]
    sender = Sender(a.url, site_id, add_site(hub_db, site_id))
    boards = dashboards_on_each(a.url, [a.pid, b.pid])
    try:
        sender.thread.start()
        # Ingest spreads over both processes, and every dashboard hears every site change.
        wait_until(lambda: {a.pid, b.pid} <= set(sender.processes), timeout=30,
                   message="batches answered by both processes")
        mark = sender.acked
        wait_until(lambda: all(board.last_seq(site_id) >= mark for board in boards),
                   timeout=15, message="every dashboard to hear the site")
        acknowledged, _ = hub_log(hub_db, site_id)
        a.kill9()
        after_kill = sender.acked
        wait_until(lambda: sender.acked >= after_kill + 20, timeout=30,
                   message="ingest to go on on the living process")
        wait_until(lambda: all(board.last_seq(site_id) >= after_kill + 20 for board in boards),
                   timeout=30, message="every dashboard, also those on the dead process, to "
                                       "keep updating")
        assert any(board.process == a.pid for board in boards)
    finally:
        sender.stop.set()
        sender.thread.join(timeout=10)
        for board in boards:
            board.close()
    rows, last = hub_log(hub_db, site_id)
    assert rows[:len(acknowledged)] == acknowledged  # nothing acknowledged was lost
    assert [seq for seq, _, _ in rows] == list(range(1, last + 1)) and last == sender.acked
