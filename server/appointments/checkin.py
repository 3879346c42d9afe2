"""Check-in at the kiosk: a booking code (typed or scanned from its QR) or a CCCD card's QR
becomes a ticket (engine command CheckIn: the booked series, called at the slot time).

    POST /api/checkin {"code": "0123-4567-8901" | "cccd_qr": "<the card's QR text>",
                       "request_id", "kiosk"?}
    -> 201 {"ticket": {... "booked": true, "slot_start": ...}} | 200 the same ticket again

Only a known kiosk (its device token, X-Kiosk-Token) checks in: a booking code is a bearer
secret, and a phone on the site's Wi-Fi has no business trying codes (it may take a walk-in
number where the site allows it). The CCCD number read from the card is hashed with the hub's
key (as the hub hashed it at booking) and never stored or logged.
"""
import hashlib
import hmac
import re

from flask import Blueprint, current_app, jsonify

from ..api import base_url, body
from ..engine import Refused
from ..hub import booking_code
from ..kiosk_access import presented_kiosk
from ..payload import bad_input
from ..views import ticket_view
from . import kept

bp = Blueprint("appointments_checkin", __name__)

CCCD_IN_QR = re.compile(r"^\s*(\d{12})(?:\||\s*$)")


def cccd_hash(key, number):
    """The keyed hash of a CCCD number, as server/hub/booking_store.keyed_hash makes it."""
    return hmac.new(key.encode(), f"cccd:{number}".encode(), hashlib.sha256).hexdigest()


def cccd_from_qr(text):
    """The 12-digit number a chip CCCD card's QR starts with ("079…|old ID|name|…"), or None."""
    found = CCCD_IN_QR.match(text or "")
    return found.group(1) if found else None


def find_booking(store, site_id, day, code=None, cccd_qr=None):
    if code is not None:
        canonical = booking_code.normalise(code)
        if canonical is None:
            raise Refused("bad_code", "Mã đặt lịch không đúng, vui lòng kiểm tra lại từng chữ số.",
                          "Not a valid booking code (check each digit).", 422)
        found = kept.by_code(store, site_id, canonical, day)
    else:
        number = cccd_from_qr(cccd_qr)
        if number is None:
            raise Refused("bad_cccd_qr", "Không đọc được số CCCD trên mã QR của thẻ.",
                          "No CCCD number in this QR.", 422)
        # Each booking was hashed with the hub's key of its day (the key rotates): the number
        # is hashed with every key the site holds, and matched against its own booking's.
        hashes = {key_id: cccd_hash(key, number)
                  for key_id, key in kept.keys(store, site_id).items()}
        found = kept.by_cccd_hashes(store, site_id, hashes, day) if hashes else None
    if found is None:
        raise Refused("no_booking", "Không tìm thấy lịch hẹn hôm nay tại điểm cấp này. Mời lấy "
                      "số thường.", "No booking today at this site; please take a walk-in "
                      "number.", 404)
    return found


@bp.post("/api/checkin")
def checkin():
    rt = current_app.extensions["qms.runtime"]
    p = body()
    known = presented_kiosk(rt.store, rt.site.id)
    if known is None:
        raise Refused("kiosk_only", "Chỉ kiosk của điểm cấp nhận lịch hẹn.",
                      "Only the site's kiosks check bookings in.", 403)
    request_id = p.str("request_id", max_length=64)
    code = p.str("code", required=False, max_length=40)
    cccd_qr = p.str("cccd_qr", required=False, max_length=400)
    if (code is None) == (cccd_qr is None):
        raise bad_input("Gửi mã đặt lịch hoặc mã QR của thẻ CCCD.",
                        "Give exactly one of code or cccd_qr.")
    kiosk = p.str("kiosk", required=False, max_length=32) or known
    if kiosk != known:
        raise Refused("kiosk_mismatch", "Mã thiết bị không thuộc kiosk này.",
                      f"This device token belongs to kiosk {known}, not {kiosk}.", 403)
    rt.refresh()
    existing = rt.ticket_for_request(request_id)
    if existing is None:
        booking = find_booking(rt.store, rt.site.id, rt.today(), code=code, cccd_qr=cccd_qr)
        ticket, created = rt.check_in(booking, request_id, kiosk)
    else:
        ticket, created = existing, False
    # A citizen who asked at booking to be texted is told so (masked), not offered it again.
    from .notify import offered
    watcher = current_app.extensions.get("qms.notify.watcher")
    texted = watcher.contact(ticket).masked_phone() \
        if watcher and offered(current_app)["phone"] else None
    return jsonify(ticket=ticket_view(rt.state, ticket, base_url(), at=rt.now()),
                   notify={"phone": texted}), 201 if created else 200


@bp.post("/api/tickets/<token>/notify")
def notify_me(token):
    """A citizen asks to be told when their turn nears: from the kiosk (after the number) or
    the tracking page; the ticket's public token is the key (only its holder can ask).
    {"phone": "09…"} for a text, {"push": <PushSubscription JSON>} for Web Push on that phone
    (server/appointments/push.py), or both; each kind given replaces that kind only."""
    from ..hub.booking_api import BAD_PHONE, phone_number
    from ..tracking import ticket_by_ref
    from .notify import offered
    from .push import check_subscription, extra_services
    rt = current_app.extensions["qms.runtime"]
    p = body()
    rt.refresh()
    ticket = ticket_by_ref(rt.state, token)
    if ticket is None or ticket.status != "waiting":
        raise Refused("unknown_ticket", "Không tìm thấy số đang chờ này.",
                      "No such waiting ticket today.", 404)
    if p.data.get("phone") is None and p.data.get("push") is None:
        raise bad_input("Gửi số điện thoại hoặc đăng ký nhận thông báo.",
                        "Give a phone number or a push subscription.", code="missing_field")
    phone = subscription = None
    if p.data.get("phone") is not None:
        phone = phone_number(p.str("phone", max_length=20))
        if phone is None:
            raise Refused("bad_phone", *BAD_PHONE, 422)
    if p.data.get("push") is not None:
        subscription = check_subscription(p.data["push"], extra_services(current_app.config))
    can = offered(current_app)
    if (phone and not can["phone"]) or (subscription and not can["push"]):
        raise Refused("notify_off", "Điểm cấp chưa bật nhắn tin." if phone else
                      "Điểm cấp chưa bật thông báo trên điện thoại.",
                      "This site sends no text messages." if phone else
                      "This site sends no push notifications.", 422)
    watcher = current_app.extensions["qms.notify.watcher"]
    contact = watcher.opt_in(ticket.id, phone, rt.now(), push=subscription)
    # `ahead`: the kiosk says "Sẽ nhắn tới 09xx xxx 321 khi còn 3 người".
    return jsonify(ok=True, notify={"phone": contact.masked_phone(), "push": bool(contact.push)},
                   ahead=watcher.ahead)


@bp.get("/api/push/key")
def push_key():
    """The site's VAPID public key, for the tracking page's PushManager.subscribe()."""
    vapid = current_app.extensions.get("qms.push")
    if vapid is None:
        raise Refused("notify_off", "Điểm cấp chưa bật thông báo trên điện thoại.",
                      "This site sends no push notifications.", 404)
    return jsonify(key=vapid.public())
