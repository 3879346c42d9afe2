"""Web Push for the tracking page (server/appointments/push.py, notify.WebPush) against a local
fake push service (a real HTTP server): the subscription is made as a browser makes it, the
push service checks the VAPID signature with the site's public key and decrypts what the
phone will show; gone subscriptions are given up, a busy service is tried again; bad or
private endpoints are refused and nothing is kept."""
import base64
import os

import pytest
import sqlalchemy as sa

from server.store.sql import site_notices, site_notify_optins
from support.fake_provider import FakeProvider, FakePushService, PushSubscriber
from support.inprocess import InProcessSite, get, post
from support.server_process import Officer, take_ticket
from support.waiting import wait_until

SUB = "mailto:cntt@congan.example.vn"


def push_site(tmp_path, service, **more):
    return InProcessSite(tmp_path / "instance", config={
        "NOTIFY_PUSH_SUB": SUB, "NOTIFY_PUSH_SERVICES": service.origin,
        "NOTIFY_BACKOFF": 0.01, "NOTIFY_AHEAD": 3, **more})


@pytest.fixture
def pushing_site(tmp_path):
    with FakePushService() as service:
        site = push_site(tmp_path, service)
        yield site, service
        site.stop()


def site_key(site):
    answer = get(f"{site.url}/api/push/key")
    assert answer.status_code == 200, answer.text
    return answer.json()["key"]


def optins(site):
    with site.runtime.store.engine.connect() as conn:
        return conn.execute(sa.select(site_notify_optins)).fetchall()


def outcome(site, ticket_id):
    with site.runtime.store.engine.connect() as conn:
        return conn.execute(sa.select(site_notices.c.outcome).where(
            site_notices.c.ticket_id == ticket_id)).scalar()


def serve_one(officer, counter=2):
    called = officer.post(f"/api/counters/{counter}/call-next").json()["ticket"]
    officer.post(f"/api/tickets/{called['id']}/complete", json={"outcome": "accepted"})


def test_the_push_reaches_the_phone_once_when_three_are_ahead(pushing_site):
    site, service = pushing_site
    phone = service.subscribe("citizen")
    officer = Officer(site.url)
    assert officer.post("/api/counters/2/open").status_code == 200
    for _ in range(5):
        take_ticket(site.url, "VNEID")
    mine = take_ticket(site.url, "VNEID").json()["ticket"]
    assert mine["position"] == 5
    asked = post(f"{site.url}/api/tickets/{mine['track']}/notify", json={"push": phone.subscription})
    assert asked.status_code == 200, asked.text
    assert asked.json()["notify"] == {"phone": None, "push": True}
    serve_one(officer)
    assert service.received == []  # four ahead: not yet
    serve_one(officer)
    wait_until(lambda: service.received, timeout=10, message="the push")
    serve_one(officer)
    serve_one(officer)  # two, then one ahead: no second message
    wait_until(lambda: outcome(site, mine["id"]) == "sent", timeout=10, message="the record")
    assert service.messages(site_key(site)) == [{
        "title": f"Số {mine['number']} sắp đến lượt",
        "body": "Còn 3 người nữa đến lượt bạn tại Quầy 2\n3 people ahead of you at counter 2",
        "url": f"/t/{mine['track']}", "sub": SUB, "ttl": 900, "urgency": "high"}]


def test_the_key_is_made_once_and_kept_across_restarts(pushing_site):
    site, _ = pushing_site
    key = site_key(site)
    raw = base64.urlsafe_b64decode(key + "=" * (-len(key) % 4))
    assert len(raw) == 65 and raw[0] == 4  # an uncompressed P-256 point, as subscribe() wants
    site.restart()
    assert site_key(site) == key


@pytest.mark.parametrize("answers, result, requests, history", [
    ([(410, {})], "gave_up", 1, ["gave up: subscription gone (HTTP 410)"]),
    ([(404, {})], "gave_up", 1, ["gave up: subscription gone (HTTP 404)"]),
    ([(503, {}), (429, {}), (201, {})], "sent", 3, ["retry: HTTP 503", "retry: HTTP 429"]),
    ([(503, {})], "gave_up", 4, ["retry: HTTP 503"] * 4),
])
def test_a_gone_subscription_is_given_up_and_a_busy_service_tried_again(
        tmp_path, answers, result, requests, history):
    with FakePushService(answers) as service:
        site = push_site(tmp_path, service)
        try:
            Officer(site.url).post("/api/counters/2/open")  # nobody is told before one opens
            mine = take_ticket(site.url, "VNEID").json()["ticket"]  # at the front: told at once
            asked = post(f"{site.url}/api/tickets/{mine['track']}/notify",
                         json={"push": service.subscribe().subscription})
            assert asked.status_code == 200, asked.text
            wait_until(lambda: outcome(site, mine["id"]), timeout=10, message="the outcome")
            done = site.app.extensions["qms.notify"].done[-1]
            assert (outcome(site, mine["id"]), len(service.received), done.history) == \
                (result, requests, history)
        finally:
            site.stop()


