"""Fixtures of the fuzz suite: one server per module, officer and print-agent credentials."""
import pytest

from support.server_process import Officer, ServerProcess, issue_device_token


@pytest.fixture(scope="module")
def fuzz_server(tmp_path_factory):
    with ServerProcess(tmp_path_factory.mktemp("fuzz-instance")) as proc:
        yield proc


@pytest.fixture(scope="module")
def officer(fuzz_server):
    return Officer(fuzz_server.url)


@pytest.fixture(scope="module")
def device_token(fuzz_server):
    return issue_device_token(fuzz_server.url, "K1")
