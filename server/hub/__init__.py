"""The provincial hub (docs/hub.md): every site of a province on one screen, sites never
depending on it.

- Site side: `qms sync` (server/hub/agent.py) sends the site's events, scrubbed of anything
  personal (server/hub/scrub.py), in order, resuming from what the hub acknowledged.
- Hub side: `qms hub` (server/hub/app.py) takes batches (server/hub/ingest.py) into
  PostgreSQL (server/hub/store.py) and tells the dashboards (server/hub/live.py).

Read API for the dashboard and reports: `HubStore.sites()`, `HubStore.site(id)`, and the
site-store reads (`events_after`, `load_current_day`, `events_for_days`, ...) on the hub's copy
of each site's log; `HubLive.subscribe(fn)` for "site X has events up to seq N".
"""
