"""The booking doors' budgets against bulk use (docs/appointments.md "Limits against hoarding").

One budget per client address was too tight: Vietnamese mobile carriers put many phones behind
one public IPv4 (carrier-grade NAT), so at a busy hour citizens who never met shared it and got
"Quá nhiều yêu cầu". The budgets are now keyed on what each door's abuser must vary:

- the address (every booking, cancel, move, look-up): an IPv6 client by its /64 (a carrier
  gives one phone a /64, and a phone picks any address inside it at will), an IPv4 address with
  a larger budget (`BOOKING_RATE_IPV4`) because it is shared; this is now only a flood ceiling;
- the booking code (look-up, cancel, move): one booking cannot be hammered, moved to and fro;
- the phone number (new bookings; by a keyed hash, never the clear number): one number cannot
  book, cancel and book again without end;
- failed look-ups per address (`BOOKING_MISS_RATE`): a well-formed code that is not found
  spends it, so codes cannot be tried in bulk even under the larger IPv4 budget. A citizen's
  typo is nearly always refused by the code's check digit first (any one digit wrong
  or two neighbours swapped: server/hub/booking_code.py), which spends nothing of it.

Each is "COUNT/SECONDS" in the hub's config (env QMS_HUB_<NAME>), a moving window of the
`limits` library, in Redis when the hub runs with `--message-queue redis://…` (every process
shares the budget), else in the process's memory.
"""
import ipaddress

from limits import parse
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

# Config name -> default. Why these numbers:
# - BOOKING_RATE 30/3600: one phone (IPv6 /64) or one home line; a citizen's whole errand is
#   a booking, a few look-ups and maybe a move or a cancel (~5 requests).
# - BOOKING_RATE_IPV4 300/3600: ten times that, ~60 citizens' errands an hour behind one
#   public IPv4 of a carrier's NAT, a province's busy hour on one carrier gateway. It is a
#   ceiling on floods, not the hoarding rule (one active booking per phone and per CCCD per
#   service is, and the per-phone budget below).
# - BOOKING_CODE_RATE 20/3600: a citizen checks a booking a few times and moves it once.
# - BOOKING_PHONE_RATE 6/3600: both services, a cancel and a second try, with room to spare.
# - BOOKING_MISS_RATE 30/3600: the old per-address budget, now spent only by codes not found.
DEFAULTS = {"BOOKING_RATE": "30/3600", "BOOKING_RATE_IPV4": "300/3600",
            "BOOKING_CODE_RATE": "20/3600", "BOOKING_PHONE_RATE": "6/3600",
            "BOOKING_MISS_RATE": "30/3600"}


def client_key(address):
    """The address a budget is kept for: an IPv6 client's /64, an IPv4 address as it is (an
    IPv4-mapped IPv6 address is the IPv4 one). Returns (key, is_ipv4)."""
    try:
        ip = ipaddress.ip_address(str(address or "").split("%")[0])
    except ValueError:
        return "?", True  # no usable address: one shared budget, the larger one
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if ip.version == 4:
        return str(ip), True
    return str(ipaddress.ip_network(f"{ip}/64", strict=False)), False


def _limit(text):
    count, seconds = (int(x) for x in str(text).split("/"))
    return parse(f"{count} per {seconds} seconds")


class BookingBudget:
    def __init__(self, config, storage_url=None):
        self.limits = {name: _limit(config.get(name) or default)
                       for name, default in DEFAULTS.items()}
        storage = storage_from_string(storage_url) if storage_url and \
            storage_url.startswith("redis") else MemoryStorage()
        self.window = MovingWindowRateLimiter(storage)

    def _hit(self, name, key):
        return self.window.hit(self.limits[name], "hub-booking", name, key)

    def spend_address(self, address):
        key, ipv4 = client_key(address)
        return self._hit("BOOKING_RATE_IPV4" if ipv4 else "BOOKING_RATE", key)

    def spend_code(self, code):
        return self._hit("BOOKING_CODE_RATE", code)

    def spend_phone(self, phone_hash):
        return self._hit("BOOKING_PHONE_RATE", phone_hash)

    def may_miss(self, address):
        """Whether this address may still look up a code that may not exist."""
        return self.window.test(self.limits["BOOKING_MISS_RATE"], "hub-booking",
                                "BOOKING_MISS_RATE", client_key(address)[0])

    def missed(self, address):
        self._hit("BOOKING_MISS_RATE", client_key(address)[0])
