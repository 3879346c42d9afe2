"""The privacy scrub (server/hub/scrub.py) keeps every field the engine's replay and the
reports read, and nothing an officer typed; every event type of the engine is named."""
import json

from server.engine import SiteState
from server.engine.state import SiteState as StateClass
from server.hub.scrub import FIELDS, scrub
from server.reports.fold import fold
from server.simulate import simulate_days, uniform_profile
from server.site_file import DEMO_SITE, load_site

CCCD = "079123456789"


def test_every_event_type_of_the_engine_has_a_whitelist():
    handled = {name[len("_on_"):] for name in dir(StateClass) if name.startswith("_on_")}
    # A new event type must be looked at before anything of it leaves the site.
    assert handled == set(FIELDS)


def test_a_scrubbed_day_replays_and_reports_as_the_original():
    site = load_site(DEMO_SITE)
    days = simulate_days(site, uniform_profile(site, 60), days=2, keep_events=True)
    events = [e for day in days for e in day.kept_events]
    assert len(events) > 500
    sent = [scrub(e) for e in events]
    original, copy = SiteState(site), SiteState(site)
    for e, s in zip(events, sent):
        original.apply(e)
        copy.apply(s)
    assert copy.seq == original.seq and copy.last_summary == original.last_summary
    assert sorted(t.label for t in copy.waiting()) == sorted(t.label for t in original.waiting())
    first, last = days[0].day, days[-1].day
    ours = fold(site, events, first, last).as_dict()
    theirs = fold(site, sent, first, last).as_dict()
    for part in ("total", "services", "days", "hours", "counters"):
        assert theirs[part] == ours[part], part


def test_typed_text_a_cccd_a_token_and_officer_names_stay_home():
    typed = f"Ông Trần B, CCCD {CCCD}, số điện thoại 0912345678"
    base = {"site_id": "s", "seq": 7, "at": 1.0}
    cases = [
        dict(base, type="ticket_completed", ticket_id=3, counter=1, outcome="other", note=typed),
        dict(base, type="ticket_cancelled", ticket_id=3, reason=typed),
        dict(base, type="ticket_issued", ticket_id=7, service="CCCD", number=1, label="A001",
             priority=None, request_id=typed[:64], order=7, kiosk="K1", next_number=2,
             token="secret-tracking-token", phone="0912345678"),
        dict(base, type="counter_opened", counter=1, officer="nguyenvana"),
        dict(base, type="ticket_rated", ticket_id=3, counter=1, officer="nguyenvana",
             service="CCCD", level="satisfied", reason=""),
        dict(base, type="printer_status", kiosk="K1", status="offline",
             message=f"lỗi {CCCD}"),
        dict(base, type="some_future_event", anything=typed),
    ]
    for event in cases:
        out = json.dumps(scrub(event), ensure_ascii=False)
        for secret in (CCCD, "0912345678", "Trần", "secret-tracking-token", "nguyenvana"):
            assert secret not in out, (event["type"], secret)
    assert scrub(cases[1])["reason"] == "cancelled"
    assert scrub(dict(cases[1], reason="citizen_left"))["reason"] == "citizen_left"
    assert scrub(cases[-1]) == {"site_id": "s", "seq": 7, "type": "some_future_event", "at": 1.0}
    assert cases[0]["note"] == typed  # the site's own event is left as it was