def test_a_text_and_a_push_each_go_once_when_only_the_push_is_retried(tmp_path):
    with FakeProvider() as sms, FakePushService([(503, {}), (201, {})]) as service:
        site = push_site(tmp_path, service, NOTIFY_SMS_URL=sms.url)
        try:
            officer = Officer(site.url)
            officer.post("/api/counters/2/open")
            for _ in range(5):
                take_ticket(site.url, "VNEID")
            mine = take_ticket(site.url, "VNEID").json()["ticket"]
            ref = mine["track"]
            # One kind at a time, as the page's two buttons send them: each keeps the other.
            both = [post(f"{site.url}/api/tickets/{ref}/notify", json={"phone": "0987654321"}),
                    post(f"{site.url}/api/tickets/{ref}/notify",
                         json={"push": service.subscribe().subscription})]
            assert [a.json()["notify"] for a in both] == [
                {"phone": "09xx xxx 321", "push": False}, {"phone": "09xx xxx 321", "push": True}]
            serve_one(officer)
            serve_one(officer)
            wait_until(lambda: outcome(site, mine["id"]), timeout=10, message="the outcome")
            done = site.app.extensions["qms.notify"].done[-1]
        finally:
            site.stop()
    assert (done.outcome, done.sent_by, done.tries) == ("sent", ["sms", "push"], 2)
    assert sms.texts() == ["Còn 3 người nữa đến lượt bạn tại Quầy 2"]  # not sent again
    assert len(service.received) == 2


def _b64(raw):
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


GOOD = PushSubscriber("https://fcm.googleapis.com/fcm/send/abc:def").subscription


def _with(endpoint=None, p256dh=None, auth=None):
    return {"endpoint": endpoint or GOOD["endpoint"],
            "keys": {"p256dh": p256dh or GOOD["keys"]["p256dh"], "auth": auth or GOOD["keys"]["auth"]}}


@pytest.mark.parametrize("subscription", [
    "https://fcm.googleapis.com/fcm/send/x",
    {"endpoint": GOOD["endpoint"]},
    {"endpoint": GOOD["endpoint"], "keys": "p256dh"},
    _with(endpoint="http://fcm.googleapis.com/fcm/send/x"),          # not https
    _with(endpoint="https://127.0.0.1/push"),                         # loopback
    _with(endpoint="https://localhost:8443/push"),
    _with(endpoint="https://10.0.0.8/push"),                          # the site's network
    _with(endpoint="https://192.168.1.1/push"),
    _with(endpoint="https://169.254.169.254/latest/meta-data"),       # cloud metadata
    _with(endpoint="https://[::1]/push"),
    _with(endpoint="https://fcm.googleapis.com.evil.example/x"),      # a look-alike host
    _with(endpoint="https://user@fcm.googleapis.com/x"),
    _with(endpoint="https://fcm.googleapis.com:8443/x"),
    _with(endpoint="https://fcm.googleapis.com/" + "x" * 1100),
    _with(p256dh=_b64(os.urandom(64))),                               # wrong length
    _with(p256dh=_b64(b"\x04" + bytes(64))),                          # not a point on P-256
    _with(p256dh="not base64url!"),
    _with(auth=_b64(os.urandom(15))),
    _with(auth="a+b/c="),                                             # base64, not base64url
])
def test_bad_or_private_subscriptions_are_refused_and_nothing_kept(pushing_site, subscription):
    site, service = pushing_site
    ref = take_ticket(site.url, "VNEID").json()["ticket"]["track"]
    answer = post(f"{site.url}/api/tickets/{ref}/notify", json={"push": subscription})
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["code"] == "bad_subscription"
    assert optins(site) == [] and service.received == []


def test_a_known_push_service_is_kept(pushing_site):
    site, _ = pushing_site
    officer = Officer(site.url)
    officer.post("/api/counters/2/open")
    for _ in range(5):  # far from the front: nothing is sent to the real service
        take_ticket(site.url, "VNEID")
    ref = take_ticket(site.url, "VNEID").json()["ticket"]["track"]
    for endpoint in ("https://fcm.googleapis.com/fcm/send/abc:def",
                     "https://updates.push.services.mozilla.com/wpush/v2/gAAAA",
                     "https://web.push.apple.com/QGx", "https://wns2-par02p.notify.windows.com/w/?token=x"):
        answer = post(f"{site.url}/api/tickets/{ref}/notify", json={"push": _with(endpoint)})
        assert answer.status_code == 200, (endpoint, answer.text)
    assert [row.push is not None for row in optins(site)] == [True]


def test_a_local_service_is_refused_unless_the_site_lists_it(tmp_path):
    with FakePushService() as service:
        site = InProcessSite(tmp_path / "instance", config={"NOTIFY_PUSH_SUB": SUB})
        try:
            ref = take_ticket(site.url, "VNEID").json()["ticket"]["track"]
            answer = post(f"{site.url}/api/tickets/{ref}/notify",
                          json={"push": service.subscribe().subscription})
            assert answer.status_code == 400 and \
                answer.json()["error"]["code"] == "bad_subscription"
            assert optins(site) == [] and service.received == []
        finally:
            site.stop()


def test_a_site_without_push_says_so(tmp_path):
    with FakeProvider() as sms:
        site = InProcessSite(tmp_path / "instance", config={"NOTIFY_SMS_URL": sms.url})
        try:
            key = get(f"{site.url}/api/push/key")
            assert key.status_code == 404 and key.json()["error"]["code"] == "notify_off"
            ref = take_ticket(site.url, "VNEID").json()["ticket"]["track"]
            answer = post(f"{site.url}/api/tickets/{ref}/notify", json={"push": GOOD})
            assert answer.status_code == 422 and answer.json()["error"]["code"] == "notify_off"
            assert optins(site) == []
        finally:
            site.stop()


def test_a_bad_contact_setting_stops_the_server_at_start(tmp_path):
    with pytest.raises(ValueError, match="QMS_NOTIFY_PUSH_SUB"):
        InProcessSite(tmp_path / "instance", config={"NOTIFY_PUSH_SUB": "cntt at congan"})
