"""The HTTP API (documented in docs/api.md, described at /api/openapi.json).

Public: health, services, the public state, taking a ticket, a ticket's status. Officers:
sign-in, and every action of the officer action table. All answers are JSON; a refusal is
{"error": {"code", "message", "message_en"}} with a 4xx status and changes nothing.
"""
from flask import Blueprint, current_app, g, jsonify, request, session

from . import actions, audit, auth, clock, json_limits, kiosk_access, sign_in_throttle, tracking
from .engine import Refused, require_counter, require_ticket
from .payload import Payload, bad_input
from .views import counter_view, public_view, ticket_view

bp = Blueprint("api", __name__)


def runtime():
    return current_app.extensions["qms.runtime"]


def base_url():
    return current_app.config.get("PUBLIC_BASE_URL") or request.host_url.rstrip("/")


def body():
    """The request's JSON object; anything else is refused before it reaches the engine."""
    if request.content_length and request.content_length > current_app.config["MAX_CONTENT_LENGTH"]:
        raise bad_input("Dữ liệu quá lớn.", "Request body too large.", "too_large", 413)
    if not request.get_data(cache=True):
        return Payload({})
    if not request.is_json:
        raise bad_input("Cần gửi dữ liệu JSON (Content-Type: application/json).",
                        "Send JSON with Content-Type: application/json.", "not_json", 415)
    data, deep = json_limits.too_deep(lambda _: request.get_json(silent=True), None)
    if deep:
        raise bad_input(f"JSON lồng quá sâu (tối đa {json_limits.MAX_DEPTH} tầng).",
                        f"JSON nested too deeply (at most {json_limits.MAX_DEPTH} levels).",
                        "too_deep")
    if data is None:
        raise bad_input("JSON không hợp lệ.", "Malformed JSON.", "bad_json")
    return Payload(data)


def _filter(name, convert):
    raw = request.args.get(name)
    if not raw:
        return None
    try:
        return {convert(part) for part in raw.split(",") if part}
    except ValueError:
        raise bad_input(f"Tham số «{name}» không hợp lệ.", f"Bad query parameter {name!r}.")


# -- public ----------------------------------------------------------------------------
@bp.get("/healthz")
def healthz():
    rt = runtime()
    rt.refresh()
    return jsonify(ok=True, site=rt.site.id, seq=rt.state.seq, day=rt.state.day,
                   day_open=rt.state.day_open)


@bp.get("/api/services")
def services():
    rt = runtime()
    rt.refresh()  # the waiting counts as the store has them, whoever wrote last
    site = rt.site
    return jsonify(
        services=public_view(rt.state, at=rt.now())["services"],
        priority_groups=[{"code": p.code, "name_vi": p.name_vi, "name_en": p.name_en}
                         for p in site.priority_groups],
    )


@bp.get("/api/state")
def state():
    rt = runtime()
    rt.refresh()
    return jsonify(public_view(rt.state, services=_filter("services", str),
                               counters=_filter("counters", int), at=rt.now()))


@bp.post("/api/tickets")
def take_ticket():
    rt = runtime()
    p = body()
    service = p.str("service", max_length=32)
    priority = p.str("priority", required=False, max_length=32)
    request_id = p.str("request_id", max_length=64)
    kiosk = p.str("kiosk", required=False, max_length=32)
    if not request_id.strip():
        raise bad_input("request_id không được để trống.", "request_id must not be blank.")
    public = False
    if rt.ticket_for_request(request_id) is None:
        # A retry of an acknowledged request is answered, never limited.
        public = kiosk_access.check_issuance(rt, service, priority, kiosk, rt.now())
    ticket, created = rt.take_ticket(service, priority, request_id, kiosk, public=public)
    return jsonify(ticket=ticket_view(rt.state, ticket, base_url(), at=rt.now())), \
        201 if created else 200


@bp.get("/api/tickets/<token>")
def ticket(token):
    """A ticket's status by its public token (the tracking page, the QR)."""
    rt = runtime()
    rt.refresh()
    found = tracking.ticket_by_ref(rt.state, token)
    if found is None:
        raise Refused("unknown_ticket", "Không tìm thấy số thứ tự này trong ngày hôm nay.",
                      "No such ticket today.", 404)
    return jsonify(ticket=ticket_view(rt.state, found, base_url(), at=rt.now()))


@bp.get("/api/tickets/<int:ticket_id>")
@auth.officer_required()
def ticket_by_id(ticket_id):
    """Officers may still name a ticket by its id."""
    rt = runtime()
    rt.refresh()
    found = require_ticket(rt.state, ticket_id)
    return jsonify(ticket=ticket_view(rt.state, found, base_url(), at=rt.now()))


# -- officers --------------------------------------------------------------------------
@bp.post("/api/login")
def login():
    p = body()
    rt = runtime()
    officer = auth.check_login(rt.store, p.str("username", max_length=64),
                               p.str("password", max_length=200), site_id=rt.site.id,
                               address=request.remote_addr)
    auth.sign_in(officer, rt.store, rt.site.id)
    return jsonify(officer=_me(), csrf_token=session["csrf"])


@bp.post("/api/logout")
def logout():
    rt = runtime()
    auth.sign_out(rt.store, rt.site.id)
    return jsonify(ok=True)


def _me():
    from .officer_nav import pages_for
    return {"username": session["officer"], "display_name": session["officer_name"],
            "role": session["role"], "pages": pages_for(session["role"])}


