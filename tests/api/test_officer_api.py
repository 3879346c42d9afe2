"""Officer actions over HTTP against a real site: every action, every refusal."""
from support import inprocess as web

from support.server_process import Officer, take_ticket


def _ok(answer):
    assert answer.status_code == 200, answer.text
    return answer.json()


def _refused(answer, status, code):
    assert answer.status_code == status, answer.text
    assert answer.json()["error"]["code"] == code
    assert answer.json()["error"]["message"]


def _seq(base):
    return web.get(base + "/api/state").json()["seq"]


def test_a_counter_day(site):
    base = site.url
    officer = Officer(base)
    me = officer.http.get(base + "/api/me").json()
    assert me["officer"]["username"] == "canbo" and me["csrf_token"] == officer.csrf

    # A closed counter refuses to call, and the refusal changes nothing.
    take_ticket(base, "CCCD")
    seq = _seq(base)
    _refused(officer.post("/api/counters/1/call-next"), 409, "counter_not_open")
    assert _seq(base) == seq

    _ok(officer.post("/api/counters/1/open"))
    _refused(officer.post("/api/counters/1/open"), 409, "counter_already_open")
    called = _ok(officer.post("/api/counters/1/call-next"))
    ticket = called["ticket"]
    assert ticket["status"] == "called" and ticket["counter"] == 1
    assert called["counter"]["current"]["number"] == ticket["number"]
    _refused(officer.post("/api/counters/1/call-next"), 409, "counter_busy")

    recalled = _ok(officer.post(f"/api/tickets/{ticket['id']}/recall"))
    assert recalled["events"] == ["ticket_recalled"]
    _ok(officer.post(f"/api/tickets/{ticket['id']}/start"))
    _refused(officer.post(f"/api/tickets/{ticket['id']}/complete", {"outcome": "great"}), 422,
             "bad_outcome")
    done = _ok(officer.post(f"/api/tickets/{ticket['id']}/complete",
                            {"outcome": "returned_missing_info", "note": "thiếu ảnh"}))
    assert done["ticket"]["status"] == "done"
    _refused(officer.post(f"/api/tickets/{ticket['id']}/recall"), 409, "bad_ticket_status")

    # Nobody waiting.
    _refused(officer.post("/api/counters/1/call-next"), 409, "nobody_waiting")

    # No-show: requeued once, then dropped.
    take_ticket(base, "CCCD")
    first = _ok(officer.post("/api/counters/1/call-next"))["ticket"]
    requeued = _ok(officer.post(f"/api/tickets/{first['id']}/no-show"))["ticket"]
    assert requeued["status"] == "waiting"
    again = _ok(officer.post("/api/counters/1/call-next"))["ticket"]
    assert again["id"] == first["id"]
    dropped = _ok(officer.post(f"/api/tickets/{first['id']}/no-show"))["ticket"]
    assert dropped["status"] == "no_show"

    # Transfer to another service keeps the number; to a counter reserves it there.
    take_ticket(base, "CCCD")
    moving = _ok(officer.post("/api/counters/1/call-next"))["ticket"]
    _refused(officer.post(f"/api/tickets/{moving['id']}/transfer", {}), 400, "bad_transfer")
    _refused(officer.post(f"/api/tickets/{moving['id']}/transfer", {"to_service": "NOPE"}), 404,
             "unknown_service")
    moved = _ok(officer.post(f"/api/tickets/{moving['id']}/transfer", {"to_service": "VNEID"}))
    successor = moved["ticket"]
    assert successor["number"] == moving["number"] and successor["service"] == "VNEID"
    old = web.get(f"{base}/api/tickets/{moving['track']}").json()["ticket"]
    assert old["status"] == "transferred" and old["transferred_to"] == successor["id"]
    _refused(officer.post(f"/api/tickets/{successor['id']}/transfer", {"to_counter": 4}), 409,
             "counter_closed")
    _ok(officer.post("/api/counters/4/open"))
    to_counter = _ok(officer.post(f"/api/tickets/{successor['id']}/transfer", {"to_counter": 4}))
    reserved = to_counter["ticket"]
    assert _ok(officer.post("/api/counters/4/call-next"))["ticket"]["id"] == reserved["id"]

    # Call a given ticket; one already taken by another counter is refused.
    wanted = take_ticket(base, "CCCD").json()["ticket"]
    _ok(officer.post("/api/counters/2/open"))
    _ok(officer.post("/api/counters/2/call", {"ticket_id": wanted["id"]}))
    _ok(officer.post(f"/api/tickets/{reserved['id']}/complete", {"outcome": "accepted"}))
    _refused(officer.post("/api/counters/4/call", {"ticket_id": wanted["id"]}), 409, "ticket_taken")
    _ok(officer.post(f"/api/tickets/{wanted['id']}/cancel", {"reason": "công dân về"}))

    # Pause and resume.
    _ok(officer.post("/api/counters/2/pause"))
    take_ticket(base, "VNEID")
    _refused(officer.post("/api/counters/2/call-next"), 409, "counter_not_open")
    _refused(officer.post("/api/counters/3/resume"), 409, "counter_not_paused")
    _ok(officer.post("/api/counters/2/resume"))
    serving = _ok(officer.post("/api/counters/2/call-next"))["ticket"]

    # Closing the day ends every open ticket and answers the day's summary.
    take_ticket(base, "PICKUP")
    closed = _ok(officer.post("/api/day/close"))
    totals = closed["summary"]["totals"]
    assert totals["issued"] == 6 and totals["done"] == 2 and totals["no_show"] == 1
    assert totals["transferred"] == 2
    assert web.get(f"{base}/api/tickets/{serving['track']}").json()["ticket"]["status"] == "cancelled"
    _refused(officer.post("/api/day/close"), 409, "day_closed")
    _refused(officer.post("/api/counters/1/call-next"), 409, "day_closed")


