"""Notifications (server/appointments/notify.py) against a local fake provider (a real HTTP
server): the SMS and Zalo shapes, retries with backoff, giving up cleanly, and a caller that
never waits for the provider."""
import threading

from server.appointments.notify import BrandnameSms, Message, Outbox, ZaloZns, turn_text
from support.fake_provider import FakeProvider
from support.waiting import wait_until


def message(ticket_id=7):
    return Message("0912345678", turn_text(3, "Quầy 2"), ticket_id, 3, "Quầy 2")


def finished(outbox, count=1):
    wait_until(lambda: len(outbox.done) >= count, timeout=10, message="the outbox to finish")
    return outbox.done[-1]


def test_the_sms_goes_to_the_providers_api_in_its_shape():
    with FakeProvider() as fake:
        outbox = Outbox([BrandnameSms(fake.url, "KEY", "SECRET", "CONGAN")], backoff=0.01)
        outbox.put(message())
        done = finished(outbox)
    assert done.outcome == "sent" and done.tries == 1
    sent = fake.received[0]["json"]
    assert sent["Content"] == "Còn 3 người nữa đến lượt bạn tại Quầy 2"
    assert (sent["Phone"], sent["ApiKey"], sent["SecretKey"], sent["Brandname"]) == \
        ("0912345678", "KEY", "SECRET", "CONGAN")


def test_a_failing_provider_is_tried_again_with_backoff_then_it_goes():
    answers = [(500, {}), (200, {"CodeResult": "99"}), (200, {"CodeResult": "100"})]
    with FakeProvider(answers) as fake:
        outbox = Outbox([BrandnameSms(fake.url, "K", "S", "B")], attempts=4, backoff=0.01)
        outbox.put(message())
        done = finished(outbox)
    assert (done.outcome, done.tries, len(fake.received)) == ("sent", 3, 3)
    assert done.history == ["retry: HTTP 500", "retry: CodeResult 99"]


def test_a_provider_down_for_good_is_given_up_after_the_attempts():
    with FakeProvider([(503, {})]) as fake:
        outbox = Outbox([BrandnameSms(fake.url, "K", "S", "B")], attempts=3, backoff=0.01)
        outbox.put(message(1))
        outbox.put(message(2))
        finished(outbox, 2)
    assert [m.outcome for m in outbox.done] == ["gave_up", "gave_up"]
    assert len(fake.received) == 6  # three tries each, then nothing more


def test_a_refused_number_is_given_up_at_once():
    with FakeProvider([(200, {"CodeResult": "789", "ErrorMessage": "bad phone"})]) as fake:
        outbox = Outbox([BrandnameSms(fake.url, "K", "S", "B")], attempts=4, backoff=0.01)
        outbox.put(message())
        done = finished(outbox)
    assert (done.outcome, done.tries, len(fake.received)) == ("gave_up", 1, 1)


def test_the_caller_never_waits_for_a_hanging_provider():
    hold = threading.Event()
    with FakeProvider(hold=hold) as fake:
        outbox = Outbox([BrandnameSms(fake.url, "K", "S", "B")], size=2, backoff=0.01)
        assert outbox.put(message(1))
        fake.arrived.wait(10)  # the provider holds the first message's request open
        # put() returns while the provider hangs; a full outbox drops, it does not block.
        assert outbox.put(message(2)) and outbox.put(message(3))
        assert outbox.put(message(4)) is False
        assert outbox.done == []
        hold.set()
        finished(outbox, 3)
    assert [m.ticket_id for m in outbox.done] == [1, 2, 3]


def test_zalo_zns_gets_its_template_with_the_figures():
    with FakeProvider([(200, {"error": 0, "message": "Success"})]) as fake:
        outbox = Outbox([ZaloZns(fake.url, "TOKEN", "tpl-42")], backoff=0.01)
        outbox.put(message())
        done = finished(outbox)
    request = fake.received[0]
    assert done.outcome == "sent" and request["headers"]["access_token"] == "TOKEN"
    assert request["json"]["phone"] == "84912345678"
    assert request["json"]["template_data"] == {"ahead": 3, "counter": "Quầy 2"}
