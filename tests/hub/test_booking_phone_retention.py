"""The hub keeps a booking's clear phone (`notify_phone`, for the text) no longer than needed
(Decree 13/2023): it goes at once with a cancel, and once the slot's day is over (the site's
day, in its time zone) by the hub's eraser; the hoarding limit keeps working on the keyed
hash. Real PostgreSQL, the hub's own app."""
import datetime

import pytest
import sqlalchemy as sa

from server.hub.app import create_hub_app
from server.hub.booking_api import erase_spent_phones

from booking_kit import NO_BUDGET, register_site
from test_booking import book, first_slots


@pytest.fixture(scope="module")
def hub(hub_db):
    app = create_hub_app(hub_db, {"ASYNC_MODE": "threading", "TESTING": True,
                                  **NO_BUDGET})
    store = app.extensions["qms.hub.store"]
    register_site(store, "r1")
    yield app, store
    store.close()


def stored(hub_db, code):
    engine = sa.create_engine(hub_db)
    with engine.connect() as conn:
        row = conn.execute(sa.text("SELECT * FROM hub_bookings WHERE code = :c"),
                           {"c": code.replace("-", "")}).mappings().first()
    engine.dispose()
    return dict(row)


def test_a_cancelled_booking_keeps_no_phone(hub, hub_db):
    app, _ = hub
    client = app.test_client()
    made = book(client, first_slots(client, site="r1")["slots"][5], phone="0977000001",
                site="r1", notify=True).json
    assert stored(hub_db, made["code"])["notify_phone"] == "0977000001"
    assert client.post(f"/api/book/{made['code']}/cancel").status_code == 200
    assert stored(hub_db, made["code"])["notify_phone"] is None


def test_the_phone_stays_through_the_slot_day_and_goes_after_it(hub, hub_db):
    app, store = hub
    client = app.test_client()
    slot = first_slots(client, site="r1")["slots"][8]
    made = book(client, slot, phone="0977000002", site="r1", notify=True).json
    bookings = app.extensions["qms.hub.bookings"]
    row = stored(hub_db, made["code"])
    # Through the slot and the rest of its day, the site can still fetch the number to text.
    end_of_day = datetime.datetime.fromisoformat(row["day"] + "T23:59:00+07:00").timestamp()
    assert erase_spent_phones(store, bookings, now=end_of_day) == 0
    assert stored(hub_db, made["code"])["notify_phone"] == "0977000002"
    assert erase_spent_phones(store, bookings, now=end_of_day + 120) == 1
    after = stored(hub_db, made["code"])
    assert after["notify_phone"] is None and after["phone_hash"]
    # The same number during the slot: refused on the keyed hash alone (no clear phone left).
    again = book(client, first_slots(client, site="r1")["slots"][9], phone="0977000002",
                 site="r1")
    assert again.status_code == 409 and again.json["error"]["code"] == "already_booked"
