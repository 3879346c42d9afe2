"""The hub learns what became of each booking from its site's events (issue 13), on real
PostgreSQL through the hub's own app: a check-in (the site's `ticket_issued` naming the
booking) makes it `checked_in` or `checked_in_late`, a no-show of that ticket `no_show`, the
site's day close `missed` for the bookings nobody used; a cancelled booking stays cancelled, a
batch sent again changes nothing, and a used booking can no longer be cancelled or moved."""
import datetime
import time

import pytest
import sqlalchemy as sa

from server.hub.app import create_hub_app

from booking_kit import NO_BUDGET, register_site

SITE = "fate"


@pytest.fixture(scope="module")
def hub(hub_db):
    app = create_hub_app(hub_db, {"ASYNC_MODE": "threading", "TESTING": True,
                                  **NO_BUDGET})
    store = app.extensions["qms.hub.store"]
    key = register_site(store, SITE)
    client = app.test_client()
    days = client.get(f"/api/book/sites/{SITE}/slots?service=CCCD").json["days"]
    # The last offered day has every slot still ahead, whatever the hour now.
    slots = client.get(f"/api/book/sites/{SITE}/slots?service=CCCD&day={days[-1]}").json
    yield app, store, key, days[-1], slots["slots"]
    store.close()


class Site:
    """The site's side: its events, numbered as its store numbers them, sent as its agent
    sends them."""

    def __init__(self, client, key):
        self.client, self.key, self.seq = client, key, 0

    def event(self, type_, at, **body):
        self.seq += 1
        return {"site_id": SITE, "seq": self.seq, "type": type_, "at": at, **body}

    def send(self, events):
        answer = self.client.post(f"/api/hub/sites/{SITE}/events", json={"events": events},
                                  headers={"Authorization": f"Bearer {self.key}"})
        assert answer.status_code == 200, answer.json
        return answer.json


def book(client, slot, phone):
    made = client.post("/api/book", json={"site_id": SITE, "service": "CCCD",
                                          "slot_start": slot["start"], "phone": phone})
    assert made.status_code == 201, made.json
    return made.json


def issued(site, booking, ticket_at, booked=True):
    return site.event("ticket_issued", ticket_at, ticket_id=site.seq + 1, service="CCCD",
                      number=1, label="H001" if booked else "A001", priority=None,
                      request_id="r", order=1, booking=booking["id"],
                      slot_start=booking["slot_start"], slot_end=booking["slot_end"],
                      booked=booked)


def local_hhmm(at):
    return (datetime.datetime.fromtimestamp(at, datetime.timezone.utc)
            + datetime.timedelta(minutes=420)).strftime("%H:%M")


def looked_up(client, booking):
    answer = client.get(f"/api/book/{booking['code']}")
    assert answer.status_code == 200
    return answer.json


def test_a_days_bookings_take_their_fate_from_the_sites_events(hub, hub_db):
    app, store, key, day, slots = hub
    client = app.test_client()
    site = Site(client, key)
    on_time, late, absent, missed, cancelled = (
        book(client, slots[i], f"09110000{i:02d}") for i in (2, 3, 4, 5, 6))
    assert client.post(f"/api/book/{cancelled['code']}/cancel").status_code == 200

    came = on_time["slot_start"] - 600
    batch = [site.event("day_opened", came - 3600, day=day),
             issued(site, on_time, came),
             issued(site, late, late["slot_end"] + 900, booked=False),
             issued(site, absent, came + 60),
             # The citizen who cancelled online came all the same (the site was offline).
             issued(site, cancelled, came + 120)]
    absent_ticket = batch[3]["ticket_id"]
    assert site.send(batch)["accepted"] == 5
    first = looked_up(client, on_time)
    assert first["status"] == "checked_in" and first["changeable"] is False
    assert first["status_vi"] == f"Đã đến làm thủ tục lúc {local_hhmm(came)}"
    assert looked_up(client, late)["status"] == "checked_in_late"
    assert looked_up(client, cancelled)["status"] == "cancelled"  # stays cancelled
    assert looked_up(client, missed)["status"] == "active"  # its day is not over yet

    # A used booking is neither cancelled nor moved, and stays as it was.
    for action, body in (("cancel", None), ("move", {"slot_start": slots[10]["start"]})):
        refused = client.post(f"/api/book/{on_time['code']}/{action}", json=body)
        assert refused.status_code == 409 and refused.json["error"]["code"] == "not_active"
        assert "đã được dùng" in refused.json["error"]["message"]
    assert looked_up(client, on_time)["slot_start"] == on_time["slot_start"]
    # The booked citizen checked in early still holds the slot: nobody else gets it.
    again = client.get(f"/api/book/sites/{SITE}/slots?service=CCCD&day={day}").json["slots"]
    assert next(s for s in again if s["start"] == on_time["slot_start"])["free"] == 1

    # A requeued first no-show may still be served: not yet the booking's no-show.
    site.send([site.event("ticket_no_show", came + 1800, ticket_id=absent_ticket, counter=1,
                          requeued=True)])
    assert looked_up(client, absent)["status"] == "checked_in"
    closing = [site.event("ticket_no_show", came + 2400, ticket_id=absent_ticket, counter=1,
                          requeued=False),
               site.event("day_closed", came + 9 * 3600, day=day, summary={})]
    assert site.send(closing)["accepted"] == 2
    gone = looked_up(client, absent)
    assert gone["status"] == "no_show" and "vắng mặt khi được gọi" in gone["status_vi"]
    never = looked_up(client, missed)
    assert never["status"] == "missed" and never["changeable"] is False
    assert never["status_vi"] == "Lịch hẹn đã qua, không đến"
    assert client.post(f"/api/book/{missed['code']}/cancel").json["error"]["code"] == \
        "not_active"

    # The same batches again (an agent that lost the answers) change nothing.
    engine = sa.create_engine(hub_db)
    read = sa.text("SELECT id, status, ticket_id, checked_in_at, rev FROM hub_bookings "
                   "WHERE site_id = :s ORDER BY id")
    with engine.connect() as conn:
        before = conn.execute(read, {"s": SITE}).fetchall()
    site.seq = 0
    assert site.send(batch)["accepted"] == 0
    with engine.connect() as conn:
        assert conn.execute(read, {"s": SITE}).fetchall() == before
    engine.dispose()


def test_a_booked_day_the_site_never_opened_is_missed_when_it_opens_a_later_one(hub):
    app, store, key, day, slots = hub
    client = app.test_client()
    made = book(client, slots[20], "0922000001")
    later = (datetime.date.fromisoformat(day) + datetime.timedelta(days=1)).isoformat()
    site = Site(client, key)
    site.seq = store.site(SITE)["last_seq"]
    site.send([site.event("day_opened", time.time(), day=later)])
    assert looked_up(client, made)["status"] == "missed"
