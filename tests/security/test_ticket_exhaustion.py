"""Ticket exhaustion and forged kiosks (issue 9): kiosks are known devices; phones, where a
site allows them at all, share a small hourly budget per service that rotating source addresses
cannot stretch, and never a kiosk field or a priority claim."""
import pytest

from attack_kit import anonymous_ticket, client_from, loopback
from server.app import DEMO_SITE
from support.server_process import ServerProcess, issue_device_token, kiosk_headers, take_ticket

PHONE_BUDGET = 5


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("exhaustion")
    site = folder / "site.toml"
    site.write_text(open(DEMO_SITE, encoding="utf-8").read().replace(
        "[policy]\n", f"[policy]\npublic_tickets_per_hour = {PHONE_BUDGET}\n", 1),
        encoding="utf-8")
    with ServerProcess(folder / "instance", site=site) as proc:
        yield proc


def test_rotating_addresses_take_at_most_the_phones_hourly_budget(server):
    answers = [anonymous_ticket(client_from(loopback(i)), server.url, "VNEID") for i in range(40)]
    taken = [a for a in answers if a.status_code == 201]
    # Before: 5 per address, so 40 addresses took 200 numbers (200 addresses took all 999).
    assert len(taken) == PHONE_BUDGET
    refused = [a.json()["error"]["code"] for a in answers if a.status_code != 201]
    assert set(refused) == {"public_budget_spent"}
    # The kiosks' numbers are untouched: a paired kiosk still takes its ticket at once.
    assert take_ticket(server.url, "VNEID").status_code == 201


def test_an_unknown_client_cannot_name_a_kiosk_or_claim_priority(server):
    phone = client_from(loopback(50))
    forged = anonymous_ticket(phone, server.url, "CCCD", kiosk="K1")
    assert forged.status_code == 403  # before: 201, and K1's printer printed it
    assert forged.json()["error"]["code"] == "kiosk_credential_required"
    claimed = anonymous_ticket(phone, server.url, "CCCD", priority="elderly")
    assert claimed.status_code == 403  # before: 201 with a priority group
    assert claimed.json()["error"]["code"] == "priority_at_kiosk_only"


def test_a_kiosk_token_speaks_for_its_own_kiosk_only(server):
    k2_headers = {"X-Kiosk-Token": issue_device_token(server.url, "K2")}
    phone = client_from(loopback(51))
    as_k1 = phone.post(server.url + "/api/tickets", json={
        "service": "CCCD", "request_id": "k2-as-k1", "kiosk": "K1"}, headers=k2_headers, timeout=10)
    assert as_k1.status_code == 403 and as_k1.json()["error"]["code"] == "kiosk_mismatch"
    bogus = phone.post(server.url + "/api/tickets", json={"service": "CCCD", "request_id": "b1"},
                       headers={"X-Kiosk-Token": "not-a-token"}, timeout=10)
    assert bogus.status_code == 403 and bogus.json()["error"]["code"] == "unknown_device"
    own = phone.post(server.url + "/api/tickets", json={
        "service": "CCCD", "request_id": "k2-own", "kiosk": "K2", "priority": "elderly"},
        headers=k2_headers, timeout=10)
    assert own.status_code == 201 and own.json()["ticket"]["priority"] == "elderly"


def test_a_kiosk_is_never_limited_by_its_address(server):
    headers = kiosk_headers(server.url, "K0")
    http = client_from(loopback(52))
    answers = [http.post(server.url + "/api/tickets", headers=headers, timeout=10,
                         json={"service": "PICKUP", "request_id": f"hall-{i}"}) for i in range(12)]
    assert [a.status_code for a in answers] == [201] * 12
