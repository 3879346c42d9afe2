"""The provincial dashboard's live side: every site's `SiteLive`, and light, throttled pushes.

65 sites each committing a few events a second would be hundreds of pushes a second if every
batch went out at once; a wall of tiles needs far less. So an arriving batch only marks its
site dirty, and a ticker pushes, at most once per `push_seconds` (1 s), one `tiles` message
with the tiles of the sites that changed (coalesced: ten batches of one site in a second make
one tile). Sites that have not been heard from for `offline_after` seconds flip to "offline"
on the same ticker. A drill-down (room `hub-site:<id>`) gets that site's queue on the same
beat, only while someone watches it.

Several hub processes (behind one address, python-socketio's Redis queue): each process
folds the batches it ingests and emits through the queue, so a dashboard connected to any
process sees every site. A process's own fold may lag batches another process took; it
catches up from the store (PostgreSQL orders the events) before it answers a snapshot.
"""
import logging
import threading
import time

from .. import clock
from ..engine import hours
from .figures import Gap, SiteLive

DASHBOARD_ROOM = "hub-dashboard"
SITE_ROOM = "hub-site:"


class Board:
    def __init__(self, reader, emit, push_seconds=1.0, offline_after=120.0, sweep_seconds=10.0,
                 now=clock.now):
        """`reader`: the hub store as server/hub/reading.py shapes it; `emit(event, data,
        room)`: Socket.IO's emit (through the message queue); `now`: the hub's clock."""
        self.reader, self.emit, self.now = reader, emit, now
        self.push_seconds, self.offline_after = push_seconds, offline_after
        self.sweep_seconds = sweep_seconds
        self.lives = {}  # site_id -> SiteLive
        self.meta = {}  # site_id -> the hub's row: name, district, last_seen_at, clock skew
        self.offline = {}  # site_id -> whether the last push said offline
        self._dirty = set()
        self._stale = set()  # sites to read again from the store before their next push
        # Ingest threads and the ticker touch the same dicts: one short lock (nothing slow
        # is done under it: store reads happen before it is taken).
        self._lock = threading.Lock()

    # -- feeding ---------------------------------------------------------------------------
    def site_events(self, site_id, events, meta=None):
        """The ingest hook: a site's batch is committed. Applied now, pushed on the next tick."""
        with self._lock:
            if meta is not None:
                self.meta[site_id] = dict(self.meta.get(site_id, {}), **meta)
            live = self.lives.get(site_id)
            if live is None or site_id in self._stale:
                # Not read from the store yet: the ticker reads the site's day first (a batch
                # from the middle of a day cannot be placed on its own).
                self._stale.add(site_id)
            else:
                try:
                    live.apply(events)
                except Gap:
                    self.lives.pop(site_id, None)
                    self._stale.add(site_id)
            self._dirty.add(site_id)

    def seen(self, site_id, meta):
        """The site was heard from (a batch, perhaps empty): last_seen_at and clock skew."""
        with self._lock:
            self.meta[site_id] = dict(self.meta.get(site_id, {}), **meta)
            self._dirty.add(site_id)

    def _live(self, site_id):
        live = self.lives.get(site_id)
        if live is None:
            meta = self.meta.get(site_id, {})
            live = self.lives[site_id] = SiteLive(site_id, meta.get("name", ""),
                                                  meta.get("district", ""))
        return live

    def fetch(self, only=None):
        """Read what the store has beyond this process's fold: the hub's rows (name, district,
        last_seen_at, clock skew) and each site's missing events (another process ingested
        them, or this one just started). Only reads, no lock: run it in `blocking` (a real
        thread under eventlet), then hand the result to `merge`."""
        rows = [row for row in self.reader.sites() if only is None or row["site_id"] in only]
        fetched = []
        for row in rows:
            live = self.lives.get(row["site_id"])
            seq = live.state.seq if live is not None else 0
            events = self.reader.events_after(row["site_id"], seq) if seq \
                else self.reader.current_day(row["site_id"])
            fetched.append((row, events))
        return fetched

    def merge(self, fetched):
        """Apply what `fetch` read. Not pushed (whoever ingested it pushed it), except a site
        read for the first time."""
        with self._lock:
            for row, events in fetched:
                site_id = row["site_id"]
                self.meta[site_id] = dict(self.meta.get(site_id, {}), **row)
                live = self._live(site_id)
                live.name, live.district = row.get("name") or site_id, row.get("district") or ""
                try:  # what an ingest applied meanwhile is skipped by seq
                    live.apply(events)
                except Gap:
                    self.lives.pop(site_id, None)  # read afresh on the next tick
                    self._stale.add(site_id)
                    continue
                if site_id in self._stale:
                    self._stale.discard(site_id)
                    self._dirty.add(site_id)

    def catch_up(self, only=None, blocking=lambda fn: fn()):
        self.merge(blocking(lambda: self.fetch(only)))

    # -- reading ---------------------------------------------------------------------------
    def tile(self, site_id, hub_now):
        meta = self.meta.get(site_id, {})
        skew = meta.get("clock_skew_s") or 0.0
        live = self._live(site_id)
        site_now = hub_now + skew  # the site's clock: its events' times are on it
        tile = live.tile(hours.business_day(live.state.site, site_now), site_now)
        last_seen = meta.get("last_seen_at")
        tile.update({
            "clock_skew_s": None if meta.get("clock_skew_s") is None else round(skew, 1),
            "last_seen_at": last_seen,
            "offline": last_seen is None or hub_now - last_seen > self.offline_after,
            # Shown on the hub's clock, so one page can tick every site's waits the same way.
            "oldest_waiting_at": None if tile["oldest_waiting_at"] is None
            else tile["oldest_waiting_at"] - skew,
        })
        return tile

    def snapshot(self, blocking=lambda fn: fn()):
        """Every tile, for a dashboard that (re)connects; catches up with the store first."""
        self.catch_up(blocking=blocking)
        hub_now = self.now()
        with self._lock:
            tiles = [self.tile(site_id, hub_now) for site_id in sorted(self.meta)]
            for t in tiles:
                self.offline[t["site_id"]] = t["offline"]
        return {"now": hub_now, "tiles": tiles}

    def queue(self, site_id, blocking=lambda fn: fn()):
        """The drill-down view of one site (None for a site the hub does not know), caught
        up with the store first: the batch may have come in through another process. A
        dashboard asks for it when a `tiles` push names the site it shows."""
        self.catch_up([site_id], blocking=blocking)
        if site_id not in self.meta:
            return None
        hub_now = self.now()
        with self._lock:
            skew = self.meta[site_id].get("clock_skew_s") or 0.0
            view = self._live(site_id).queue(hub_now + skew)
            view["tile"] = self.tile(site_id, hub_now)
        view["now"] = hub_now
        return view

    # -- pushing ---------------------------------------------------------------------------
    def flush(self):
        """One tick: the tiles of the sites that changed or went on/offline, in one message,
        (a drill-down asks for its site's queue when its tile comes)."""
        hub_now = self.now()
        with self._lock:
            for site_id, meta in self.meta.items():
                last_seen = meta.get("last_seen_at")
                offline = last_seen is None or hub_now - last_seen > self.offline_after
                if self.offline.get(site_id) != offline:
                    self._dirty.add(site_id)
            # A site still to be read from the store waits for it (an empty tile would
            # flash first); it stays dirty.
            dirty = self._dirty - self._stale
            self._dirty -= dirty
            tiles = []
            for site_id in sorted(dirty):
                tile = self.tile(site_id, hub_now)
                self.offline[site_id] = tile["offline"]
                tiles.append(tile)
        if tiles:
            self.emit("tiles", {"now": hub_now, "tiles": tiles}, DASHBOARD_ROOM)
        return tiles

    def run(self, sleep, blocking=lambda fn: fn(), stopped=lambda: False):
        """The ticker (a Socket.IO background task): every `sweep_seconds` catch up with the
        store (in `blocking`: a real thread under eventlet), so last_seen_at written by the
        other hub processes counts too; then flush; then sleep the rest of the beat."""
        swept = 0.0
        while not stopped():
            started = time.monotonic()
            try:
                if started - swept >= self.sweep_seconds:
                    self.catch_up(blocking=blocking)
                    swept = started
                elif self._stale:
                    self.catch_up(set(self._stale), blocking=blocking)
                self.flush()
            except Exception:  # a bad batch or a store hiccup must not stop every dashboard
                logging.getLogger(__name__).exception("hub dashboard push failed")
            sleep(max(0.05, self.push_seconds - (time.monotonic() - started)))
