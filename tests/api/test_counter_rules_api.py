"""Counter rules through the HTTP API (real app, in process): the counter view lists the
actions the engine's tables allow, a counter cannot pause with a citizen called to it, no
transfer to a closed counter, and the counter picker says who holds each open counter."""
from support.server_process import Officer, take_ticket


def _ok(answer):
    assert answer.status_code == 200, answer.text
    return answer.json()


def _refused(answer, code):
    assert answer.status_code == 409, answer.text
    assert answer.json()["error"]["code"] == code
    return answer.json()["error"]


def _allowed(officer, number=1):
    view = _ok(officer.http.get(officer.base_url + f"/api/counters/{number}/view"))
    return view["counter"]["allowed"]


def test_allowed_actions_follow_the_tables_and_pause_waits_for_the_citizen(site):
    officer = Officer(site.url)
    assert _allowed(officer) == ["open_counter"]
    _ok(officer.post("/api/counters/1/open"))
    assert _allowed(officer) == ["pause_counter", "close_counter", "call_next", "call_ticket"]
    take_ticket(site.url, "CCCD", kiosk="K1")
    ticket = _ok(officer.post("/api/counters/1/call-next"))["ticket"]
    assert _allowed(officer) == ["recall", "start", "complete", "no_show", "transfer", "cancel",
                                 "reprint"]
    error = _refused(officer.post("/api/counters/1/pause"), "counter_busy")
    assert ticket["number"] in error["message"]
    _ok(officer.post(f"/api/tickets/{ticket['id']}/start"))
    assert _allowed(officer) == ["complete", "transfer", "cancel", "reprint"]
    _refused(officer.post("/api/counters/1/pause"), "counter_busy")
    _ok(officer.post(f"/api/tickets/{ticket['id']}/complete", {"outcome": "accepted"}))
    _ok(officer.post("/api/counters/1/pause"))
    assert _allowed(officer) == ["resume_counter", "close_counter"]


def test_no_transfer_to_a_closed_counter(site):
    officer = Officer(site.url)
    _ok(officer.post("/api/counters/1/open"))
    take_ticket(site.url, "CCCD")
    ticket = _ok(officer.post("/api/counters/1/call-next"))["ticket"]
    error = _refused(officer.post(f"/api/tickets/{ticket['id']}/transfer", {"to_counter": 2}),
                     "counter_closed")
    assert "đang đóng" in error["message"]
    _ok(officer.post("/api/counters/2/open"))
    moved = _ok(officer.post(f"/api/tickets/{ticket['id']}/transfer", {"to_counter": 2}))
    assert moved["ticket"]["status"] == "waiting"


def test_the_counter_picker_says_who_holds_each_open_counter(site):
    officer = Officer(site.url)
    admin = Officer(site.url, "admin", "admin123")
    _ok(officer.post("/api/counters/1/open"))
    _ok(admin.post("/api/counters/3/open"))
    rows = {c["number"]: c for c in _ok(officer.http.get(site.url + "/api/counters"))["counters"]}
    assert (rows[1]["officer"], rows[1]["officer_name"]) == ("canbo", "Cán bộ tiếp dân")
    assert (rows[3]["officer"], rows[3]["officer_name"]) == ("admin", "Quản trị điểm cấp")
    assert rows[2]["state"] == "closed" and rows[2]["officer"] is None
    assert site.get("/api/counters").status_code == 401  # not for citizens
