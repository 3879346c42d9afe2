"""The wait printed on a ticket is the one estimator's wording, read back from the ESC/POS
bytes: a ticket made by the real engine and view, rendered, decoded (issue 8: the printed
ticket never says "~0 phút", says "Chưa mở quầy" with no counter open and "trên 60 phút" for
a long wait)."""
import sys
from pathlib import Path

import pytest

from escpos_decoder import decode, text_lines
from printer_drivers import render_ticket
from server.views import print_site, ticket_view

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "engine"))
from engine_support import Sim, make_site, service  # noqa: E402


def printed(sim, ticket, paper="80mm"):
    view = ticket_view(sim.state, sim.state.tickets[ticket.id], "http://10.0.0.2:5000")
    ops = decode(render_ticket(view, print_site(sim.site), paper=paper, mode="text"))
    return " ".join(text_lines(ops))


SITE = make_site(services=[service("S", "A", expected_service_minutes=15),
                           service("T", "B", expected_service_minutes=10)],
                 counters=[["S"], ["T"]])


@pytest.mark.parametrize("paper", ["58mm", "80mm"])
def test_the_first_citizen_at_an_open_counter_reads_soon_never_zero_minutes(paper):
    sim = Sim(SITE, counters=[1])
    text = printed(sim, sim.issue("S"), paper)
    assert "Thời gian chờ dự kiến: Sắp tới lượt" in text
    assert "Estimated wait: Very soon" in text
    assert "0 phút" not in text and "~" not in text


def test_no_counter_open_prints_so():
    sim = Sim(SITE, counters=[1])  # counter 2, the only one for T, is closed
    text = printed(sim, sim.issue("T"))
    assert "Thời gian chờ dự kiến: Chưa mở quầy" in text
    assert "Estimated wait: No counter open" in text


def test_a_long_wait_prints_over_60_minutes():
    sim = Sim(SITE, counters=[1])
    tickets = [sim.issue("S") for _ in range(12)]
    text = printed(sim, tickets[-1])
    assert "Thời gian chờ dự kiến: trên 60 phút" in text and "over 60 min" in text


def test_a_middling_wait_prints_the_same_words_as_the_screens():
    sim = Sim(SITE, counters=[1])
    tickets = [sim.issue("S") for _ in range(3)]
    view = ticket_view(sim.state, tickets[-1])
    text = printed(sim, tickets[-1])
    assert f"Thời gian chờ dự kiến: {view['eta']['text_vi']}" in text
    assert view["eta"]["kind"] == "minutes" and "phút" in view["eta"]["text_vi"]
