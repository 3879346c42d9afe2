"""Rotating the hub's booking HMAC key (`qms hub rotate-booking-key`), on real PostgreSQL and a
real site store: the hub cannot re-hash (it never keeps a clear CCCD number), so keys are
versioned. After a rotation the old bookings still block a second booking of the same number
and are still found at the site's kiosk by the CCCD card; new bookings use the new key; the
old key leaves the hub and the site once its last booking has ended."""
import time

import requests
import sqlalchemy as sa
from click.testing import CliRunner

import pytest

from server.appointments import kept
from server.appointments.checkin import find_booking
from server.appointments.fetch import BookingFetcher
from server.cli import main
from server.engine.site import site_from_dict
from server.hub.agent import HubLink
from server.hub.app import create_hub_app
from server.hub.booking_store import KEY_GRACE_SECONDS, keyed_hash
from server.store import open_store
from support.inprocess import FlaskTransport

from booking_kit import NO_BUDGET, booking_settings, register_site
from test_booking import book, first_slots

OLD_CCCD, NEW_CCCD = "079100000001", "079100000002"


def card_qr(number):
    return f"{number}|025123456|NGUYỄN VĂN A|01011960|Nam|Quận 1, TP. Hồ Chí Minh|01012021"


@pytest.fixture(scope="module")
def hub(hub_db):
    app = create_hub_app(hub_db, {"ASYNC_MODE": "threading", "TESTING": True,
                                  **NO_BUDGET})
    store = app.extensions["qms.hub.store"]
    key = register_site(store, "rk")
    yield app, store, key
    store.close()


@pytest.fixture
def site_store(tmp_path, hub):
    """The site's store and its fetch of bookings from the hub (the hub's app behind
    requests, as `qms sync` asks it)."""
    app, _, key = hub
    session = requests.Session()
    session.mount("http://hub.test", FlaskTransport(app))
    store = open_store(f"sqlite:///{tmp_path}/site.sqlite3")
    fetcher = BookingFetcher(store, site_from_dict(booking_settings("rk")),
                             HubLink("http://hub.test", "rk", key, session=session))
    yield store, fetcher
    store.close()


def stored_keys(hub_db):
    engine = sa.create_engine(hub_db)
    with engine.connect() as conn:
        names = conn.execute(sa.text("SELECT name FROM hub_secrets WHERE name LIKE "
                                     "'booking_hmac%' ORDER BY name")).scalars().all()
    engine.dispose()
    return names


def test_rotate_old_bookings_still_match_and_block_new_ones_use_the_new_key(hub, hub_db,
                                                                             site_store):
    app, _, _ = hub
    client = app.test_client()
    bookings = app.extensions["qms.hub.bookings"]
    slots = first_slots(client, site="rk")["slots"]
    old = book(client, slots[2], phone="0966000001", site="rk", cccd=OLD_CCCD)
    assert old.status_code == 201, old.json
    assert stored_keys(hub_db) == ["booking_hmac.1"]
    rotated = CliRunner().invoke(main, ["hub", "--store", hub_db, "rotate-booking-key"])
    assert rotated.exit_code == 0, rotated.output
    assert "new booking key: 2" in rotated.output
    assert "key 1 kept until its 1 booking(s) in use end" in rotated.output
    assert stored_keys(hub_db) == ["booking_hmac.1", "booking_hmac.2"]
    # The old booking still blocks its numbers: hashed with every key kept.
    for phone, cccd in (("0966000001", None), ("0966000002", OLD_CCCD)):
        again = book(client, slots[3], phone=phone, site="rk", cccd=cccd)
        assert again.status_code == 409 and again.json["error"]["code"] == "already_booked"
    new = book(client, slots[3], phone="0966000003", site="rk", cccd=NEW_CCCD)
    assert new.status_code == 201, new.json
    keys = bookings.keys()
    assert sorted(keys) == [1, 2] and bookings.key() == keys[2]
    # The site fetches both bookings, each with its key id, and the two keys.
    store, fetcher = site_store
    assert fetcher.fetch() >= 2
    assert kept.keys(store, "rk") == keys
    rows = {r["code"]: r for r in kept.of_day(store, "rk", old.json["day"])}
    old_row, new_row = rows[old.json["code"].replace("-", "")], \
        rows[new.json["code"].replace("-", "")]
    assert (old_row["key_id"], new_row["key_id"]) == (1, 2)
    assert new_row["cccd_hash"] == keyed_hash(keys[2], "cccd", NEW_CCCD)
    # The kiosk finds each by the card, whichever key it was hashed with.
    day = old.json["day"]
    assert find_booking(store, "rk", day, cccd_qr=card_qr(OLD_CCCD))["id"] == old.json["id"]
    assert find_booking(store, "rk", day, cccd_qr=card_qr(NEW_CCCD))["id"] == new.json["id"]