@bp.get("/api/me")
@auth.officer_required()
def me():
    return jsonify(officer=_me(), csrf_token=session["csrf"])


@bp.get("/api/counters")
@auth.officer_required()
def counters():
    """For the counter picker: every counter, its state and which officer holds it."""
    rt = runtime()
    rt.refresh()
    names = {}
    rows = []
    for cfg in rt.site.counters:
        live = rt.state.counters[cfg.number]
        holder = live.officer if live.state != "closed" else None
        if holder and holder not in names:
            found = rt.store.officer(rt.site.id, holder)
            names[holder] = found["display_name"] if found else holder
        current = rt.state.tickets.get(live.current) if live.current else None
        rows.append({"number": cfg.number, "name": cfg.name, "state": live.state,
                     "services": list(cfg.services), "officer": holder,
                     "officer_name": names.get(holder),
                     "serving": current.label if current else None})
    return jsonify(counters=rows)


@bp.get("/api/counters/<int:counter>/view")
@auth.officer_required()
def counter_page_view(counter):
    rt = runtime()
    require_counter(rt.state, counter)
    rt.refresh()
    return jsonify(counter_view(rt.state, counter, at=rt.now()))


def _act(name, **from_path):
    p = body()
    p.data.update(from_path)
    return jsonify(actions.perform(runtime(), name, p, g.officer, base_url()))


def _act_by_verb(routes, verb, **from_path):
    """A URL verb (call-next, no-show …) to its officer action, or 404 for an unknown verb."""
    if verb not in routes:
        raise Refused("not_found", "Không có thao tác này.", f"No action {verb!r} here.", 404)
    return _act(routes[verb], **from_path)


COUNTER_ROUTES = {"call-next": "call_next", "call": "call_ticket", "open": "open_counter",
                  "close": "close_counter", "pause": "pause_counter", "resume": "resume_counter"}
TICKET_ROUTES = {"recall": "recall", "start": "start", "no-show": "no_show",
                 "transfer": "transfer", "complete": "complete", "cancel": "cancel",
                 "reprint": "reprint"}


@bp.post("/api/counters/<int:counter>/<verb>")
@auth.officer_required()
def counter_action(counter, verb):
    return _act_by_verb(COUNTER_ROUTES, verb, counter=counter)


# The verbs are spelt out in the rule: a bare <verb> would also take the citizen's
# /api/tickets/<token>/notify whenever a token happens to be all digits (the int converter
# outranks the token's string), and ask that citizen to sign in.
@bp.post("/api/tickets/<int:ticket_id>/<any(%s):verb>"
         % ", ".join(repr(verb) for verb in TICKET_ROUTES))
@auth.officer_required()
def ticket_action(ticket_id, verb):
    return _act_by_verb(TICKET_ROUTES, verb, ticket_id=ticket_id)


@bp.post("/api/day/open")
@auth.officer_required()
def open_day():
    return _act("open_day")


@bp.post("/api/day/close")
@auth.officer_required()
def close_day():
    return _act("close_day")


@bp.post("/api/devices")
@auth.officer_required(role="admin")
def add_device():
    p = body()
    kiosk = p.str("kiosk", max_length=32)
    rt = runtime()
    token = auth.issue_device_token(rt.store, rt.site.id, kiosk, clock.now())
    audit.record(rt.store, rt.site.id, "device_added", actor=g.officer, target=kiosk)
    return jsonify(kiosk=kiosk, token=token), 201


@bp.delete("/api/devices/<kiosk>")
@auth.officer_required(role="admin")
def remove_device(kiosk):
    rt = runtime()
    count = rt.store.remove_devices(rt.site.id, kiosk)
    audit.record(rt.store, rt.site.id, "device_removed", actor=g.officer, target=kiosk,
                 detail={"tokens": count})
    return jsonify(kiosk=kiosk, revoked=count)


@bp.post("/api/officers/<username>/unlock")
@auth.officer_required(role="admin")
def unlock_officer(username):
    """Lift a sign-in lockout (docs/security.md)."""
    rt = runtime()
    lifted = sign_in_throttle.unlock(rt.store, rt.site.id, username)
    audit.record(rt.store, rt.site.id, "officer_unlocked", actor=g.officer, target=username)
    return jsonify(username=username, was_locked=lifted)


@bp.post("/api/officers/<username>/sign-out")
@auth.officer_required(role="admin")
def sign_out_officer(username):
    """End every open session of an officer (a lost tablet, a person who left)."""
    rt = runtime()
    ended = auth.revoke_sessions(rt.store, rt.site.id, username=username)
    audit.record(rt.store, rt.site.id, "sessions_revoked", actor=g.officer, target=username,
                 detail={"sessions": len(ended)})
    return jsonify(username=username, sessions_ended=len(ended))


@bp.get("/api/audit")
@auth.officer_required(role="admin")
def audit_log():
    """The newest audit entries first; ?before=<id> pages back, ?limit= up to 500."""
    rt = runtime()
    limit = request.args.get("limit", "200")
    before = request.args.get("before")
    if not limit.isdigit() or not 1 <= int(limit) <= 500 or (before and not before.isdigit()):
        raise bad_input("Tham số limit/before không hợp lệ.", "Bad limit or before parameter.")
    entries = rt.store.audit_entries(rt.site.id, int(limit), int(before) if before else None)
    for entry in entries:
        entry["at_iso"] = clock.iso(rt.site, entry["at"])
        entry.pop("site_id", None)
    return jsonify(entries=entries)
