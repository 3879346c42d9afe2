"""The rating tablet's page (`/rate?counter=3`) and its HTTP doors: pairing and revoking a
tablet (admin), and sending a rating (the tablet, by its device token)."""
from flask import Blueprint, current_app, g, jsonify, render_template, request

from .. import audit, auth
from ..engine import Refused
from ..engine.commands import RateTicket
from ..payload import Payload
from . import choices, tablet_counter, tablet_device

bp = Blueprint("ratings", __name__, template_folder="templates", static_folder="static",
               static_url_path="/rate/static")


def _runtime():
    return current_app.extensions["qms.runtime"]


def _counter_number(value):
    site = _runtime().site
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = None
    if number is None or site.counter(number) is None:
        raise Refused("unknown_counter", f"Không có quầy số {value}.", f"No counter {value}.", 404)
    return number


@bp.get("/rate")
def rate_page():
    runtime = _runtime()
    site = runtime.site
    number = request.args.get("counter", type=int)
    config = {"counter": number, "counters": [c.number for c in site.counters],
              "site_name": site.name, **choices(site)}
    response = current_app.make_response(render_template(
        "ratings/rate.html", site=site, config=config,
        counter=site.counter(number) if number else None))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/api/rating-tablets")
@auth.officer_required(role="admin")
def pair_tablet():
    """Pair a rating tablet with a counter: a device token for `rating-<counter>`, shown once."""
    number = _counter_number(Payload(request.get_json(silent=True)).int("counter", low=1, high=999))
    runtime = _runtime()
    token = auth.issue_device_token(runtime.store, runtime.site.id, tablet_device(number),
                                    runtime.now())
    audit.record(runtime.store, runtime.site.id, "device_added", actor=g.officer,
                 target=tablet_device(number))
    return jsonify(device=tablet_device(number), counter=number, token=token), 201


@bp.post("/api/rating-tablets/<int:counter>/revoke")
@auth.officer_required(role="admin")
def revoke_tablet(counter):
    number = _counter_number(counter)
    runtime = _runtime()
    revoked = runtime.store.remove_devices(runtime.site.id, tablet_device(number))
    audit.record(runtime.store, runtime.site.id, "device_removed", actor=g.officer,
                 target=tablet_device(number), detail={"tokens": revoked})
    return jsonify(revoked=revoked, counter=number)


@bp.post("/api/ratings")
def rate():
    """A rating from a paired tablet: {ticket_id, level, reason?}, X-Device-Token header."""
    runtime = _runtime()
    device = auth.kiosk_for_token(runtime.store, runtime.site.id,
                                  request.headers.get("X-Device-Token", ""))
    counter = tablet_counter(device)
    if counter is None:
        raise Refused("not_a_tablet", "Máy tính bảng chưa được ghép nối với quầy.",
                      "This device is not a paired rating tablet.", 401)
    p = Payload(request.get_json(silent=True))
    events = runtime.execute(RateTicket(
        p.int("ticket_id", low=1, high=2**31 - 1), counter, p.str("level", max_length=32),
        runtime.now(), p.str("reason", required=False, max_length=32) or ""))
    return jsonify(ok=True, ticket_id=events[-1]["ticket_id"], level=events[-1]["level"]), 201
