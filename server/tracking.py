"""The citizen's tracking page: /t/<ref>, opened from the QR code on the printed ticket (or on
the kiosk screen) with the citizen's own phone.

Shows the number, the service, the status, people ahead and the estimated wait, and the counter
once called. It is live: the page joins the Socket.IO room of its own ticket
(`join {role: "ticket", ticket: <ref>}`) and every change to the queue pushes the ticket's fresh
view, so the phone buzzes as the display calls. Polling /t/<ref>/status.json every
REFRESH_SECONDS is only the fallback while the connection is down. Vietnamese first, English
under it. The page carries nothing personal: a ticket is a number and a service.

`<ref>` is the ticket's public reference, the only identifier the page, its QR code, its
status and its room use; `ticket_by_ref` is the one place that turns it into a ticket.

/t/<ref>/qr.svg is the QR code of the page's own address, drawn for the kiosk's confirmation
screen (so a citizen whose ticket did not print can still follow their turn).

While the ticket waits, the page offers "Nhắc tôi khi sắp đến lượt · Remind me" with the
channels the site sends (server/appointments/notify.py): Web Push on this phone (the service
worker /t/sw.js, whose scope is every tracking page) and/or a text to a phone number; an
opt-in already made is said ("Sẽ nhắn tới 09xx xxx 321"). docs/appointments.md.
"""
import io

from flask import Blueprint, Response, current_app, jsonify, render_template, request

from .engine import Refused
from .views import ticket_view

bp = Blueprint("tracking", __name__)

REFRESH_SECONDS = 15


def ticket_by_ref(state, ref):
    """The ticket a public reference names, or None. The reference is the ticket's random
    token (carried in its ticket_issued event), never its sequential id: ids 1..N could be
    walked (95 tickets in 0.28 s, each showing its priority group; docs/security.md)."""
    if not isinstance(ref, str) or not 16 <= len(ref) <= 64:
        return None
    ticket_id = state.by_token.get(ref)
    return state.tickets.get(ticket_id) if ticket_id is not None else None


def public_ref(ticket):
    """The public reference of a ticket (what /t/<ref>, its QR and the tracking room use):
    its token; None for a ticket of an older release, which has no public link."""
    return ticket.token


def tracking_view(state, ticket, base_url="", at=None):
    """The ticket as the tracking page shows it: the public ticket view (read at `at`), the
    counter's name and the number a transfer gave it."""
    view = ticket_view(state, ticket, base_url, at=at)
    view["ref"] = public_ref(ticket)
    if view.get("counter"):
        counter = state.site.counter(view["counter"])
        view["counter_name"] = counter.name if counter else f"Quầy {view['counter']}"
    moved = state.tickets.get(ticket.transferred_to) if ticket.transferred_to else None
    view["transferred_ref"] = public_ref(moved) if moved else None
    view["transferred_number"] = moved.label if moved else None
    return view


def unknown_ticket():
    return Refused("unknown_ticket", "Không tìm thấy số thứ tự này trong ngày hôm nay.",
                   "No such ticket today.", 404)


def _runtime():
    return current_app.extensions["qms.runtime"]


def _lookup(ref):
    """The runtime, caught up with the store, and the ticket `ref` names (or None)."""
    rt = _runtime()
    rt.refresh()
    return rt, ticket_by_ref(rt.state, ref)


def _base_url():
    return current_app.config.get("PUBLIC_BASE_URL") or request.host_url.rstrip("/")


def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


def _poll_seconds():
    """Seconds between fallback polls: REFRESH_SECONDS, or ?poll=N (5..3600)."""
    poll = request.args.get("poll", type=int)
    return min(max(poll, 5), 3600) if poll else REFRESH_SECONDS


def _remind(ticket):
    """What the page's "Remind me" section needs: the channels offered, how near the turn
    the message goes, and what this ticket already asked for."""
    from .appointments.notify import offered
    offer = offered(current_app)
    if not (offer["phone"] or offer["push"]):
        return None
    watcher = current_app.extensions["qms.notify.watcher"]
    contact = watcher.contact(ticket)
    return dict(offer, ahead=watcher.ahead, phone_set=contact.masked_phone(),
                push_set=bool(contact.push))


@bp.get("/t/<ref>")
def track(ref):
    rt, found = _lookup(ref)
    view = tracking_view(rt.state, found, _base_url(), at=rt.now()) if found is not None else None
    html = render_template("tracking.html", ticket=view, ref=ref, site=rt.site,
                           refresh=_poll_seconds(), seq=rt.state.seq,
                           remind=_remind(found) if found is not None else None)
    return _no_store(Response(html, status=200 if view else 404, mimetype="text/html"))


@bp.get("/t/sw.js")
def service_worker():
    """The tracking pages' service worker (Web Push): served under /t/ so that its scope is
    every /t/<ref> without a Service-Worker-Allowed header; never cached, so a new release's
    worker replaces the old one at the next visit."""
    response = current_app.send_static_file("tracking/sw.js")
    response.headers["Cache-Control"] = "no-cache"
    response.mimetype = "text/javascript"
    return response


@bp.get("/t/<ref>/status.json")
def track_status(ref):
    """The fallback poll: the same view the room pushes."""
    rt, found = _lookup(ref)
    if found is None:
        raise unknown_ticket()
    view = tracking_view(rt.state, found, _base_url(), at=rt.now())
    return _no_store(jsonify(seq=rt.state.seq, ticket=view))


@bp.get("/t/<ref>/qr.svg")
def track_qr(ref):
    import qrcode
    import qrcode.image.svg
    _, found = _lookup(ref)
    if found is None:
        return _no_store(Response("", status=404))
    image = qrcode.make(f"{_base_url()}/t/{public_ref(found)}",
                        image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    out = io.BytesIO()
    image.save(out)
    return _no_store(Response(out.getvalue(), mimetype="image/svg+xml"))
