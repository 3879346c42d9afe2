"""Booking on the hub (issue 13), on real PostgreSQL through the hub's own app: slots from the
site's settings, codes with a check character and a QR, one active booking per phone and per
CCCD number per service held as keyed hashes, cancel and move by code (the budgets:
test_booking_budget.py),
and the site's authenticated fetch of its bookings' changes."""
import re
import time

import pytest
import sqlalchemy as sa

from server.hub import booking_code
from server.hub.app import create_hub_app
from server.hub.booking_store import keyed_hash

from booking_kit import NO_BUDGET, booking_settings, register_site

CCCD = "079123456789"


@pytest.fixture(scope="module")
def hub(hub_db):
    app = create_hub_app(hub_db, {"ASYNC_MODE": "threading", "TESTING": True,
                                  **NO_BUDGET})
    store = app.extensions["qms.hub.store"]
    keys = {"p1": register_site(store, "p1"), "p2": register_site(store, "p2"),
            "off": register_site(store, "off", dict(booking_settings("off"), booking={}))}
    yield app, store, keys
    store.close()


def first_slots(client, site="p1", service="CCCD"):
    answer = client.get(f"/api/book/sites/{site}/slots?service={service}")
    assert answer.status_code == 200, answer.json
    days = answer.json["days"]
    # The last offered day has every slot of the day still ahead, whatever the hour now.
    return client.get(f"/api/book/sites/{site}/slots?service={service}&day={days[-1]}").json


def book(client, slot, phone="0912345678", service="CCCD", site="p1", **more):
    return client.post("/api/book", json={"site_id": site, "service": service,
                                          "slot_start": slot["start"], "phone": phone, **more})


def test_only_sites_that_take_bookings_are_offered_with_slots_from_their_settings(hub):
    app, _, _ = hub
    client = app.test_client()
    offered = {s["id"] for s in client.get("/api/book/sites").json["sites"]}
    assert {"p1", "p2"} <= offered and "off" not in offered
    data = first_slots(client)
    assert len(data["days"]) == 15  # today and 14 days ahead, all open
    # 00:30-23:30 in 30-minute slots; 2 counters × 30 / 15 minutes × (1 - 0.5) = 2 each.
    assert len(data["slots"]) == 46 and data["slots"][0]["time"] == "00:30"
    assert {s["capacity"] for s in data["slots"]} == {2}
    assert all(s["start"] > time.time() for s in data["slots"])
    assert client.get("/api/book/sites/off/slots?service=CCCD").status_code == 404


def test_a_booking_gets_a_checked_code_and_a_qr_and_fills_its_slot(hub):
    app, _, _ = hub
    client = app.test_client()
    slot = first_slots(client)["slots"][3]
    first = book(client, slot, phone="0912000001")
    assert first.status_code == 201, first.json
    code = first.json["code"]
    # 12 digits read out in three groups of four (issue 13: letters are misheard aloud)
    assert re.fullmatch(r"\d{4}-\d{4}-\d{4}", code), code
    canonical = code.replace("-", "")
    assert booking_code.normalise(code) == booking_code.normalise(f" {canonical[:4]} {canonical[4:]}") \
        == canonical
    wrong = canonical[:-1] + ("2" if canonical[-1] != "2" else "3")
    assert client.get(f"/api/book/{wrong}").json["error"]["code"] == "bad_code"
    assert first.json["qr"] == f"/api/book/{canonical}/qr.svg"  # the QR holds the code itself
    svg = client.get(first.json["qr"])
    assert svg.status_code == 200 and svg.data.startswith(b"<?xml") and b"<svg" in svg.data
    assert client.get(f"/api/book/{canonical}").json["status"] == "active"
    assert book(client, slot, phone="0912000002").status_code == 201
    full = book(client, slot, phone="0912000003")
    assert full.status_code == 409 and full.json["error"]["code"] == "slot_full"
    again = first_slots(client)["slots"][3]
    assert again["free"] == 0


def test_a_booking_made_with_an_old_alphanumeric_code_is_still_found_by_it(hub, monkeypatch):
    """Codes became digits (issue 13); a citizen who booked the day before holds a code like
    "9PSS-WUMC-K": the hub still finds, shows and draws it."""
    app, _, _ = hub
    client = app.test_client()
    old = "9PSSWUMC" + booking_code._old_check("9PSSWUMC")
    monkeypatch.setattr(booking_code, "new_code", lambda: old)  # as issued before the change
    made = book(client, first_slots(client)["slots"][5], phone="0912000077")
    monkeypatch.undo()
    assert made.status_code == 201, made.json
    assert made.json["code"] == f"{old[:4]}-{old[4:8]}-{old[8]}"
    found = client.get(f"/api/book/{made.json['code'].lower()}")
    assert found.status_code == 200 and found.json["status"] == "active"
    assert client.get(f"/api/book/{old}/qr.svg").status_code == 200


