"""Several server processes for one site: one SQLite file, Redis as the Socket.IO message queue.

A display connected to one process must see a call made through another; the shared store
keeps their numbering one.
"""
import uuid

import redis

from support.server_process import Officer, ServerProcess, take_ticket
from test_realtime import Listener


def test_a_call_on_one_process_reaches_a_display_on_another(tmp_path):
    channel = "qms-test-" + uuid.uuid4().hex[:8]
    redis.Redis(host="127.0.0.1", port=6379).ping()  # the machine's local Redis must be up
    store = f"sqlite:///{tmp_path}/site.sqlite3"
    args = ["--message-queue", "redis://127.0.0.1:6379/0"]
    env = {"QMS_SOCKETIO_CHANNEL": channel}
    with ServerProcess(tmp_path / "a", store=store, extra_args=args, env=env) as a, \
            ServerProcess(tmp_path / "b", store=store, extra_args=args, env=env, demo=False) as b:
        display = Listener(a.url, {"role": "display"})
        try:
            first = take_ticket(a.url, "CCCD").json()["ticket"]
            second = take_ticket(b.url, "CCCD").json()["ticket"]
            assert int(second["number"][1:]) == int(first["number"][1:]) + 1
            officer = Officer(b.url)
            assert officer.post("/api/counters/2/open").status_code == 200
            called = officer.post("/api/counters/2/call-next").json()["ticket"]
            assert called["id"] == first["id"]
            shown = display.wait_for(lambda s: s["counters"][1]["serving"] is not None)
            assert shown["counters"][1]["serving"] == first["number"]
        finally:
            display.close()
