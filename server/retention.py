"""Erasing what officers typed, once it is old enough (Decree 13/2023 on personal data).

A completion note or a cancel reason is free text and may name a citizen. After
`[privacy] note_retention_days` (site file, default 90) it is erased from the store: the
note becomes "", an officer's cancel reason becomes the plain code "cancelled" (so reports
still count the cancellation as an officer's). Runs whenever a server (or a `qms` command)
opens the store.
"""
from . import clock

SYSTEM_REASONS = ("cancelled", "day_closed", "day_void")


def _scrub(event):
    if event["type"] == "ticket_completed" and event.get("note"):
        return dict(event, note="")
    if event["type"] == "ticket_cancelled" and event.get("reason") not in SYSTEM_REASONS:
        return dict(event, reason="cancelled")
    return None


def erase_expired_notes(store, site, now=None):
    """Erase free text older than the site's retention; returns how many events changed."""
    now = clock.now() if now is None else now
    before = now - site.privacy.note_retention_days * 86400
    return store.rewrite_events(site.id, ("ticket_completed", "ticket_cancelled"), before, _scrub)
