"""A small site that takes bookings, as its agent sends it to the hub (hub_sites.site_json)."""
import time

ALL_WEEK = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def booking_settings(site_id, share=0.5, **booking):
    """Two counters serving CCCD (15 minutes each), open every day 00:30-23:30 so tests find
    slots at any hour: 2 × 30 / 15 × (1 - 0.5) = 2 bookings per 30-minute slot."""
    return {
        "site": {"id": site_id, "name": f"Công an phường {site_id}"},
        "services": [{"code": "CCCD", "letter": "A", "name_vi": "Cấp CCCD", "name_en": "ID card",
                      "expected_service_minutes": 15.0},
                     {"code": "VNEID", "letter": "B", "name_vi": "Kích hoạt VNeID",
                      "name_en": "VNeID", "expected_service_minutes": 10.0}],
        "counters": [{"number": 1, "services": ["CCCD", "VNEID"]},
                     {"number": 2, "services": ["CCCD", "VNEID"]}],
        "opening_hours": {"days": ALL_WEEK, "open": "00:30", "close": "23:30"},
        "booking": {"enabled": True, "slot_minutes": 30, "walk_in_share": share, **booking},
    }


def register_site(store, site_id, settings=None):
    """The site on the hub with its settings, as after its agent's first batch; its key."""
    key = store.add_site(site_id, f"Phường {site_id}", "Quận 1", time.time())
    store.ingest(site_id, [], time.time(), settings=settings or booking_settings(site_id))
    return key


# The hub's booking budgets (server/hub/booking_budget.py) out of the way, for tests of
# something else that book, look up and cancel many times from one test client.
NO_BUDGET = {name: "100000/3600" for name in ("BOOKING_RATE", "BOOKING_RATE_IPV4",
                                              "BOOKING_CODE_RATE", "BOOKING_PHONE_RATE",
                                              "BOOKING_MISS_RATE")}
