import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from support.server_process import ServerProcess  # noqa: E402


@pytest.fixture
def server(tmp_path):
    """A fresh demo site server (eventlet) in a subprocess, with today open."""
    with ServerProcess(tmp_path / "instance") as proc:
        yield proc


@pytest.fixture(scope="module")
def shared_server(tmp_path_factory):
    """One demo server for a module's read-mostly tests."""
    with ServerProcess(tmp_path_factory.mktemp("instance")) as proc:
        yield proc
