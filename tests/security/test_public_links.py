"""What a stranger can read (issue 9): public ticket links carry an unguessable token; the
sequential ids cannot be walked; a site that does not allow phones refuses them."""
import re

import pytest
import requests

from attack_kit import anonymous_ticket
from support.server_process import Officer, ServerProcess, take_ticket


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with ServerProcess(tmp_path_factory.mktemp("links")) as proc:
        take_ticket(proc.url, "CCCD", priority="elderly")
        take_ticket(proc.url, "VNEID", priority="disability")
        yield proc


def test_ticket_ids_cannot_be_walked(server):
    http = requests.Session()
    for ticket_id in range(1, 40):
        api = http.get(f"{server.url}/api/tickets/{ticket_id}", timeout=10)
        page = http.get(f"{server.url}/t/{ticket_id}", timeout=10)
        # Before: 200 with the ticket's number and priority group for every id.
        assert api.status_code == 401, ticket_id
        assert page.status_code == 404 and "elderly" not in page.text, ticket_id


def test_the_ticket_carries_an_unguessable_link_that_works(server):
    ticket = take_ticket(server.url, "PICKUP").json()["ticket"]
    token = ticket["track"]
    assert re.fullmatch(r"[A-Za-z0-9_-]{22,}", token)
    assert ticket["track_url"].endswith("/t/" + token)
    assert requests.get(f"{server.url}/api/tickets/{token}", timeout=10).json()[
        "ticket"]["number"] == ticket["number"]
    page = requests.get(f"{server.url}/t/{token}", timeout=10)
    assert page.status_code == 200 and ticket["number"] in page.text
    qr = requests.get(f"{server.url}/t/{token}/qr.svg", timeout=10)
    assert qr.status_code == 200 and qr.headers["Content-Type"].startswith("image/svg")
    # Officers still name tickets by id.
    officer = Officer(server.url)
    assert officer.http.get(f"{server.url}/api/tickets/{ticket['id']}", timeout=10).json()[
        "ticket"]["track"] == token


def test_a_site_that_does_not_allow_phones_refuses_them(server):
    answer = anonymous_ticket(requests.Session(), server.url, "CCCD")
    assert answer.status_code == 403  # before: 201 (5 per address, any number of addresses)
    assert answer.json()["error"]["code"] == "public_issuance_off"