def test_one_active_booking_per_phone_and_per_cccd_per_service_held_as_keyed_hashes(hub, hub_db):
    app, store, _ = hub
    client = app.test_client()
    slots = first_slots(client)["slots"]
    ok = book(client, slots[10], phone="0987654321", cccd=CCCD, notify=False)
    assert ok.status_code == 201
    same_phone = book(client, slots[11], phone="+84 987 654 321")
    assert same_phone.status_code == 409 and same_phone.json["error"]["code"] == "already_booked"
    same_cccd = book(client, slots[12], phone="0987000000", cccd=CCCD)
    assert same_cccd.json["error"]["code"] == "already_booked"
    other_service = book(client, first_slots(client, service="VNEID")["slots"][0],
                         phone="0987654321", service="VNEID")
    assert other_service.status_code == 201
    other_site = book(client, first_slots(client, site="p2")["slots"][0], phone="0987654321",
                      site="p2")
    assert other_site.json["error"]["code"] == "already_booked"  # the limit is the province's
    engine = sa.create_engine(hub_db)
    with engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(sa.text("SELECT * FROM hub_bookings"))]
    engine.dispose()
    text = repr(rows)
    assert CCCD not in text and "987654321" not in text  # neither number in clear
    key = app.extensions["qms.hub.bookings"].key()
    assert keyed_hash(key, "cccd", CCCD) in {r["cccd_hash"] for r in rows}
    # Cancelling frees the number for a new booking.
    assert client.post(f"/api/book/{ok.json['code']}/cancel").status_code == 200
    assert book(client, slots[12], phone="0987654321", cccd=CCCD).status_code == 201


def test_a_booking_moves_and_cancels_by_its_code(hub):
    app, _, _ = hub
    client = app.test_client()
    slots = first_slots(client)["slots"]
    made = book(client, slots[20], phone="0933000001").json
    moved = client.post(f"/api/book/{made['code']}/move", json={"slot_start": slots[21]["start"]})
    assert moved.status_code == 200 and moved.json["slot_start"] == slots[21]["start"]
    assert first_slots(client)["slots"][20]["free"] == 2
    nowhere = client.post(f"/api/book/{made['code']}/move", json={"slot_start": 12345})
    assert nowhere.status_code == 422
    assert client.post(f"/api/book/{made['code']}/cancel").json["status"] == "cancelled"
    assert client.post(f"/api/book/{made['code']}/cancel").json["error"]["code"] == "not_active"
    assert first_slots(client)["slots"][21]["free"] == 2


@pytest.mark.parametrize("body, code", [
    ({"phone": "12345"}, "bad_phone"),
    ({"cccd": "07912345"}, "bad_cccd"),
    ({"slot_start": 1.0}, "bad_slot"),
    ({"service": "NOPE"}, "unknown_service"),
    ({"site_id": "off"}, "unknown_site"),
])
def test_bad_input_is_refused_with_a_reason_and_books_nothing(hub, body, code):
    app, _, _ = hub
    client = app.test_client()
    slot = first_slots(client)["slots"][30]
    answer = client.post("/api/book", json={"site_id": "p1", "service": "CCCD",
                                            "slot_start": slot["start"], "phone": "0944000001",
                                            **body})
    assert answer.status_code in (404, 422) and answer.json["error"]["code"] == code
    assert answer.json["error"]["message"]
    assert first_slots(client)["slots"][30]["free"] == 2


def test_a_site_fetches_its_bookings_changes_with_its_key_only(hub):
    app, _, keys = hub
    client = app.test_client()
    auth = {"Authorization": f"Bearer {keys['p2']}"}
    assert client.get("/api/hub/sites/p2/bookings", headers=auth).status_code == 200
    assert client.get("/api/hub/sites/p2/bookings",
                      headers={"Authorization": f"Bearer {keys['p1']}"}).status_code == 403
    assert client.get("/api/hub/sites/p2/bookings", headers={}).status_code == 401
    before = client.get("/api/hub/sites/p2/bookings", headers=auth).json
    made = book(client, first_slots(client, site="p2")["slots"][5], phone="0955000001",
                site="p2", cccd="001199000001", notify=True).json
    changed = client.get(f"/api/hub/sites/p2/bookings?after={before['last_rev']}",
                         headers=auth).json
    assert [b["code"] for b in changed["bookings"]] == [made["code"].replace("-", "")]
    sent = changed["bookings"][0]
    assert sent["notify_phone"] == "0955000001" and "phone_hash" not in sent
    assert sent["cccd_hash"] == keyed_hash(changed["hmac_key"], "cccd", "001199000001")
    client.post(f"/api/book/{made['code']}/cancel")
    after = client.get(f"/api/hub/sites/p2/bookings?after={changed['last_rev']}",
                       headers=auth).json
    assert [(b["id"], b["status"]) for b in after["bookings"]] == [(made["id"], "cancelled")]
