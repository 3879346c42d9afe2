"""Kiosk check-in (POST /api/checkin) in process: a booking kept at the site becomes a booked
ticket by its code (any case, with dashes) or the CCCD card's QR (matched by the hub's keyed
hash); typos, unknown codes, unreadable QRs and phones are refused with a reason and change
nothing; a retried request answers the same ticket."""
import time

import pytest

from server.appointments import kept
from server.appointments.checkin import cccd_hash
from server.engine.site import site_from_dict, site_to_dict
from server.engine.stranded import stranded_reasons
from server.engine.hours import business_day
from server.hub.booking_code import _old_check, damm_digit, shown
from support.inprocess import InProcessSite, post
from support.server_process import Officer, kiosk_headers, take_ticket
from support.site_files import one_counter_booking_site

CODE = "01234567890" + damm_digit("01234567890")
EARLY = "98765432109" + damm_digit("98765432109")
# A code issued before codes became digits (8 of 31 characters and a mod-31 check character)
OLD = "ABCD2345" + _old_check("ABCD2345")
KEY = "hub-hmac-key"
CCCD = "001099012345"


@pytest.fixture(scope="module")
def booked(tmp_path_factory):
    folder = tmp_path_factory.mktemp("checkin")
    path = folder / "site.toml"
    path.write_text(one_counter_booking_site("checkin-test", "Điểm hẹn"), encoding="utf-8")
    site = InProcessSite(folder / "instance", site=path)
    rt = site.runtime
    now = time.time()
    day = business_day(rt.site, now)
    kept.keep(rt.store, rt.site.id, [
        {"id": "bk_code", "service": "CCCD", "day": day, "slot_start": now - 60,
         "slot_end": now + 1740, "code": CODE, "status": "active", "cccd_hash": None,
         "notify_phone": None, "rev": 1},
        {"id": "bk_card", "service": "CCCD", "day": day, "slot_start": now + 600,
         "slot_end": now + 2400, "code": "X" * 9, "status": "active",
         "cccd_hash": cccd_hash(KEY, CCCD), "notify_phone": None, "rev": 2},
        {"id": "bk_gone", "service": "CCCD", "day": day, "slot_start": now - 60,
         "slot_end": now + 1740, "code": "Y" * 9, "status": "cancelled", "cccd_hash": None,
         "notify_phone": None, "rev": 3},
        {"id": "bk_early", "service": "CCCD", "day": day, "slot_start": now + 1800,
         "slot_end": now + 3600, "code": EARLY, "status": "active", "cccd_hash": None,
         "notify_phone": None, "rev": 4},
        {"id": "bk_old", "service": "CCCD", "day": day, "slot_start": now - 60,
         "slot_end": now + 1740, "code": OLD, "status": "active", "cccd_hash": None,
         "notify_phone": None, "rev": 5}], 5, KEY, now)
    yield site
    site.stop()


def checkin(site, kiosk=True, **body):
    headers = kiosk_headers(site.url, "K1") if kiosk else {}
    return post(site.url + "/api/checkin", json=body, headers=headers, timeout=10)


def test_a_code_typed_any_way_checks_in_once(booked):
    first = checkin(booked, code=shown(CODE).lower(), request_id="c1")
    assert first.status_code == 201, first.text
    ticket = first.json()["ticket"]
    assert ticket["before_slot"] is False  # its slot has begun: in the line
    assert (ticket["number"], ticket["booked"]) == ("H001", True) and ticket["slot_start"]
    assert checkin(booked, code=CODE, request_id="c1").json()["ticket"]["id"] == ticket["id"]
    again = checkin(booked, code=CODE, request_id="c2")
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_checked_in"


