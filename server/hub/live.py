"""The hub's live hook: "site X now has events up to seq N".

After a batch with new events commits, the process that stored it
- calls every callback given to `HubLive.subscribe(fn)` as fn(site_id, last_seq) (in that
  process, on its event loop: the dashboard's server side builds what it pushes there), and
- emits Socket.IO `site_changed` {"site_id", "last_seq"} to the room `hub-dashboard`, which
  python-socketio's Redis manager carries to the dashboards of every hub process.

One process emits once, so a dashboard gets each change once however many processes run; a
process killed between its commit and its emit leaves the next batch to tell (the agent sends
a batch as soon as the site has a new event).
"""
import logging

DASHBOARD_ROOM = "hub-dashboard"
SITE_CHANGED = "site_changed"

log = logging.getLogger("qms.hub")


class HubLive:
    def __init__(self, socketio):
        self.socketio = socketio
        self.callbacks = []

    def subscribe(self, callback):
        self.callbacks.append(callback)
        return callback

    def site_changed(self, site_id, last_seq):
        for callback in list(self.callbacks):
            try:
                callback(site_id, last_seq)
            except Exception:  # one broken listener must not stop ingest answering
                log.exception("hub live callback failed for %s", site_id)
        self.socketio.emit(SITE_CHANGED, {"site_id": site_id, "last_seq": last_seq},
                           to=DASHBOARD_ROOM)
