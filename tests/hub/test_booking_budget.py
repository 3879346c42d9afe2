"""The booking doors' budgets (server/hub/booking_budget.py), through the hub's own app on real
PostgreSQL: citizens behind one carrier-NAT IPv4 can all book, an IPv6 phone is its /64, and
what an abuser must vary has a budget of its own: the booking code, the phone number, and the
codes not found per address."""
import secrets

import pytest

from server.hub import booking_code
from server.hub.app import create_hub_app

from booking_kit import NO_BUDGET, register_site

NAT = {"REMOTE_ADDR": "113.161.0.7"}  # one carrier's public IPv4, shared by many phones


def _hub(hub_db, site_id, **rates):
    app = create_hub_app(hub_db, {"ASYNC_MODE": "threading", "TESTING": True, **rates})
    register_site(app.extensions["qms.hub.store"], site_id)
    return app


@pytest.fixture
def apps(hub_db):
    made = []

    def make(site_id, **rates):
        made.append(_hub(hub_db, site_id, **rates))
        return made[-1]
    yield make
    for app in made:
        app.extensions["qms.hub.store"].close()


def _slots(client, site):
    days = client.get(f"/api/book/sites/{site}/slots?service=CCCD").json["days"]
    return client.get(f"/api/book/sites/{site}/slots?service=CCCD&day={days[-1]}").json["slots"]


def _book(client, site, slot, phone, env=NAT):
    return client.post("/api/book", json={"site_id": site, "service": "CCCD",
                                          "slot_start": slot["start"], "phone": phone},
                       environ_base=env)


def _look(client, code, env=NAT):
    return client.get(f"/api/book/{code}", environ_base=env)


