"""What a ticket says, in order, independent of how the printer will draw it.

Both renderers (raster and text) walk the same list of blocks, so a wording change is made once
and the two modes cannot drift apart. Vietnamese first, English second, as everywhere a citizen
reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class TextLine:
    text: str
    style: str = "body"  # small | body | title | heading | mark (white on black)
    align: str = "center"


@dataclass(frozen=True)
class TicketNumber:
    """The queue number: ASCII, printed with the printer's own font at the largest size."""
    text: str


@dataclass(frozen=True)
class QrCode:
    payload: str


@dataclass(frozen=True)
class Rule:
    """A horizontal line between sections."""


@dataclass(frozen=True)
class Gap:
    dots: int


def issued_at_text(issued_at: str) -> str:
    """"2026-11-23T08:15:02+07:00" -> "23/11/2026 08:15", in the site's own time as given."""
    return datetime.fromisoformat(issued_at).strftime("%d/%m/%Y %H:%M")


def ticket_blocks(ticket: dict, site: dict) -> list:
    blocks = [TextLine(line, "small") for line in site.get("header_lines") or ()]
    # "Công an phường X — Điểm cấp CCCD": unit and point on their own lines, never split mid-name.
    blocks += [TextLine(part.strip(), "title") for part in site["name"].split(" — ")]
    blocks.append(Rule())
    blocks += [TextLine("SỐ THỨ TỰ / YOUR NUMBER", "small"), TicketNumber(ticket["number"])]
    blocks.append(TextLine(ticket["service_name_vi"], "heading"))
    if ticket.get("service_name_en"):
        blocks.append(TextLine(ticket["service_name_en"], "small"))
    if ticket.get("priority"):
        group = ticket.get("priority_name_vi")
        blocks += [Gap(8), TextLine(f"ƯU TIÊN: {group}" if group else "ƯU TIÊN", "mark"),
                   TextLine("Priority", "small")]
    blocks += [Gap(8), TextLine(issued_at_text(ticket["issued_at"]), "body"), Gap(8)]
    blocks += _waiting_lines(ticket)
    if ticket.get("track_url"):
        blocks += [Gap(8), QrCode(ticket["track_url"]),
                   TextLine("Quét mã để theo dõi lượt", "body"),
                   TextLine("Scan to follow your turn", "small")]
    footer = site.get("footer_lines") or ()
    if footer:
        blocks.append(Rule())
        blocks += [TextLine(line, "small") for line in footer]
    return blocks


def _waiting_lines(ticket: dict) -> list:
    lines = []
    if ticket.get("position") is not None:
        ahead = ticket["position"]
        lines += [TextLine(f"Số người chờ trước: {ahead}", "body"),
                  TextLine(f"People ahead of you: {ahead}", "small")]
    # The wording comes from the server's one estimator (text_vi / text_en): the printer
    # never does arithmetic of its own, so paper and screens cannot disagree.
    eta = ticket.get("eta")
    if eta and eta.get("text_vi"):
        lines += [TextLine(f"Thời gian chờ dự kiến: {eta['text_vi']}", "body"),
                  TextLine(f"Estimated wait: {eta.get('text_en') or ''}", "small")]
    return lines
