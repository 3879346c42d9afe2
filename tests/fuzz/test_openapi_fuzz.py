"""schemathesis against /api/openapi.json on a running server: no 5xx, every answer in schema.

Two runs over the operations of the document:

- anonymous (a citizen's phone, a kiosk, anyone on the site's Wi-Fi), with schemathesis's
  coverage phase (boundary values, every missing field and wrong type) plus random examples;
- signed in as an officer (session cookie + X-CSRF-Token), random examples only, on a site
  with tickets waiting and counters open, so the officer endpoints are exercised past the
  sign-in check against real tickets (small generated ids hit them).

Positive (schema-valid) and negative (schema-violating) inputs are generated. Checks: not a
server error, status code and content type documented, body matching the documented schema,
and schema-violating input refused with a 4xx. Example counts are bounded (about a minute for
the whole fuzz suite); raise FUZZ_EXAMPLES locally to dig deeper.
"""
import os
import uuid

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis import checks
from schemathesis.transport.requests import ManagedCookiesSession

from fuzzkit import server_still_serves
from support.server_process import kiosk_headers

# The whole file takes long (real processes): handed out first (tests/conftest.py).
pytestmark = pytest.mark.slow

# The recording upload takes a WAV body: schemathesis has no serializer for audio/wav, so
# it is given raw bytes (a real RIFF header or not) to send as is.
schemathesis.openapi.media_type("audio/wav", st.one_of(
    st.binary(max_size=2048), st.binary(max_size=512).map(lambda b: b"RIFF" + b)))

CHECKS = [checks.not_a_server_error, checks.status_code_conformance,
          checks.content_type_conformance, checks.response_schema_conformance,
          checks.negative_data_rejection]
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "5"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
                suppress_health_check=list(HealthCheck))


# The coverage phase sends every path each method it does not document. Flask answers all of
# them from one place (405, or its automatic OPTIONS/HEAD); the methods a browser, a script or
# curl really send are kept, PATCH/TRACE/QUERY/OPTIONS (the same 405 again, ~180 requests)
# are left out. FUZZ_ALL_METHODS=1 sends them all.
UNEXPECTED_METHODS = (None if os.environ.get("FUZZ_ALL_METHODS") else
                      ["get", "post", "put", "delete"])


@pytest.fixture(scope="module")
def api_schema(fuzz_server):
    coverage = {} if UNEXPECTED_METHODS is None else {"unexpected-methods": UNEXPECTED_METHODS}
    config = schemathesis.Config.from_dict({"phases": {"coverage": coverage}})
    return schemathesis.openapi.from_url(fuzz_server.url + "/api/openapi.json", config=config)


@pytest.fixture(scope="module")
def officer_schema(fuzz_server, officer):
    # Sign-in is fuzzed anonymously (and costs a password hash per try): random examples only.
    config = schemathesis.Config.from_dict({"phases": {"coverage": {"enabled": False}}})
    for i in range(30):
        answer = requests.post(fuzz_server.url + "/api/tickets", timeout=10, json={
            "service": ("CCCD", "VNEID", "PICKUP")[i % 3], "request_id": uuid.uuid4().hex,
            "kiosk": "K1"}, headers=kiosk_headers(fuzz_server.url, "K1"))
        assert answer.status_code == 201, answer.text
    for counter in (1, 2, 3):
        officer.post(f"/api/counters/{counter}/open")
    return schemathesis.openapi.from_url(fuzz_server.url + "/api/openapi.json", config=config)


@pytest.fixture(scope="module")
def wire():
    """One keep-alive connection pool for the ~1,400 requests (a new TCP connection each cost
    both sides a connect/accept); response cookies are dropped after each request, so no case
    sends what an earlier one was given."""
    with ManagedCookiesSession() as http:
        yield http


anonymous = schemathesis.pytest.from_fixture("api_schema")
as_officer = schemathesis.pytest.from_fixture("officer_schema")


@anonymous.parametrize()
@FUZZ
def test_api_anonymous(case, fuzz_server, wire):
    case.call_and_validate(base_url=fuzz_server.url, session=wire, checks=CHECKS, timeout=10)


@as_officer.exclude(path=["/api/logout", "/api/login"]).parametrize()
@FUZZ
def test_api_as_officer(case, fuzz_server, officer, wire):
    # The generated credentials are replaced by a real officer's where the case carries them;
    # a negative case that leaves one out stays without it and must be refused (401/403).
    if case.cookies and "session" in case.cookies:
        case.cookies["session"] = officer.http.cookies["session"]
    if case.headers and "X-CSRF-Token" in case.headers:
        case.headers["X-CSRF-Token"] = officer.csrf
    case.call_and_validate(base_url=fuzz_server.url, session=wire, checks=CHECKS, timeout=10)


def test_server_keeps_serving_after_the_fuzz(fuzz_server, officer):
    server_still_serves(fuzz_server.url)
    # The officer session survived the fuzz too (logout was left out on purpose).
    assert officer.http.get(fuzz_server.url + "/api/me", timeout=10).status_code == 200
