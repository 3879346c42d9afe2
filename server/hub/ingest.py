"""The hub's HTTP doors for sites: ask what the hub holds, send a batch.

    GET  /api/hub/sites/<site_id>/ack       -> {"site_id", "last_seq", "hub_time"}
    POST /api/hub/sites/<site_id>/events    {"sent_at", "campaign"?, "site"?, "events": [...]}
         200 {"last_seq", "accepted"} | 409 {"error": {"code": "gap", "send_from": N}}

Each request carries the site's key (`Authorization: Bearer <key>`): no key or an unknown one
is 401, a key of another site is 403 — and nothing is written. Store calls
run on the event loop: `qms hub` makes psycopg wait with select(), which eventlet makes green
(server/hub/serve.py), so a batch waiting for its commit lets the other sites' batches in.
"""
import os
import time

from flask import Blueprint, current_app, jsonify, request

from ..store import StoreUnavailable
from .batch import BadBatch, parse_batch
from .store import Gap, UnknownSite, WrongKey

bp = Blueprint("hub_ingest", __name__)


def _error(status, code, vi, en, **more):
    return jsonify(error={"code": code, "message": vi, "message_en": en, **more}), status


def _store():
    return current_app.extensions["qms.hub.store"]


def _key():
    header = request.headers.get("Authorization", "")
    return header[7:].strip() if header[:7].lower() == "bearer " else ""


def _refuse_key(site_id, key):
    """401 for no key or an unknown one, 403 for another site's key."""
    owner = _store().site_for_key(key) if key else None
    if owner is None or owner == site_id:  # (the site's own: it was rotated meanwhile)
        return _error(401, "unknown_key", "Khóa của điểm cấp không đúng.",
                      "Missing or unknown site key (Authorization: Bearer <key>).")
    return _error(403, "wrong_site", "Khóa này thuộc điểm cấp khác.",
                  f"This key belongs to another site, not {site_id!r}.")


def _authorised(site_id):
    """None if the request's key is site_id's, else the refusal to answer."""
    key = _key()
    return None if key and _store().site_for_key(key) == site_id else _refuse_key(site_id, key)


@bp.after_request
def _which_process(response):
    # Which hub process answered: operators and the scale-out test see the spread.
    response.headers["X-Hub-Process"] = str(os.getpid())
    return response


@bp.get("/healthz")
def healthz():
    return jsonify(ok=True, hub=True, process=os.getpid())


@bp.get("/api/hub/sites/<site_id>/ack")
def acknowledged(site_id):
    refused = _authorised(site_id)
    if refused:
        return refused
    try:
        last = _store().acknowledged(site_id, time.time())
    except UnknownSite:
        return _error(404, "unknown_site", "Không có điểm cấp này.", f"No site {site_id!r}.")
    return jsonify(site_id=site_id, last_seq=last, hub_time=time.time())


@bp.post("/api/hub/sites/<site_id>/events")
def receive(site_id):
    # The key is checked on the site's row inside the batch's transaction (HubStore.ingest):
    # a batch is one transaction, no separate look-up. A body is read before (bounded by
    # MAX_CONTENT_LENGTH), but nothing is written for a wrong key.
    key = _key()
    if not key:
        return _refuse_key(site_id, key)
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return _error(400, "bad_batch", "Lô dữ liệu không hợp lệ.", "The body must be a JSON object.")
    try:
        events, sent_at, campaign, settings = parse_batch(site_id, data)
    except BadBatch as exc:
        return _error(400, "bad_batch", exc.message_vi, exc.message_en)
    now = time.time()
    try:
        last, accepted = _store().ingest(site_id, events, now, site_clock=sent_at,
                                         campaign=campaign, settings=settings, key=key)
    except WrongKey:
        return _refuse_key(site_id, key)
    except Gap as gap:
        return _error(409, "gap", f"Thiếu sự kiện: gửi lại từ số {gap.send_from}.",
                      f"Events missing: send from seq {gap.send_from}.", send_from=gap.send_from)
    except UnknownSite:
        return _error(404, "unknown_site", "Không có điểm cấp này.", f"No site {site_id!r}.")
    except StoreUnavailable as exc:
        current_app.logger.error("hub store unavailable: %s", exc)
        return _error(503, "store_unavailable", "Máy chủ tỉnh tạm thời không ghi được.",
                      "The hub cannot store events right now; send again later.")
    if accepted:
        current_app.extensions["qms.hub.live"].site_changed(site_id, last)
    return jsonify(last_seq=last, accepted=accepted)
