"""The hub's booking doors (issue 13; docs/appointments.md).

Public (a citizen's phone on the internet; no sign-in):
    GET  /book                                  the booking page (Vietnamese, for phones)
    GET  /api/book/sites                        sites taking bookings, with their services
    GET  /api/book/sites/<site>/slots?service=S&day=D   days offered and that day's slots
    POST /api/book  {site_id, service, slot_start, phone, cccd?, notify?}  -> booking + code
    GET  /api/book/<code>                       the booking (status, site, service, slot)
    GET  /api/book/<code>/qr.svg                the code as a QR (the kiosk's scanner reads it)
    POST /api/book/<code>/cancel
    POST /api/book/<code>/move  {slot_start}
Every public write and every look-up by code counts against the client address's budget (an
IPv6 client by its /64, a shared IPv4 address with a larger one), look-ups, cancels and moves
also against the code's, new bookings against the phone number's, and codes not found against
the address's budget of misses (server/hub/booking_budget.py): codes cannot be tried in bulk
and one address or phone cannot hoard slots, while citizens behind one carrier NAT can book.

Store calls run on the event loop, as ingest's: `qms hub` makes psycopg wait with select(),
which eventlet makes green (server/hub/serve.py), so a query waiting lets other requests in.

For sites (the site key, as ingest):
    GET  /api/hub/sites/<site>/bookings?after=REV  -> {"bookings": [... each with key_id],
         "last_rev", "hmac_keys": {key id: key} (the keys its bookings in use need, and the
         newest), "hmac_key" (the newest: what a site of the release before reads)}
"""
import io
import logging
import re
import time

from flask import Blueprint, Response, current_app, jsonify, render_template, request
from ..engine.site import SiteFileError, site_from_dict
from . import booking_code, booking_slots
from .booking_budget import BookingBudget
from .booking_store import (ACTIVE, CANCELLED, CHECKED_IN, CHECKED_IN_LATE, MISSED, NO_SHOW,
                            BookingRefused, BookingStore, for_site, keyed_hash)
from .ingest import _authorised

log = logging.getLogger("qms.hub.bookings")

bp = Blueprint("hub_booking", __name__, template_folder="templates")

# [0-9], not \d: Python's \d also takes other scripts' digits ("０９…"), which no SMS provider does.
PHONE = re.compile(r"^0[35789][0-9]{8}$")
# The rule said in full (the hub's page, the site's opt-in, as the kiosk's keypad says it):
# "starts with 0" let a citizen think 02… was fine.
BAD_PHONE = ("Số điện thoại di động không hợp lệ (10 chữ số, bắt đầu bằng 03, 05, 07, 08 "
             "hoặc 09).", "Not a Vietnamese mobile number (10 digits starting 03, 05, 07, 08 "
             "or 09).")
CCCD = re.compile(r"^\d{12}$")


def _bookings():
    return current_app.extensions["qms.hub.bookings"]


def _hub():
    return current_app.extensions["qms.hub.store"]


def _error(status, code, vi, en):
    return jsonify(error={"code": code, "message": vi, "message_en": en}), status


def _refused(exc):
    return jsonify(exc.as_response()), exc.status


def _over_budget():
    if _ext_budget().spend_address(request.remote_addr):
        return None
    return _error(429, "too_many_requests", "Quá nhiều yêu cầu từ địa chỉ này. Vui lòng thử lại "
                  "sau.", "Too many booking requests from this address; try again later.")


def _ext_budget():
    return current_app.extensions["qms.hub.booking_budget"]


def _site(site_id):
    """The engine's Site from the settings the site's agent sent, if it takes bookings."""
    settings = _hub().site_settings(site_id)
    if not settings:
        return None
    try:
        site = site_from_dict(settings)
    except SiteFileError:
        return None
    return site if booking_slots.bookable(site) else None


def phone_number(text):
    digits = re.sub(r"[\s.-]", "", str(text or ""))
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) == 11:
        digits = "0" + digits[2:]
    return digits if PHONE.match(digits) else None