def test_unknown_things_are_404(site):
    officer = Officer(site.url)
    _refused(officer.post("/api/counters/42/open"), 404, "unknown_counter")
    _refused(officer.post("/api/tickets/4242/recall"), 404, "unknown_ticket")
    _refused(officer.post("/api/counters/1/dance"), 404, "not_found")
    _refused(officer.post("/api/counters/1/call", {"ticket_id": "x"}), 400, "bad_field")


def test_csrf_token_is_required_for_officer_writes(site):
    officer = Officer(site.url)
    answer = officer.http.post(site.url + "/api/counters/1/open", json={})
    _refused(answer, 403, "csrf")
    answer = officer.http.post(site.url + "/api/counters/1/open", json={},
                               headers={"X-CSRF-Token": "forged"})
    _refused(answer, 403, "csrf")
    assert web.get(site.url + "/api/state").json()["counters"][0]["state"] == "closed"


def test_logout_ends_the_session(site):
    officer = Officer(site.url)
    _ok(officer.post("/api/logout"))
    _refused(officer.post("/api/counters/1/open"), 401, "not_signed_in")


def test_devices_are_for_admins_only(site):
    officer = Officer(site.url)
    _refused(officer.post("/api/devices", {"kiosk": "K1"}), 403, "admin_only")
    admin = Officer(site.url, "admin", "admin123")
    answer = admin.post("/api/devices", {"kiosk": "K1"})
    assert answer.status_code == 201 and len(answer.json()["token"]) >= 32


def test_session_cookie_is_httponly_and_strict(site):
    answer = web.post(site.url + "/api/login", json={"username": "canbo", "password": "canbo123"})
    cookie = answer.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie


def test_reopening_the_same_day_continues_numbering(site):
    officer = Officer(site.url)
    _refused(officer.post("/api/day/open"), 409, "day_already_open")
    first = take_ticket(site.url, "CCCD").json()["ticket"]["number"]
    _ok(officer.post("/api/day/close"))
    assert _ok(officer.post("/api/day/open"))["events"] == ["day_opened"]
    site.restart()  # and after a restart, the reopened day still knows its numbers
    second = take_ticket(site.url, "CCCD").json()["ticket"]["number"]
    assert int(second[1:]) == int(first[1:]) + 1
