"""Phone numbers kept to text a citizen are erased once their day is over (Decree 13/2023):
an opt-in's row and a booking's `notify_phone`, at the store's opening (a day before today)
and when the day is closed; the message still goes out while the day runs."""
import time

import sqlalchemy as sa

from server.appointments import kept
from server.engine.hours import business_day
from server.store.sql import site_bookings, site_notify_optins
from support.inprocess import post
from support.server_process import Officer, take_ticket
from support.waiting import wait_until

PHONE = "0987654321"


def booking(id, day, phone, now):
    return {"id": id, "service": "VNEID", "day": day, "slot_start": now + 3600,
            "slot_end": now + 5400, "code": id.upper()[:9], "status": "active",
            "cccd_hash": None, "notify_phone": phone, "rev": 1}


def phones(site):
    store, site_id = site.runtime.store, site.runtime.site.id
    with store.engine.connect() as conn:
        asked = conn.execute(sa.select(site_notify_optins.c.phone).where(
            site_notify_optins.c.site_id == site_id)).scalars().all()
        booked = dict(conn.execute(sa.select(site_bookings.c.id, site_bookings.c.notify_phone)
                                   .where(site_bookings.c.site_id == site_id)).all())
    return asked, booked


def test_yesterdays_booking_phone_is_erased_when_the_store_opens_todays_kept(texting_site):
    site, _ = texting_site
    rt = site.runtime
    now = time.time()
    today = business_day(rt.site, now)
    yesterday = business_day(rt.site, now - 86400)
    kept.keep(rt.store, rt.site.id, [booking("bk_old", yesterday, "0911000001", now - 86400),
                                     booking("bk_today", today, "0911000002", now)], 1, "k", now)
    site.restart()
    assert phones(site)[1] == {"bk_old": None, "bk_today": "0911000002"}
    # The booking itself is kept (reports, a late fetch): only the number goes.
    assert kept.by_id(site.runtime.store, site.runtime.site.id, "bk_old")["code"] == "BK_OLD"


def test_an_opt_in_is_texted_then_its_phone_goes_when_the_day_is_closed(texting_site):
    site, sms = texting_site
    rt = site.runtime
    now = time.time()
    kept.keep(rt.store, rt.site.id, [booking("bk_today", business_day(rt.site, now),
                                             "0911000002", now)], 1, "k", now)
    officer = Officer(site.url)
    assert officer.post("/api/counters/2/open").status_code == 200
    ahead = [take_ticket(site.url, "VNEID").json()["ticket"] for _ in range(4)]
    mine = take_ticket(site.url, "VNEID").json()["ticket"]
    asked = post(f"{site.url}/api/tickets/{mine['track']}/notify", json={"phone": PHONE})
    assert asked.status_code == 200, asked.text
    assert phones(site) == ([PHONE], {"bk_today": "0911000002"})  # needed: kept
    called = officer.post("/api/counters/2/call-next").json()["ticket"]
    assert called["id"] == ahead[0]["id"]
    wait_until(lambda: sms.received, timeout=10, message="the text")
    assert sms.received[0]["json"]["Phone"] == PHONE
    closed = officer.post("/api/day/close")
    assert closed.status_code == 200, closed.text
    assert phones(site) == ([], {"bk_today": None})
    watcher = site.app.extensions["qms.notify.watcher"]
    assert PHONE not in repr((watcher.opted, watcher.phones))  # nor in the process's memory
    site.restart()
    assert phones(site) == ([], {"bk_today": None})