def _slot_from(site, service, start, now):
    try:
        start = float(start)
    except (TypeError, ValueError):
        return None
    day = booking_slots.business_day(site, start)
    taken = _bookings().taken(site.id, service, start, start)
    return booking_slots.find_slot(site, service, start, now, taken), day


@bp.get("/book")
def page():
    return render_template("hub/booking.html")


@bp.get("/api/book/sites")
def sites():
    def read():
        out = []
        for row in _hub().sites():
            site = _site(row["site_id"])
            if site is None:
                continue
            out.append({"id": site.id, "name": site.name, "district": row["district"],
                        "services": [{"code": s.code, "name_vi": s.name_vi, "name_en": s.name_en}
                                     for s in site.services
                                     if booking_slots.per_slot(site, s) > 0]})
        return out
    return jsonify(sites=read())


@bp.get("/api/book/sites/<site_id>/slots")
def slots(site_id):
    site = _site(site_id)
    if site is None:
        return _error(404, "unknown_site", "Điểm cấp này không nhận đặt lịch.",
                      "This site takes no bookings.")
    service = request.args.get("service", "")
    if site.service(service) is None:
        return _error(404, "unknown_service", "Không có dịch vụ này.", "No such service.")
    now = time.time()
    days = booking_slots.days(site, now)
    day = request.args.get("day") or (days[0] if days else None)
    if day not in days:
        return _error(422, "bad_day", "Ngày này không nhận đặt lịch.", "No bookings on this day.")
    every = booking_slots.day_slots(site, service, day, now, {})
    taken = _bookings().taken(site.id, service, every[0].start, every[-1].start) \
        if every else {}
    found = booking_slots.day_slots(site, service, day, now, taken)
    return jsonify(site_id=site.id, service=service, days=days, day=day,
                   slots=[s.as_dict(site) for s in found])


@bp.post("/api/book")
def book():
    over = _over_budget()
    if over:
        return over
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return _error(400, "bad_request", "Yêu cầu không hợp lệ.", "The body must be a JSON object.")
    site = _site(str(data.get("site_id", "")))
    if site is None:
        return _error(404, "unknown_site", "Điểm cấp này không nhận đặt lịch.",
                      "This site takes no bookings.")
    service = str(data.get("service", ""))
    if site.service(service) is None:
        return _error(404, "unknown_service", "Không có dịch vụ này.", "No such service.")
    phone = phone_number(data.get("phone"))
    if phone is None:
        return _error(422, "bad_phone", *BAD_PHONE)
    cccd = str(data.get("cccd") or "").strip()
    if cccd and not CCCD.match(cccd):
        return _error(422, "bad_cccd", "Số CCCD gồm 12 chữ số.", "A CCCD number has 12 digits.")
    now = time.time()
    slot, day = _slot_from(site, service, data.get("slot_start"), now)
    if slot is None:
        return _error(422, "bad_slot", "Khung giờ này không còn nhận đặt lịch.",
                      "This slot is not offered.")
    if slot.free <= 0:
        return _error(409, "slot_full", "Khung giờ này đã hết chỗ. Mời chọn giờ khác.",
                      "This slot is full; choose another time.")
    # Keyed (the hub's booking key): the budget's store never holds a number one could read.
    if not _ext_budget().spend_phone(keyed_hash(_bookings().key(), "budget-phone", phone)):
        return _error(429, "too_many_for_phone", "Số điện thoại này đã đặt lịch quá nhiều lần. "
                      "Vui lòng thử lại sau.", "Too many bookings for this phone number; try "
                      "again later.")
    try:
        booking = _bookings().create(site.id, service, slot, day, phone, cccd or None,
                                     bool(data.get("notify")), now)
    except BookingRefused as exc:
        return _refused(exc)
    return jsonify(_described(site, booking)), 201