def test_a_code_issued_before_codes_became_digits_still_checks_in(booked):
    """Booked yesterday with an alphanumeric code ("ABCD-2345-X"): today's digit codes must
    not turn it away (issue 13: codes became 12 digits)."""
    answer = checkin(booked, code=shown(OLD).lower(), request_id="old")
    assert answer.status_code == 201, answer.text
    assert answer.json()["ticket"]["booked"] is True
    wrong = OLD[:-1] + ("2" if OLD[-1] != "2" else "3")  # its own check still catches a typo
    assert checkin(booked, code=wrong, request_id="old2").json()["error"]["code"] == "bad_code"


def test_a_cccd_card_qr_finds_the_booking_by_the_keyed_hash(booked):
    answer = checkin(booked, cccd_qr=f"{CCCD}|012345678|TRẦN THỊ BÌNH|02021992|Nữ|Hà Nội|01012022",
                     request_id="card")
    assert answer.status_code == 201, answer.text
    assert answer.json()["ticket"]["booked"] is True


@pytest.mark.parametrize("body, status, code", [
    ({"code": CODE[:-1] + ("2" if CODE[-1] != "2" else "3")}, 422, "bad_code"),
    ({"code": CODE[:3] + CODE[4] + CODE[3] + CODE[5:]}, 422, "bad_code"),  # two digits swapped
    ({"code": "YYYY-YYYY-Y"}, 422, "bad_code"),
    ({"code": "2345 6789 012" + damm_digit("23456789012")}, 404, "no_booking"),
    ({"code": "2345-6789-" + _old_check("23456789")}, 404, "no_booking"),
    ({"cccd_qr": "not a card"}, 422, "bad_cccd_qr"),
    ({"cccd_qr": "079000000000|x"}, 404, "no_booking"),
    ({}, 400, "bad_input"),
])
def test_bad_check_ins_are_refused_and_change_nothing(booked, body, status, code):
    before = booked.runtime.state.seq
    answer = checkin(booked, request_id="bad", **body)
    assert answer.status_code == status and answer.json()["error"]["code"] == code, answer.text
    assert booked.runtime.state.seq == before


def test_a_phone_cannot_check_in(booked):
    answer = checkin(booked, kiosk=False, code=CODE, request_id="phone")
    assert answer.status_code == 403 and answer.json()["error"]["code"] == "kiosk_only"


def test_an_early_check_in_is_counted_on_the_counter_tablet(booked):
    """A citizen checked in before the slot waits outside the line: the tablet's view counts
    them in booked_later (it answered 500 with any such ticket present, and the tablet showed
    "Lỗi máy chủ" with every button dead)."""
    officer = Officer(booked.url)

    def booked_later():
        view = officer.http.get(booked.url + "/api/counters/1/view", timeout=10)
        assert view.status_code == 200, view.text
        return view.json()["queue"]["booked_later"]
    before = booked_later()  # the card's booking may be checked in already (its own test)
    early = checkin(booked, code=EARLY, request_id="early")
    assert early.status_code == 201
    assert booked_later() == before + 1
    # Its pages say the slot, not "you are next" (it is in no line before the slot).
    assert early.json()["ticket"]["before_slot"] is True
    track = early.json()["ticket"]["track"]
    assert booked.get(f"/api/tickets/{track}").json()["ticket"]["before_slot"] is True


def test_a_restart_with_booked_numbers_open_is_not_refused(booked):
    """`qms serve` refuses a file that re-letters a service with open tickets (stranded.py);
    the booked series' H numbers are not the service's letter (a site with one booked citizen
    checked in first could not restart: "CCCD has N unfinished tickets lettered H; the file
    says A")."""
    rt = booked.runtime
    checkin(booked, code=CODE, request_id="c1")  # H001 of the first test, if it has not run
    assert take_ticket(booked.url, "CCCD").status_code == 201
    assert stranded_reasons(rt.site, rt.state) == []
    data = site_to_dict(rt.site)
    data["services"][0]["letter"] = "B"
    relettered = site_from_dict(data)
    [reason] = stranded_reasons(relettered, rt.state)  # a real re-lettering still refused
    assert "lettered A; the file says B" in reason
