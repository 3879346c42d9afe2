"""Who may take a ticket, and how many: kiosks are known devices, phones get a small budget.

A kiosk presents its credential, the device token an administrator issued for it (`qms
add-device K1`, POST /api/devices), in the X-Kiosk-Token header; the kiosk page keeps it from
its setup link (/kiosk?kiosk=K1#device_token=...). Known kiosks take tickets without limit, may
name themselves in `kiosk` (their printer prints) and may claim a priority group (an officer
nearby sees who claims it).

Anyone else is a "public" client (a citizen's phone on the site's Wi-Fi). Only when the site
file allows it (`[policy] public_tickets_per_hour`), and then:
- no `kiosk` field and no priority claim;
- at most `public_tickets_per_hour` public tickets per service in any hour, counted from the
  day's tickets in the store (so every process agrees), and never past half of the service's
  numbers for the day: the kiosks always keep the other half;
- at most TICKET_RATE_LIMIT tickets per client address (the `limits` library, in memory).
Rotating source addresses therefore buys nothing beyond the service's hourly budget.
"""
from flask import current_app, request
from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from . import auth
from .engine import Refused

HEADER = "X-Kiosk-Token"
HOUR = 3600.0


class PublicLimiter:
    """Tickets per client address for public clients (QMS_TICKET_RATE_LIMIT, e.g. "5/300"
    = five per 300 seconds)."""

    def __init__(self, text):
        count, seconds = _parse_count_seconds(text)
        self.limit = parse(f"{count} per {seconds} seconds")
        self.window = MovingWindowRateLimiter(MemoryStorage())

    def hit(self, address):
        return self.window.hit(self.limit, "ticket", address)

    def retry_after(self, address):
        reset, _remaining = self.window.get_window_stats(self.limit, "ticket", address)
        import time
        return max(1, int(reset - time.time()) + 1)


def _parse_count_seconds(text):
    try:
        count, seconds = str(text).split("/")
        count, seconds = int(count), int(float(seconds))
    except ValueError:
        raise ValueError(f"rate limit must look like COUNT/SECONDS, got {text!r}") from None
    if count < 1 or seconds < 1:
        raise ValueError("rate limit needs COUNT >= 1 and SECONDS >= 1")
    return count, seconds


def presented_kiosk(store, site_id):
    """The kiosk whose device token this request carries, None without a token; a token the
    store does not know (revoked, mistyped) is refused rather than served as a phone."""
    token = request.headers.get(HEADER)
    if not token:
        return None
    kiosk = auth.kiosk_for_token(store, site_id, token)
    if kiosk is None:
        raise Refused("unknown_device", "Mã thiết bị của kiosk không hợp lệ hoặc đã bị thu hồi.",
                      "Unknown or revoked device token (X-Kiosk-Token).", 403)
    return kiosk


def check_issuance(rt, service_code, priority, kiosk, at):
    """Whether this request may take a ticket: returns True for a public (unknown) client,
    False for a known kiosk, or raises Refused."""
    known = presented_kiosk(rt.store, rt.site.id)
    if known is not None:
        if kiosk is not None and kiosk != known:
            raise Refused("kiosk_mismatch", "Mã thiết bị không thuộc kiosk này.",
                          f"This device token belongs to kiosk {known}, not {kiosk}.", 403)
        return False
    if kiosk is not None:
        raise Refused("kiosk_credential_required",
                      "Chỉ kiosk đã được cấp mã thiết bị mới được in số.",
                      "Only a kiosk with its device token may name a kiosk (X-Kiosk-Token).", 403)
    if priority:
        raise Refused("priority_at_kiosk_only",
                      "Số ưu tiên chỉ được lấy tại kiosk của điểm cấp.",
                      "Priority tickets are taken at the site's kiosks only.", 403)
    per_hour = rt.site.policy.public_tickets_per_hour
    if per_hour <= 0:
        raise Refused("public_issuance_off",
                      "Điểm cấp này chỉ phát số tại kiosk.",
                      "This site issues tickets at its kiosks only.", 403)
    limiter = current_app.extensions["qms.public_limiter"]
    if not limiter.hit(request.remote_addr or ""):
        refusal = Refused("rate_limited", "Công dân đã lấy quá nhiều số. Vui lòng đợi rồi thử lại.",
                          "Too many tickets from this device; try again later.", 429)
        refusal.retry_after = limiter.retry_after(request.remote_addr or "")
        raise refusal
    service = rt.site.service(service_code)
    if service is None:
        return True  # the engine refuses an unknown service with its own reason
    tickets = [t for t in rt.state.tickets.values() if t.service == service.code]
    recent = [t for t in tickets if t.public and t.issued_at > at - HOUR]
    if len(recent) >= per_hour:
        refusal = Refused("public_budget_spent",
                          "Đã hết lượt lấy số qua điện thoại trong giờ này. Vui lòng lấy số tại kiosk.",
                          "Tickets from phones are used up for this hour; take one at a kiosk.", 429)
        refusal.retry_after = max(1, int(min(t.issued_at for t in recent) + HOUR - at) + 1)
        raise refusal
    numbers = service.number_end - service.number_start + 1
    capacity = min(numbers, service.daily_cap) if service.daily_cap else numbers
    if sum(1 for t in tickets if t.public) + 1 > capacity // 2:
        raise Refused("public_share_spent",
                      "Số dành cho điện thoại hôm nay đã hết. Vui lòng lấy số tại kiosk.",
                      "Today's share of numbers for phones is used up; take one at a kiosk.", 429)
    return True