def test_the_old_key_goes_when_its_last_booking_has_ended(hub, hub_db, site_store):
    app, _, _ = hub
    client = app.test_client()
    bookings = app.extensions["qms.hub.bookings"]
    bookings.rotate()  # key 3; key 1 still holds the first test's booking, key 2 the second
    assert stored_keys(hub_db) == ["booking_hmac.1", "booking_hmac.2", "booking_hmac.3"]
    made = book(client, first_slots(client, site="rk")["slots"][6], phone="0966000004",
                site="rk", cccd="079100000004").json
    assert made["status"] == "active"
    engine = sa.create_engine(hub_db)
    with engine.connect() as conn:
        by_key = conn.execute(sa.text("SELECT code, key_id, slot_end FROM hub_bookings "
                                      "WHERE site_id = 'rk' AND status = 'active'")).all()
    engine.dispose()
    assert bookings.retire_keys() == []  # keys 1 and 2 each still hold an active booking
    # Key 2's last booking is cancelled: nothing needs key 2 any more.
    for code, key_id, _ in by_key:
        if key_id == 2:
            assert client.post(f"/api/book/{code}/cancel").status_code == 200
    assert bookings.retire_keys() == [2]
    assert stored_keys(hub_db) == ["booking_hmac.1", "booking_hmac.3"]
    # Key 1 goes a day after its last booking's slot (nobody late can come for it then).
    last_end = max(end for _, key_id, end in by_key if key_id == 1)
    assert bookings.retire_keys(now=last_end + KEY_GRACE_SECONDS - 60) == []
    assert bookings.retire_keys(now=last_end + KEY_GRACE_SECONDS + 60) == [1]
    assert stored_keys(hub_db) == ["booking_hmac.3"]
    # The site's next fetch drops the retired keys too.
    store, fetcher = site_store
    fetcher.fetch()
    assert list(kept.keys(store, "rk")) == [3]


def test_a_hub_of_the_release_before_keeps_its_key_as_key_1():
    """A hub database at h0005 (one "booking_hmac" key, bookings hashed with it) upgrades: the
    key becomes key 1 and its bookings name it, so nothing booked before is lost."""
    from alembic import command

    from server.hub import migrations
    from server.store.migrations import alembic_config
    from support.databases import fresh_postgres
    with fresh_postgres("qms_hub_keys") as url:
        engine = sa.create_engine(url)
        with engine.begin() as conn:
            command.upgrade(alembic_config(conn, migrations.HERE), "h0005")
            conn.execute(sa.text("INSERT INTO hub_secrets(name, secret) VALUES "
                                 "('booking_hmac', 'the-old-key')"))
            conn.execute(sa.text(
                "INSERT INTO hub_bookings(id, site_id, service, day, slot_start, slot_end, code, "
                "status, cccd_hash, created_at, rev) VALUES ('bk_1', 'rk', 'CCCD', '2026-12-01', "
                "1, 2, 'ABCDEFGHJ', 'active', :h, 0, 1)"),
                {"h": keyed_hash("the-old-key", "cccd", OLD_CCCD)})
        migrations.upgrade(url)
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT name, secret FROM hub_secrets WHERE name LIKE "
                                        "'booking%'")).all() == [("booking_hmac.1",
                                                                  "the-old-key")]
            assert conn.execute(sa.text("SELECT key_id FROM hub_bookings")).scalar() == 1
        engine.dispose()


def test_two_hub_processes_never_both_book_one_number_across_a_rotation(hub, hub_db):
    """One process books a CCCD number hashed with the old key and has not committed; another,
    which already knows the new key, books the same number: it waits on the old key's hash
    lock, then is refused (without the lock on every kept key's hash both would pass)."""
    import threading

    from server.hub.booking_slots import Slot
    from server.hub.booking_store import BookingRefused, hub_bookings
    from support.waiting import wait_until
    app, _, _ = hub
    bookings = app.extensions["qms.hub.bookings"]
    number, now = "079100000099", time.time()
    slot = Slot(now + 7200, now + 9000, 100, 0)
    # The old key is in use (a booking made with it), so the rotation below keeps it.
    assert bookings.create("rk", "CCCD", slot, "2026-12-02", "0966000098", "079100000098",
                           False, now)["status"] == "active"
    first = bookings.engine.connect()
    transaction = first.begin()
    old_keys = bookings.keys(first)
    old_id = max(old_keys)
    bookings._hold_limit(first, "CCCD", [("cccd", number)], old_keys, now)
    first.execute(hub_bookings.insert(), {
        "id": "bk_first", "site_id": "rk", "service": "CCCD", "day": "2026-12-02",
        "slot_start": slot.start, "slot_end": slot.end, "code": "FIRST0001", "status": "active",
        "cccd_hash": keyed_hash(old_keys[old_id], "cccd", number), "created_at": now,
        "rev": 10**6, "key_id": old_id})
    new_id, _ = bookings.rotate()  # the second process books with the new key
    outcome = []

    def second():
        try:
            outcome.append(bookings.create("rk", "CCCD", slot, "2026-12-02", "0966000099",
                                           number, False, now))
        except BookingRefused as refused:
            outcome.append(refused.code)
    thread = threading.Thread(target=second)
    thread.start()
    waiting = sa.text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                      "AND wait_event_type = 'Lock' AND wait_event = 'advisory'")
    watcher = sa.create_engine(hub_db)
    with watcher.connect() as conn:
        wait_until(lambda: conn.execute(waiting).scalar() == 1, timeout=10,
                   message="the second booking waiting on the number's lock")
    watcher.dispose()
    assert outcome == []
    transaction.commit()
    first.close()
    thread.join(10)
    assert outcome == ["already_booked"] and new_id > old_id
