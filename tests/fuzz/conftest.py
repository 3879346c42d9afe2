"""Fixtures of the fuzz suite: one server per module, officer and print-agent credentials."""
import pytest

from support.server_process import Officer, ServerProcess, issue_device_token


@pytest.fixture(scope="module")
def fuzz_server(tmp_path_factory):
    # The anonymous fuzz signs in with random passwords for the demo names from this one
    # address; with the site's throttle the officer's own sign-in after it waits (429) for
    # as long as the examples happened to fail. The throttle has its own tests
    # (tests/security); here failures cost no delay and lock no one.
    with ServerProcess(tmp_path_factory.mktemp("fuzz-instance"), env={
            "QMS_SIGN_IN_BASE_DELAY": "0", "QMS_SIGN_IN_LOCK_FAILURES": "1000000"}) as proc:
        yield proc


@pytest.fixture(scope="module")
def officer(fuzz_server):
    return Officer(fuzz_server.url)


@pytest.fixture(scope="module")
def device_token(fuzz_server):
    return issue_device_token(fuzz_server.url, "K1")
