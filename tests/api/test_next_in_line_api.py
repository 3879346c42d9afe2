"""One rule for who is next, end to end through the HTTP API: the counter tablet's "next"
list, what "Gọi tiếp" then calls, and the "people ahead" a kiosk shows before a touch."""
from support.server_process import Officer, take_ticket


def _ok(answer, status=200):
    assert answer.status_code == status, answer.text
    return answer.json()


def test_the_head_of_counter_2s_list_is_what_call_next_calls(site):
    """The demo day that showed priority B002 first on counter 2 while A016 was called: after
    two priority calls in a row (the site's limit) the normal ticket goes next."""
    officer = Officer(site.url)
    _ok(officer.post("/api/counters/2/open"))
    normals = [_ok(take_ticket(site.url, "CCCD"), 201)["ticket"] for _ in range(16)]
    take_ticket(site.url, "VNEID", priority="elderly")
    take_ticket(site.url, "CCCD", priority="pregnant")
    for _ in range(2):
        called = _ok(officer.post("/api/counters/2/call-next"))["ticket"]
        assert called["priority"]
        _ok(officer.post(f"/api/tickets/{called['id']}/complete", {"outcome": "accepted"}))
    b002 = _ok(take_ticket(site.url, "VNEID", priority="elderly"), 201)["ticket"]
    assert b002["number"] == "B002"

    for _ in range(6):
        shown = _ok(officer.http.get(site.url + "/api/counters/2/view"))["queue"]["next"]
        called = _ok(officer.post("/api/counters/2/call-next"))["ticket"]
        assert shown[0]["number"] == called["number"]
        _ok(officer.post(f"/api/tickets/{called['id']}/complete", {"outcome": "accepted"}))
    assert normals[0]["number"] == "A001"


def test_people_ahead_on_the_kiosk_is_the_place_the_ticket_gets(site):
    officer = Officer(site.url)
    _ok(officer.post("/api/counters/2/open"))
    for service, priority in (("CCCD", None), ("CCCD", None), ("VNEID", "elderly"),
                              ("VNEID", None), ("CCCD", "pregnant")):
        take_ticket(site.url, service, priority=priority)
    for code in ("CCCD", "VNEID"):
        shown = {s["code"]: s["ahead"] for s in _ok(site.get("/api/state"))["services"]}
        ticket = _ok(take_ticket(site.url, code), 201)["ticket"]
        assert ticket["position"] == shown[code]
