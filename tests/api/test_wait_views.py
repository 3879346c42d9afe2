"""The wait every surface gets from the API and the tracking page, from the one estimator
(issue 8, honest estimates): the ticket answer, GET /api/state, and /t/<token>."""
from support.server_process import Officer, take_ticket


def _ok(answer, status=200):
    assert answer.status_code == status, answer.text
    return answer.json()


def test_every_counter_closed_no_counter_open_everywhere(site):
    ticket = _ok(take_ticket(site.url, "CCCD"), 201)["ticket"]
    assert ticket["eta"]["kind"] == "closed" and ticket["eta_minutes"] is None
    assert (ticket["eta"]["text_vi"], ticket["eta"]["text_en"]) == ("Chưa mở quầy", "No counter open")
    state = _ok(site.http.get(site.url + "/api/state"))
    assert {s["eta"]["text_vi"] for s in state["services"]} == {"Chưa mở quầy"}
    page = site.http.get(f"{site.url}/t/{ticket['track']}")
    assert page.status_code == 200
    assert "Chưa mở quầy" in page.text and "No counter open" in page.text
    assert "phút chờ dự kiến" not in page.text  # the old "<n> phút" card is gone


def test_open_counter_then_a_long_queue(site):
    officer = Officer(site.url)
    _ok(officer.post("/api/counters/1/open"))
    first = _ok(take_ticket(site.url, "CCCD"), 201)["ticket"]
    assert first["eta"]["text_vi"] == "Sắp tới lượt" and first["eta_minutes"] == 0
    tickets = [_ok(take_ticket(site.url, "CCCD"), 201)["ticket"] for _ in range(14)]
    last = _ok(site.http.get(f"{site.url}/api/tickets/{tickets[-1]['track']}"))["ticket"]
    assert last["eta"]["kind"] == "long" and last["eta"]["text_vi"] == "trên 60 phút"
    middle = tickets[1]
    assert middle["eta"]["kind"] == "minutes" and "phút" in middle["eta"]["text_vi"]
    page = site.http.get(f"{site.url}/t/{tickets[-1]['track']}")
    assert "trên 60 phút" in page.text and "over 60 min" in page.text
    called = _ok(officer.post("/api/counters/1/call-next"))["ticket"]
    assert called["eta"] is None  # no longer waiting: no estimate
