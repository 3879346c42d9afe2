"""The provincial dashboard's live side: every site's `SiteFigures`, and light, throttled pushes.

65 sites each committing a few events a second would be hundreds of pushes a second if every
batch went out at once; a wall of tiles needs far less. So the ingest hook
(`HubLive.subscribe`, server/hub/live.py) only notes "site X has events up to N", and a
ticker, once per `push_seconds` (1 s):

1. reads the new events of the sites whose batches this process stored (one query for all),
   and every `rows_seconds` (5 s) the hub's site rows (last_seq, last_seen_at, clock skew,
   name, district) and the events of every site behind (another process's batches), on the
   event loop: `qms hub` makes psycopg's waits green (server/hub/serve.py);
2. applies them with the site's own engine replay (server/hub/figures.py);
3. pushes one `tiles` message to the room `hub-dashboard` with the tiles of the sites whose
   batches this process stored since the last tick, and of the sites that went offline or
   came back. Ten batches of one site in a second make one tile.

Several hub processes (python-socketio's Redis manager): each process pushes the sites it
ingested, through the queue, to the dashboards of every process; every process still folds
every site's events on its ticks, so a dashboard that (re)connects to any process gets a
current snapshot, and a killed process's dashboards reconnect to another and go on.
"""
import json
import logging
import threading
import time

from .. import clock
from ..engine import hours
from .figures import Gap, SiteFigures

# Sites read afresh (settings and the whole day replayed) in one beat: a hub starting with 65
# busy sites replays them over a few beats instead of holding its loop for seconds at once.
FRESH_PER_BEAT = 8
DASHBOARD_ROOM = "hub-dashboard"  # the room every signed-in hub socket joins (server/hub/app.py)
log = logging.getLogger("qms.hub.dashboard")


def events_after_each(store, after):
    """{site_id: events after its seq} for {site_id: seq}, in one query on the hub's log (one
    query per site would make a beat as long as 65 round trips under load)."""
    if not after:
        return {}
    import sqlalchemy as sa
    log = store.log
    # One range of the primary key (site_id, seq) per site: PostgreSQL reads each by the index.
    query = (sa.select(log.c.site_id, log.c.body)
             .where(sa.or_(*(sa.and_(log.c.site_id == site_id, log.c.seq > seq)
                             for site_id, seq in after.items())))
             .order_by(log.c.site_id, log.c.seq))
    out = {}
    with store._reading() as conn:
        for site_id, body in conn.execute(query):
            out.setdefault(site_id, []).append(json.loads(body))
    return out


def _site_of(settings, site_id):
    """The engine's Site from the settings a site's agent sent; None (learn from the events)
    if they do not make one."""
    from ..engine.site import SiteFileError, site_from_dict
    try:
        return site_from_dict(settings)
    except (SiteFileError, TypeError, ValueError):
        log.warning("site %s: its settings do not make a site; learning from its events", site_id)
        return None


