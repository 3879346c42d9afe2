"""The public HTTP API against a real site process: what a citizen's device may do."""
import uuid

from support import inprocess as web

from support.inprocess import InProcessSite
from server.app import DEMO_SITE
from support.server_process import kiosk_headers, take_ticket


def test_health_services_and_state(shared_site):
    base = shared_site.url
    health = web.get(base + "/healthz").json()
    assert health["ok"] is True and health["day_open"] is True
    services = web.get(base + "/api/services").json()
    codes = [s["code"] for s in services["services"]]
    assert codes == ["CCCD", "VNEID", "PICKUP", "CORRECT", "VEHICLE"]
    assert {g["code"] for g in services["priority_groups"]} >= {"elderly", "disability", "pregnant"}
    state = web.get(base + "/api/state").json()
    assert state["site"]["id"] == "demo-ben-nghe" and len(state["counters"]) == 5
    filtered = web.get(base + "/api/state?services=CCCD&counters=1,2").json()
    assert [s["code"] for s in filtered["services"]] == ["CCCD"]
    assert [c["number"] for c in filtered["counters"]] == [1, 2]


def test_take_ticket_answers_201_with_the_documented_fields(shared_site):
    answer = take_ticket(shared_site.url, "VNEID", priority="elderly")
    assert answer.status_code == 201
    ticket = answer.json()["ticket"]
    assert set(ticket) >= {"id", "number", "service", "priority", "status", "position",
                           "eta_minutes", "issued_at", "track_url"}
    assert ticket["number"].startswith("B") and ticket["service"] == "VNEID"
    assert ticket["priority"] == "elderly" and ticket["status"] == "waiting"
    assert ticket["track_url"].endswith(f"/t/{ticket['track']}")
    again = web.get(f"{shared_site.url}/api/tickets/{ticket['track']}").json()["ticket"]
    assert again["number"] == ticket["number"] and again["position"] == ticket["position"]


def test_same_request_id_answers_the_same_ticket(shared_site):
    request_id = uuid.uuid4().hex
    first = take_ticket(shared_site.url, "PICKUP", request_id=request_id)
    second = take_ticket(shared_site.url, "PICKUP", request_id=request_id)
    assert first.status_code == 201 and second.status_code == 200
    assert first.json()["ticket"]["id"] == second.json()["ticket"]["id"]
    waiting = [s for s in web.get(shared_site.url + "/api/state").json()["services"]
               if s["code"] == "PICKUP"][0]["waiting"]
    assert waiting == 1


def test_numbers_rise_per_service(shared_site):
    labels = [take_ticket(shared_site.url, "CORRECT").json()["ticket"]["number"] for _ in range(3)]
    numbers = [int(label[1:]) for label in labels]
    assert all(label.startswith("D") for label in labels)
    assert numbers == list(range(numbers[0], numbers[0] + 3))


def _refused(answer, status, code=None):
    assert answer.status_code == status, answer.text
    error = answer.json()["error"]
    assert error["message"] and error["message_en"]
    if code:
        assert error["code"] == code
    return error


def _waiting_total(base):
    return sum(s["waiting"] for s in web.get(base + "/api/state").json()["services"])


def test_bad_input_is_refused_and_changes_nothing(shared_site):
    base = shared_site.url
    before = web.get(base + "/api/state").json()
    kiosk = kiosk_headers(base)

    def post(headers=None, **kw):
        return web.post(base + "/api/tickets", headers=dict(kiosk, **(headers or {})), **kw)
    _refused(post(data="{not json", headers={"Content-Type": "application/json"}), 400, "bad_json")
    _refused(post(data="service=CCCD", headers={"Content-Type": "text/plain"}), 415, "not_json")
    _refused(post(json=["CCCD"]), 400, "bad_input")
    _refused(post(json={"service": "NOPE", "request_id": "r1"}), 404, "unknown_service")
    _refused(post(json={"service": 7, "request_id": "r2"}), 400, "bad_field")
    _refused(post(json={"service": "CCCD"}), 400, "missing_field")
    _refused(post(json={"service": "CCCD", "request_id": "  "}), 400)
    _refused(post(json={"service": "CCCD", "request_id": "x" * 65}), 400, "bad_field")
    _refused(post(json={"service": "CCCD", "request_id": "r3", "priority": "vip"}), 422,
             "unknown_priority")
    _refused(post(json={"service": "CCCD", "request_id": "r4", "pad": "x" * 20000}), 413)
    _refused(web.get(base + "/api/tickets/nO-sUch-tIcKeT-tOkEn"), 404, "unknown_ticket")
    _refused(web.get(base + "/api/tickets/1"), 401, "not_signed_in")  # ids are for officers
    _refused(web.get(base + "/api/state?counters=one"), 400)
    _refused(web.get(base + "/api/nothing-here"), 404)
    after = web.get(base + "/api/state").json()
    assert after["seq"] == before["seq"]


