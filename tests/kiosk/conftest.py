import os
import sys

import pytest

# The kiosk tests' own modules (fake_printer, agent_process, kiosk_helpers) import by name.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from fake_printer import FakeNetworkPrinter  # noqa: E402


@pytest.fixture
def printer():
    fake = FakeNetworkPrinter()
    yield fake
    fake.close()