_CAME = "Đã đến làm thủ tục lúc {time}"
STATUS_TEXT = {  # what the page says of a booking found by its code (Vietnamese, English)
    ACTIVE: ("Lịch hẹn còn hiệu lực", "The booking stands"),
    "past": ("Lịch hẹn đã qua giờ hẹn", "The booking's time has passed"),
    CANCELLED: ("Lịch hẹn đã hủy", "The booking is cancelled"),
    CHECKED_IN: (_CAME, "Checked in at {time}"),
    CHECKED_IN_LATE: (_CAME + " (muộn giờ hẹn: nhận số thường)",
                      "Checked in at {time}, late: given a walk-in number"),
    NO_SHOW: (_CAME + ", vắng mặt khi được gọi", "Checked in at {time}, absent when called"),
    MISSED: ("Lịch hẹn đã qua, không đến", "The booking's day is over; nobody came"),
}


def _local_time(site, at):
    return booking_slots.Slot(at, at, 0, 0).as_dict(site)["time"]


def _described(site, booking, now=None):
    """The booking as the page shows it: names, local time, what became of it (`status_vi`,
    `status_en`) and whether it can still be cancelled or moved (`changeable`)."""
    service = site.service(booking["service"]) if site else None
    local = booking_slots.Slot(booking["slot_start"], booking["slot_end"], 0, 0).as_dict(site) \
        if site else {}
    now = time.time() if now is None else now
    status = booking["status"]
    changeable = status == ACTIVE and booking["slot_end"] > now
    vi, en = STATUS_TEXT["past" if status == ACTIVE and not changeable else status]
    came = booking.get("checked_in_at")
    came = _local_time(site, came) if came and site else ""
    return dict(booking, site_name=site.name if site else "",
                service_name=service.name_vi if service else booking["service"],
                time=local.get("time"), qr=f"/api/book/{booking_code.normalise(booking['code'])}/qr.svg",
                changeable=changeable, status_vi=vi.format(time=came),
                status_en=en.format(time=came))


def _by_code(code):
    canonical = booking_code.normalise(code)
    if canonical is None:
        raise BookingRefused("bad_code", "Mã đặt lịch không đúng (kiểm tra lại từng chữ số).",
                             "Not a valid booking code (check each digit).", 422)
    budget, address = _ext_budget(), request.remote_addr
    if not budget.may_miss(address):
        raise BookingRefused("too_many_misses", "Đã tra quá nhiều mã không có. Vui lòng thử lại "
                             "sau.", "Too many look-ups of codes that do not exist from this "
                             "address; try again later.", 429)
    if not budget.spend_code(canonical):
        raise BookingRefused("too_many_for_code", "Mã đặt lịch này đã được tra cứu, đổi quá nhiều "
                             "lần. Vui lòng thử lại sau.", "Too many requests for this booking "
                             "code; try again later.", 429)
    found = _bookings().by_code(canonical)
    if found is None:
        budget.missed(address)
        raise BookingRefused("unknown_code", "Không tìm thấy mã đặt lịch.",
                             "No booking with this code.", 404)
    return canonical, found


@bp.get("/api/book/<code>")
def show(code):
    over = _over_budget()
    if over:
        return over
    try:
        _, found = _by_code(code)
    except BookingRefused as exc:
        return _refused(exc)
    return jsonify(_described(_site(found["site_id"]), found))


@bp.get("/api/book/<code>/qr.svg")
def qr(code):
    canonical = booking_code.normalise(code)
    if canonical is None:
        return _error(422, "bad_code", "Mã đặt lịch không đúng.", "Not a valid booking code.")
    import qrcode
    import qrcode.image.svg
    image = qrcode.make(canonical, image_factory=qrcode.image.svg.SvgPathImage, box_size=10,
                        border=2)
    out = io.BytesIO()
    image.save(out)
    return Response(out.getvalue(), mimetype="image/svg+xml",
                    headers={"Cache-Control": "private, max-age=86400"})