def test_twenty_citizens_behind_one_carrier_ipv4_all_book_and_look_up(apps):
    # The defaults: 20 bookings and 20 look-ups from one public IPv4 (40 requests) ran past
    # the old 30 an hour per address; each citizen's own budgets are far from spent.
    app = apps("nat")
    client = app.test_client()
    slots = _slots(client, "nat")
    for n in range(20):
        made = _book(client, "nat", slots[n // 2], f"09120000{n:02d}")
        assert made.status_code == 201, made.json
        looked = _look(client, made.json["code"].replace("-", ""))
        assert looked.status_code == 200 and looked.json["status"] == "active", looked.json


def test_an_ipv6_phone_is_counted_by_its_64(apps):
    app = apps("six", **dict(NO_BUDGET, BOOKING_RATE="3/3600"))
    client = app.test_client()
    one_phone = [{"REMOTE_ADDR": f"2001:db8:5:1::{n}"} for n in (1, 2, "abcd", 9)]
    answers = [_look(client, booking_code.new_code(), env).status_code for env in one_phone]
    assert answers == [404, 404, 404, 429]
    assert _look(client, booking_code.new_code(),
                 {"REMOTE_ADDR": "2001:db8:5:2::1"}).status_code == 404  # another phone
    # The IPv4 budget is the other one, not this small one.
    assert [_look(client, booking_code.new_code()).status_code for _ in range(4)] == [404] * 4


def test_an_ipv4_address_has_a_larger_budget_that_still_ends(apps):
    app = apps("four", **dict(NO_BUDGET, BOOKING_RATE="2/3600", BOOKING_RATE_IPV4="5/3600"))
    client = app.test_client()
    answers = [_look(client, booking_code.new_code()).status_code for _ in range(6)]
    assert answers == [404] * 5 + [429]
    mapped = {"REMOTE_ADDR": "::ffff:113.161.0.7"}  # the same IPv4 seen by a dual-stack socket
    assert _look(client, booking_code.new_code(), mapped).status_code == 429
    assert _look(client, booking_code.new_code(),
                 {"REMOTE_ADDR": "113.161.0.8"}).status_code == 404


def test_codes_cannot_be_tried_in_bulk_behind_the_larger_ipv4_budget(apps):
    app = apps("miss", **dict(NO_BUDGET, BOOKING_MISS_RATE="3/3600"))
    client = app.test_client()
    made = _book(client, "miss", _slots(client, "miss")[0], "0912000100",
                 {"REMOTE_ADDR": "113.161.9.9"}).json["code"]
    # A typo is refused by the check character and spends nothing of the misses.
    typo = made.replace("-", "")
    typo = typo[:-1] + ("2" if typo[-1] != "2" else "3")
    assert [_look(client, typo).status_code for _ in range(5)] == [422] * 5
    assert _look(client, made).status_code == 200
    guesses = [_look(client, booking_code.new_code()) for _ in range(4)]
    assert [g.status_code for g in guesses] == [404, 404, 404, 429]
    assert guesses[-1].json["error"]["code"] == "too_many_misses"
    # Spent: a real code from that address is refused too (else a hit would tell it exists),
    # another address is not.
    assert _look(client, made).status_code == 429
    assert _look(client, made, {"REMOTE_ADDR": "113.161.9.9"}).status_code == 200


def test_one_booking_code_has_its_own_budget_whatever_the_address(apps):
    app = apps("code", **dict(NO_BUDGET, BOOKING_CODE_RATE="3/3600"))
    client = app.test_client()
    slots = _slots(client, "code")
    made = _book(client, "code", slots[0], "0912000200").json["code"]
    other = _book(client, "code", slots[0], "0912000201").json["code"]
    many = [{"REMOTE_ADDR": f"2001:db8:{n}::1"} for n in range(1, 5)]
    answers = [_look(client, made, env) for env in many[:2]]
    answers.append(client.post(f"/api/book/{made}/move", json={"slot_start": slots[1]["start"]},
                               environ_base=many[2]))
    refused = client.post(f"/api/book/{made}/cancel", environ_base=many[3])
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert refused.status_code == 429 and refused.json["error"]["code"] == "too_many_for_code"
    assert _look(client, made).status_code == 429
    assert _look(client, other).json["status"] == "active"
    # The refused cancel changed nothing: the booking stands, in the slot it moved to.
    assert _slots(client, "code")[1]["free"] == 1


def test_one_phone_number_cannot_book_and_cancel_without_end(apps):
    app = apps("phone", **dict(NO_BUDGET, BOOKING_PHONE_RATE="2/3600"))
    client = app.test_client()
    slots = _slots(client, "phone")
    for n in range(2):
        made = _book(client, "phone", slots[n], "0912000300",
                     {"REMOTE_ADDR": f"2001:db8:{n}::1"}).json["code"]
        assert client.post(f"/api/book/{made}/cancel").json["status"] == "cancelled"
    refused = _book(client, "phone", slots[2], "+84 912 000 300", {"REMOTE_ADDR": "10.9.9.9"})
    assert refused.status_code == 429 and refused.json["error"]["code"] == "too_many_for_phone"
    assert _slots(client, "phone")[2]["free"] == 2
    assert _book(client, "phone", slots[2], "0912000301").status_code == 201


def test_hub_processes_on_one_message_queue_share_the_budgets(apps):
    # Two hub apps on the same Redis (as `qms hub --message-queue redis://…` processes): an
    # address's budget is the hub's, not a process's. A fresh /64 each run: the window lasts.
    rates = dict(NO_BUDGET, BOOKING_RATE="3/3600", MESSAGE_QUEUE="redis://127.0.0.1:6379/0")
    one, two = apps("mq1", **rates).test_client(), apps("mq2", **rates).test_client()
    net = f"{secrets.randbelow(65536):x}:{secrets.randbelow(65536):x}"
    phone = {"REMOTE_ADDR": f"2001:db8:{net}::1"}
    answers = [client.get(f"/api/book/{booking_code.new_code()}", environ_base=phone).status_code
               for client in (one, two, one, two)]
    assert answers == [404, 404, 404, 429]
