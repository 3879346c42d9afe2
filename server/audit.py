"""The audit log: who signed in (or failed to), what administrators changed, which devices came
and went. Kept in the store, per site, readable by administrators (GET /api/audit)."""
from flask import has_request_context, request

from . import clock


def record(store, site_id, action, actor=None, target=None, detail=None, address=None):
    if address is None and has_request_context():
        address = request.remote_addr
    store.audit(site_id, clock.now(), action, actor=actor, target=target, address=address,
                detail=detail)
