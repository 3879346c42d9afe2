"""DLE EOT answers -> PrinterStatus, per Epson's bit meanings; silence is never "paper OK"."""

import pytest

from printer_drivers.printer_status import interpret

READY = {1: 0x12, 2: 0x12, 4: 0x12}  # only the fixed bits 1 and 4 set


@pytest.mark.parametrize("answers, state", [
    (READY, "ok"),
    ({**READY, 4: 0x12 | 0x0C}, "paper_low"),  # near-end sensor bits 2,3
    ({**READY, 4: 0x12 | 0x60}, "paper_out"),  # end sensor bits 5,6
    ({1: 0x12 | 0x08, 2: 0x12 | 0x20, 4: 0x12 | 0x60}, "paper_out"),  # offline because of it
    ({1: 0x12 | 0x08, 2: 0x12 | 0x04, 4: 0x12}, "offline"),  # cover open
    ({1: 0x12 | 0x08, 2: 0x12 | 0x40, 4: 0x12}, "offline"),  # error (cutter...)
    ({1: 0x12 | 0x08, 2: 0x12, 4: 0x12}, "offline"),
    ({1: None}, "offline"),  # no answer at all
    ({1: 0x12, 2: None}, "offline"),
    ({**READY, 4: 0x00}, "offline"),  # not a status byte: fixed bits wrong
    ({**READY, 1: 0xFF}, "offline"),
])
def test_status_bytes(answers, state):
    assert interpret(answers).state == state


def test_messages_are_vietnamese_then_english():
    status = interpret({1: 0x1A, 2: 0x16, 4: 0x12})
    assert status.state == "offline"
    assert "nắp máy in đang mở" in status.message_vi
    assert "cover open" in status.message_en
    assert status.message.index("Máy in") < status.message.index("Printer")
    assert not status.ok


def test_silence_is_not_ok():
    status = interpret({1: None})
    assert not status.ok
    assert "no answer" in status.message_en
