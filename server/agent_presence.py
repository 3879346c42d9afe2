"""Which kiosks have a print agent that is alive, as pages are told.

A kiosk page that says "Vui lòng nhận phiếu" must be right that paper will come out, so a
kiosk's agent counts as online only while it talks: it connects with its device token and then
sends `heartbeat` every few seconds (any report counts too). This process keeps, for each of
its agent connections, when it last heard from it; a watchdog marks the kiosk's agent offline
when the connection closes or stays silent longer than AGENT_TIMEOUT (a frozen kiosk PC, a
stopped process, a cable pulled without a clean close). Online and offline are engine events,
so every process, page and restart sees the same presence.

When an agent comes (back) online, the engine drops the jobs no longer worth printing (see
commands.AgentOnline) and this process sends the agent the rest.

After a restart the store may say an agent is online that no longer is: it gets one timeout to
show itself here before it is marked offline. With several processes, an agent connected to
another process is marked offline by that rule once, and its next heartbeat there marks it
online again.
"""
import logging
import time

from .engine.commands import AgentOffline, AgentOnline
from .views import pending_print_jobs

log = logging.getLogger("qms.agents")


class AgentPresence:
    def __init__(self, runtime, socketio, timeout=15.0, resend_seconds=300.0, base_url=""):
        self.runtime = runtime
        self.base_url = base_url
        self.socketio = socketio
        self.timeout = float(timeout)
        self.resend_seconds = float(resend_seconds)
        self.heard = {}  # sid -> (kiosk, monotonic time last heard)
        self.started = time.monotonic()
        self._watching = False
        # Agents the store says are online when this process starts: they get one timeout to
        # show themselves (after a restart of a one-process site they reconnect here).
        self._unconfirmed = {k for k, a in runtime.state.agents.items() if a.get("online")}
        if self._unconfirmed:
            self._watch()

    def connected(self, kiosk, sid):
        """An agent connected: it is online; returns the jobs to send it."""
        self.heard[sid] = (kiosk, time.monotonic())
        self._watch()
        return self._online(kiosk)

    def heard_from(self, kiosk, sid):
        """A heartbeat or report; returns jobs to send when the agent was taken for offline."""
        self.heard[sid] = (kiosk, time.monotonic())
        if not self.runtime.state.agent_online(kiosk):
            log.info("print agent of kiosk %s is talking again", kiosk)
            return self._online(kiosk)
        return []

    def disconnected(self, sid):
        kiosk, _ = self.heard.pop(sid, (None, None))
        if kiosk is not None and not self._alive(kiosk):
            self.runtime.execute(AgentOffline(kiosk, self.runtime.now()))

    def _online(self, kiosk):
        self.runtime.execute(AgentOnline(kiosk, self.runtime.now(), self.resend_seconds))
        return pending_print_jobs(self.runtime.state, kiosk, self.base_url)

    def _alive(self, kiosk, now=None):
        now = time.monotonic() if now is None else now
        return any(k == kiosk and now - at <= self.timeout for k, at in self.heard.values())

    def check(self):
        """Mark offline every kiosk whose agent has gone silent (one watchdog round).

        A process judges only the agents connected to it, and once, one timeout after it
        started, those the store said were online then and that have not come back here; an
        agent of another process is that process's to judge."""
        now = time.monotonic()
        mine = {k for k, _ in self.heard.values()}
        if self._unconfirmed and now - self.started > self.timeout:
            mine |= self._unconfirmed
            self._unconfirmed = set()
        for kiosk in sorted(mine):
            if self.runtime.state.agent_online(kiosk) and not self._alive(kiosk, now):
                log.warning("print agent of kiosk %s is silent: offline", kiosk)
                self.runtime.execute(AgentOffline(kiosk, self.runtime.now()))

    def _watch(self):
        if self._watching:
            return
        self._watching = True
        self.socketio.start_background_task(self._watch_loop)

    def _watch_loop(self):
        interval = max(0.2, min(1.0, self.timeout / 5))
        while True:
            self.socketio.sleep(interval)
            try:
                self.check()
            except Exception:  # the watchdog must outlive a store hiccup
                log.exception("agent watchdog round failed")