class Board:
    def __init__(self, store, emit, push_seconds=1.0, offline_after=90.0, rows_seconds=5.0,
                 now=clock.now):
        """`store`: the HubStore (sites(), load_current_day, events_after); `emit(event, data,
        room)`: Socket.IO's emit (through the message queue); `now`: the hub's clock.
        `offline_after`: a site's agent asks the hub at least every 30 s even with nothing to
        send, so three missed asks mean its link (or the site) is down."""
        self.store, self.emit, self.now = store, emit, now
        self.push_seconds, self.offline_after = push_seconds, offline_after
        # How often a beat reads every site's row (last seen, clock skew, other processes'
        # batches); in between a beat reads only the events of the sites this process stored.
        self.rows_seconds, self._rows_read = rows_seconds, 0.0
        self.figures = {}  # site_id -> SiteFigures
        self.rows = {}  # site_id -> the hub's row of the site
        self.offline = {}  # site_id -> whether the last push said offline
        self._told = {}  # site_id -> newest seq this process stored (the ingest hook)
        self._loaded = set()  # sites read afresh since the last beat
        self._lock = threading.Lock()  # the hook, the ticker and snapshots share the dicts

    # -- the ingest hook -------------------------------------------------------------------
    def site_changed(self, site_id, last_seq):
        """`HubLive.subscribe` callback: runs right after a batch commits, on the event loop;
        nothing but a note here, the ticker does the work."""
        with self._lock:
            self._told[site_id] = max(last_seq, self._told.get(site_id, 0))

    # -- catching up with the store ---------------------------------------------------------
    def fetch(self, only=None, fresh_limit=FRESH_PER_BEAT, told=None):
        """Read what the store has beyond this process's fold (reads only, no lock held while
        the queries wait). With `told` ({site: seq} from the ingest hook), the beat's light
        read: only those sites' new events, one query, the site rows as last read. Without,
        the full read: the site rows (last_seq, last_seen_at, clock skew ...) too, and every
        site behind. Each site read afresh costs two more queries (its settings, its day)."""
        if told is None:
            rows = [r for r in self.store.sites() if only is None or r["site_id"] in only]
        else:
            now = self.now()  # a batch just stored: the site was seen now
            rows = [dict(self.rows[s], last_seq=max(seq, self.rows[s]["last_seq"]),
                         last_seen_at=now) for s, seq in told.items() if s in self.rows]
        fresh, behind = [], {}
        for row in rows:
            figures = self.figures.get(row["site_id"])
            seq = figures.state.seq if figures is not None else 0
            if seq == 0 and row["last_seq"] and (fresh_limit is None or len(fresh) < fresh_limit):
                fresh.append(row["site_id"])
            elif seq and row["last_seq"] > seq:
                behind[row["site_id"]] = seq
        news = events_after_each(self.store, behind)
        loaded = {site_id: (self.store.site_settings(site_id),
                            self.store.load_current_day(site_id)) for site_id in fresh}
        return [(row, *loaded.get(row["site_id"], (None, news.get(row["site_id"], []))))
                for row in rows]

    def merge(self, fetched):
        with self._lock:
            for row, settings, events in fetched:
                site_id = row["site_id"]
                self.rows[site_id] = row
                figures = self.figures.get(site_id)
                if settings is not None and (figures is None or figures.state.seq == 0):
                    figures = self.figures[site_id] = SiteFigures(
                        site_id, site=_site_of(settings, site_id))
                figures = self._figures(site_id)
                figures.name, figures.district = row["name"] or site_id, row["district"] or ""
                was = figures.state.seq
                try:  # what was applied meanwhile is skipped by seq
                    figures.apply(events)
                    if was == 0 and figures.state.seq:
                        self._loaded.add(site_id)  # pushed on the beat: dashboards had a blank
                except Gap:
                    log.warning("site %s: events do not follow on; reading its day again", site_id)
                    del self.figures[site_id]

    def catch_up(self, only=None, fresh_limit=FRESH_PER_BEAT):
        self.merge(self.fetch(only, fresh_limit))

    def _figures(self, site_id):
        figures = self.figures.get(site_id)
        if figures is None:
            figures = self.figures[site_id] = SiteFigures(site_id)
        return figures

    # -- reading ---------------------------------------------------------------------------
    def tile(self, site_id, hub_now):
        row = self.rows.get(site_id, {})
        skew = row.get("clock_skew_s")
        site_now = hub_now + (skew or 0.0)  # the site's clock: its events' times are on it
        figures = self._figures(site_id)
        tile = figures.tile(hours.business_day(figures.state.site, site_now), site_now)
        last_seen = row.get("last_seen_at")
        tile.update({
            "clock_skew_s": None if skew is None else round(skew, 1),
            "last_seen_at": last_seen,
            "offline": last_seen is None or hub_now - last_seen > self.offline_after,
            # On the hub's clock, so the page ticks every site's wait the same way.
            "oldest_waiting_at": None if tile["oldest_waiting_at"] is None
            else tile["oldest_waiting_at"] - (skew or 0.0),
        })
        return tile

    def snapshot(self):
        """Every tile, for a dashboard that (re)connects; caught up with the store first
        (every site: a dashboard must not start on blank tiles)."""
        self.catch_up(fresh_limit=None)
        hub_now = self.now()
        with self._lock:
            tiles = [self.tile(site_id, hub_now) for site_id in self._order()]
        return {"now": hub_now, "tiles": tiles}

    def _order(self):
        return sorted(self.rows, key=lambda s: (self.rows[s]["district"], s))

    def queue(self, site_id):
        """One site's queue (None for a site the hub does not know), caught up first: its
        batch may have come in through another process."""
        self.catch_up({site_id})
        hub_now = self.now()
        with self._lock:
            if site_id not in self.rows:
                return None
            skew = self.rows[site_id].get("clock_skew_s") or 0.0
            view = self.figures[site_id].queue(hub_now + skew)
            view["tile"] = self.tile(site_id, hub_now)
        view["now"] = hub_now
        return view

    # -- pushing ---------------------------------------------------------------------------
    def tick(self):
        """One beat: catch up, then push the tiles of the sites this process stored batches
        of, and of those that went offline or came back. Returns the tiles pushed."""
        started = time.monotonic()
        if not self.rows or started - self._rows_read >= self.rows_seconds:
            self.catch_up()  # the full read: rows (last seen, skew), every site behind
            self._rows_read = started
        else:
            with self._lock:
                told = dict(self._told)
            if told:
                self.merge(self.fetch(told=told))
        hub_now = self.now()
        with self._lock:
            told, self._told = self._told, {}
            changed, self._loaded = self._loaded, set()
            for site_id, seq in told.items():
                if site_id in self.figures and self.figures[site_id].state.seq < seq:
                    self._told[site_id] = seq  # not readable yet: wait for the next beat
                else:
                    changed.add(site_id)
            tiles = []
            for site_id in self._order():
                tile = self.tile(site_id, hub_now)
                if site_id in changed or self.offline.get(site_id) != tile["offline"]:
                    tiles.append(tile)
                self.offline[site_id] = tile["offline"]
        if tiles:
            self.emit("tiles", {"now": hub_now, "tiles": tiles}, DASHBOARD_ROOM)
        return tiles

    def run(self, sleep, stopped=lambda: False):
        """The ticker (a Socket.IO background task)."""
        while not stopped():
            started = time.monotonic()
            try:
                self.tick()
            except Exception:  # a store hiccup must not stop every dashboard's updates
                log.exception("hub dashboard tick failed")
            took = time.monotonic() - started
            if took > 3 * self.push_seconds:
                log.warning("hub dashboard beat took %.1f s", took)
            sleep(max(0.05, self.push_seconds - took))
