"""What the appointment tests share: a site in this process that texts through the local fake
SMS provider (a real HTTP server) when a citizen's turn nears."""
import pytest

from support.fake_provider import FakeProvider
from support.inprocess import InProcessSite


@pytest.fixture
def texting_site(tmp_path):
    with FakeProvider() as sms:
        site = InProcessSite(tmp_path / "instance", config={
            "NOTIFY_SMS_URL": sms.url, "NOTIFY_BACKOFF": 0.01, "NOTIFY_AHEAD": 3})
        yield site, sms
        site.stop()