def test_citizen_cannot_act_as_officer(shared_site):
    base = shared_site.url
    ticket = take_ticket(base).json()["ticket"]
    for path in ("/api/counters/1/open", "/api/counters/1/call-next",
                 f"/api/tickets/{ticket['id']}/complete", f"/api/tickets/{ticket['id']}/cancel",
                 "/api/day/close", "/api/devices"):
        _refused(web.post(base + path, json={}), 401, "not_signed_in")
    _refused(web.get(base + "/api/counters/1/view"), 401)
    assert web.get(f"{base}/api/tickets/{ticket['track']}").json()["ticket"]["status"] == "waiting"


def test_wrong_password_is_refused(shared_site):
    answer = web.post(shared_site.url + "/api/login",
                           json={"username": "canbo", "password": "wrong-one"})
    _refused(answer, 401, "bad_credentials")
    _refused(web.post(shared_site.url + "/api/login",
                           json={"username": "nobody", "password": "whatever"}), 401)


def test_tickets_are_rate_limited_per_client(tmp_path):
    # A site that lets phones take tickets; loopback is a phone here (no kiosk token).
    site_file = tmp_path / "site.toml"
    site_file.write_text(open(DEMO_SITE, encoding="utf-8").read().replace(
        "[policy]\n", "[policy]\npublic_tickets_per_hour = 10\n", 1), encoding="utf-8")
    config = {"TICKET_RATE_LIMIT": "3/600", "SITE_FILE": str(site_file)}
    with InProcessSite(tmp_path / "instance", config=config) as site:
        request_ids = [uuid.uuid4().hex for _ in range(4)]
        answers = [take_ticket(site.url, request_id=r, anonymous=True) for r in request_ids]
        assert [a.status_code for a in answers] == [201, 201, 201, 429]
        error = _refused(answers[-1], 429, "rate_limited")
        assert "quá nhiều" in error["message"]
        assert int(answers[-1].headers["Retry-After"]) >= 1
        # A retry of an acknowledged request is not a new ticket and is not limited.
        assert take_ticket(site.url, request_id=request_ids[0], anonymous=True).status_code == 200
        assert _waiting_total(site.url) == 3


def test_openapi_document_lists_the_endpoints(shared_site):
    document = web.get(shared_site.url + "/api/openapi.json").json()
    assert document["openapi"].startswith("3.")
    for path in ("/healthz", "/api/services", "/api/state", "/api/tickets",
                 "/api/tickets/{ticket_id}", "/api/login", "/api/logout",
                 "/api/counters/{counter}/call-next", "/api/tickets/{ticket_id}/recall",
                 "/api/tickets/{ticket_id}/no-show", "/api/tickets/{ticket_id}/transfer",
                 "/api/tickets/{ticket_id}/complete", "/api/tickets/{ticket_id}/cancel",
                 "/api/counters/{counter}/pause", "/api/counters/{counter}/resume",
                 "/api/day/open", "/api/day/close"):
        assert path in document["paths"], path


def test_every_api_route_is_in_the_openapi_document(shared_site):
    """What is not described is not fuzzed (tests/fuzz): ratings and admin routes included."""
    import re
    documented = set(web.get(shared_site.url + "/api/openapi.json").json()["paths"])
    # Routes with a verb in the path are described verb by verb; the citizen's token shares
    # /api/tickets/{ticket_id}'s place.
    shapes = {re.sub(r"\{[^}]+\}", "{}", path) for path in documented}
    for rule in shared_site.app.url_map.iter_rules():
        if not rule.rule.startswith("/api/") or rule.rule == "/api/openapi.json":
            continue
        path = re.sub(r"<(?:[^:>]+:)?(\w+)>", r"{\1}", rule.rule)
        if path.endswith(("/{verb}", "/{switch}")):
            prefix = path.rsplit("/", 1)[0]
            assert any(p.startswith(prefix + "/") for p in documented), path
            continue
        assert re.sub(r"\{[^}]+\}", "{}", path) in shapes, path