@bp.post("/api/book/<code>/cancel")
def cancel(code):
    over = _over_budget()
    if over:
        return over
    try:
        canonical, found = _by_code(code)
        booking = _bookings().cancel(canonical, time.time())
    except BookingRefused as exc:
        return _refused(exc)
    return jsonify(_described(_site(found["site_id"]), booking))


@bp.post("/api/book/<code>/move")
def move(code):
    over = _over_budget()
    if over:
        return over
    data = request.get_json(silent=True) or {}
    try:
        canonical, found = _by_code(code)
    except BookingRefused as exc:
        return _refused(exc)
    site = _site(found["site_id"])
    now = time.time()
    slot, day = _slot_from(site, found["service"], data.get("slot_start"), now) \
        if site else (None, None)
    if slot is None:
        return _error(422, "bad_slot", "Khung giờ này không còn nhận đặt lịch.",
                      "This slot is not offered.")
    try:
        booking = _bookings().move(canonical, slot, day, now)
    except BookingRefused as exc:
        return _refused(exc)
    return jsonify(_described(site, booking))


@bp.get("/api/hub/sites/<site_id>/bookings")
def site_bookings(site_id):
    refused = _authorised(site_id)
    if refused:
        return refused
    try:
        after = int(request.args.get("after", "0"))
    except ValueError:
        return _error(400, "bad_after", "Tham số after không hợp lệ.", "after must be an integer.")
    rows = _bookings().changes_after(site_id, after)
    last = rows[-1]["rev"] if rows else after
    keys = _bookings().keys_for_site(site_id)
    return jsonify(bookings=[for_site(r) for r in rows], last_rev=last,
                   hmac_keys={str(key_id): key for key_id, key in keys.items()},
                   hmac_key=keys[max(keys)])


def erase_spent_phones(hub_store, bookings, now=None):
    """Erase the phones of bookings whose day is over, each site's day in its own time zone
    (the settings its agent sent)."""
    now = time.time() if now is None else now

    def today_of(site_id):
        settings = hub_store.site_settings(site_id)
        try:
            return booking_slots.business_day(site_from_dict(settings), now) if settings \
                else None
        except SiteFileError:
            return None
    return bookings.erase_spent_phones(today_of, now)


def _upkeep(app, hub_store, bookings):
    """Erase past bookings' phones and retire the booking keys no booking needs any more: at
    the hub's start, then every QMS_HUB_BOOKING_UPKEEP_SECONDS (default an hour), beside the
    dashboard's ticker (server/hub/pages.py)."""
    every = float(app.config.get("BOOKING_UPKEEP_SECONDS", 3600))
    socketio = app.extensions["qms.hub.live"].socketio

    def run():
        while True:
            try:
                erased = erase_spent_phones(hub_store, bookings)
                if erased:
                    log.info("erased the phone numbers of %d past bookings", erased)
                retired = bookings.retire_keys()
                if retired:
                    log.info("retired booking keys %s: no booking needs them", retired)
            except Exception:  # noqa: BLE001 — a store hiccup: the next turn does it
                log.exception("booking upkeep (phones, keys) failed")
            socketio.sleep(every)
    # As the dashboard's ticker: `qms hub` runs under eventlet; an app in threading mode
    # (in-process tests) erases when the test says, so no thread outlives its database.
    if app.config.get("BOOKING_UPKEEP", app.config.get("ASYNC_MODE") != "threading"):
        socketio.start_background_task(run)


def register(app):
    """Mount the booking doors on the hub's app (called by server/hub/app.py)."""
    from .pages import _share_the_site_look
    _share_the_site_look(app)
    store = app.extensions["qms.hub.store"]
    app.extensions["qms.hub.bookings"] = BookingStore(store)
    _upkeep(app, store, app.extensions["qms.hub.bookings"])
    app.extensions["qms.hub.booking_budget"] = BookingBudget(app.config,
                                                             app.config.get("MESSAGE_QUEUE"))
    app.register_blueprint(bp)
