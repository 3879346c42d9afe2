"""Printer health from DLE EOT real-time status bytes, where silence is a fault.

A kiosk that believes "paper OK" from a printer that never answered keeps issuing tickets
nobody receives. So every query that gets no answer, or an answer that is not a status byte,
makes the printer "offline"; "unknown" is kept for one-way transports (CUPS) that cannot ask.

Bit meanings per Epson's ESC/POS reference for DLE EOT n. Every answer has bits 1 and 4 set and
bits 0 and 7 clear, which is how a status byte is told apart from stray data.
"""

from __future__ import annotations

from dataclasses import dataclass, field

OK, PAPER_LOW, PAPER_OUT, OFFLINE, UNKNOWN = "ok", "paper_low", "paper_out", "offline", "unknown"

PRINTER, OFFLINE_CAUSE, PAPER_SENSOR = 1, 2, 4  # the n of DLE EOT n that we ask
QUERIES = (PRINTER, OFFLINE_CAUSE, PAPER_SENSOR)

MESSAGES = {
    OK: ("Máy in sẵn sàng", "Printer ready"),
    PAPER_LOW: ("Giấy in sắp hết, hãy chuẩn bị cuộn giấy mới", "Paper roll nearly empty"),
    PAPER_OUT: ("Máy in hết giấy", "Printer is out of paper"),
    OFFLINE: ("Máy in không sẵn sàng", "Printer offline"),
    UNKNOWN: ("Không đọc được trạng thái máy in qua kết nối này",
              "This connection cannot report the printer's status"),
}


@dataclass(frozen=True)
class PrinterStatus:
    state: str  # ok | paper_low | paper_out | offline | unknown
    message_vi: str
    message_en: str
    raw: dict = field(default_factory=dict)  # n -> status byte as received

    @property
    def ok(self) -> bool:
        """Can a ticket be printed now? paper_low still prints; unknown is trusted (CUPS)."""
        return self.state in (OK, PAPER_LOW, UNKNOWN)

    @property
    def message(self) -> str:
        return f"{self.message_vi} / {self.message_en}"


def make_status(state: str, detail_vi: str = "", detail_en: str = "", raw=None) -> PrinterStatus:
    vi, en = MESSAGES[state]
    if detail_vi:
        vi, en = f"{vi}: {detail_vi}", f"{en}: {detail_en}"
    return PrinterStatus(state, vi, en, dict(raw or {}))


def is_status_byte(value: int) -> bool:
    return value & 0b1001_0011 == 0b0001_0010


def interpret(raw: dict) -> PrinterStatus:
    """raw: n -> the byte answered to DLE EOT n, or None when the printer stayed silent."""
    for n in QUERIES:
        value = raw.get(n)
        if value is None:
            return make_status(OFFLINE, "máy in không trả lời", "no answer to a status query", raw)
        if not is_status_byte(value):
            return make_status(OFFLINE, f"trả lời lạ 0x{value:02X}",
                               f"unexpected answer 0x{value:02X}", raw)
    printer, cause, paper = raw[PRINTER], raw[OFFLINE_CAUSE], raw[PAPER_SENSOR]
    if paper & 0b0110_0000 or cause & 0b0010_0000:  # roll paper end / stopped at paper end
        return make_status(PAPER_OUT, raw=raw)
    if cause & 0b0000_0100:
        return make_status(OFFLINE, "nắp máy in đang mở", "cover open", raw)
    if cause & 0b0100_0000:
        return make_status(OFFLINE, "máy in báo lỗi (dao cắt, đầu in)",
                           "error (cutter, print head)", raw)
    if printer & 0b0000_1000:
        return make_status(OFFLINE, raw=raw)
    if paper & 0b0000_1100:  # roll paper near-end sensor
        return make_status(PAPER_LOW, raw=raw)
    return make_status(OK, raw=raw)
