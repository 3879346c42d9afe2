"""An ESC/POS decoder for the tests: bytes -> a list of operations.

Written apart from printer_drivers (its preview interpreter is not reused) so that the tests
check the renderer against an independent reading of the bytes. Strict: a command it does not
know is an error, so the renderer cannot slip in something a printer might misread.

TCVN-3 pages are decoded with the Epson charts shipped in python-escpos's capabilities.json
(escpos-printer-db), not with printer_drivers' own table: an encoder bug cannot cancel itself.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from importlib import resources

from PIL import Image


@dataclass
class Op:
    kind: str  # init align bold size reverse codepage text lf feed_dots feed_lines raster
    #            qr_model qr_module qr_level qr_store qr_print cut status_query
    value: object = None
    page: int | None = None  # for text: the ESC t page active when it was sent


def _epson_chart(name: str) -> dict[int, str]:
    data = json.loads((resources.files("escpos") / "capabilities.json").read_text("utf-8"))
    rows = data["encodings"][name]["data"]  # 8 rows of 16 characters: bytes 0x80..0xFF
    chart = {}
    for row_index, row in enumerate(rows):
        for col, char in enumerate(row):
            if char != " ":
                # The db writes capital D with stroke as U+00D0 (Icelandic eth), which looks the
                # same on paper; Vietnamese text uses U+0110.
                chart[0x80 + 16 * row_index + col] = "\u0110" if char == "\u00d0" else char
    return chart


def chart_decoder(chart: dict[int, str]):
    def decode(data: bytes) -> str:
        return "".join(chr(b) if b < 0x80 else chart.get(b, "\ufffd") for b in data)
    return decode


TCVN3_LOWER = _epson_chart("TCVN-3-1")
TCVN3_UPPER = _epson_chart("TCVN-3-2")

EPSON_PAGES = {
    0: lambda b: b.decode("cp437"),
    52: lambda b: b.decode("cp1258"),
    30: chart_decoder(TCVN3_LOWER),
    31: chart_decoder(TCVN3_UPPER),
}

_ONE_ARG_ESC = {ord("a"): "align", ord("E"): "bold", ord("t"): "codepage",
                ord("d"): "feed_lines", ord("J"): "feed_dots"}
_ONE_ARG_GS = {ord("B"): "reverse"}


def decode(data: bytes, pages: dict | None = None) -> list[Op]:
    pages = EPSON_PAGES if pages is None else pages
    ops, i, page = [], 0, 0
    while i < len(data):
        b = data[i]
        if b == 0x0A:
            ops.append(Op("lf"))
            i += 1
        elif b == 0x1B:
            c = data[i + 1]
            if c == ord("@"):
                ops.append(Op("init"))
                page = 0
                i += 2
            elif c in _ONE_ARG_ESC:
                kind, arg = _ONE_ARG_ESC[c], data[i + 2]
                ops.append(Op(kind, arg))
                page = arg if kind == "codepage" else page
                i += 3
            else:
                raise ValueError(f"unknown ESC {c:#x} at {i}")
        elif b == 0x1D:
            i = _decode_gs(data, i, ops)
        elif b == 0x10 and data[i + 1] == 0x04:
            ops.append(Op("status_query", data[i + 2]))
            i += 3
        elif b < 0x20 or b == 0x7F:
            raise ValueError(f"unexpected control byte {b:#x} at {i}")
        else:
            end = i
            while end < len(data) and data[end] >= 0x20 and data[end] != 0x7F:
                end += 1
            if page not in pages:
                raise ValueError(f"text sent under unknown code page {page}")
            ops.append(Op("text", pages[page](data[i:end]), page))
            i = end
    return ops


def _decode_gs(data: bytes, i: int, ops: list) -> int:
    c = data[i + 1]
    if c == ord("!"):
        n = data[i + 2]
        ops.append(Op("size", ((n >> 4) + 1, (n & 0x0F) + 1)))
        return i + 3
    if c in _ONE_ARG_GS:
        ops.append(Op(_ONE_ARG_GS[c], data[i + 2]))
        return i + 3
    if c == ord("V"):
        mode, feed = data[i + 2], data[i + 3]
        ops.append(Op("cut", ("full" if mode == 65 else "partial", feed)))
        return i + 4
    if c == ord("v") and data[i + 2] == ord("0"):
        width_bytes = int.from_bytes(data[i + 4:i + 6], "little")
        height = int.from_bytes(data[i + 6:i + 8], "little")
        bits = data[i + 8:i + 8 + width_bytes * height]
        assert len(bits) == width_bytes * height, "truncated raster"
        # In GS v 0 a 1 bit is a black dot; in Pillow's mode "1" a 1 bit is white.
        image = Image.frombytes("1", (width_bytes * 8, height), bytes(255 - x for x in bits))
        ops.append(Op("raster", image))
        return i + 8 + width_bytes * height
    if c == ord("(") and data[i + 2] == ord("k"):
        length = int.from_bytes(data[i + 3:i + 5], "little")
        body = data[i + 5:i + 5 + length]
        ops.append(_qr_op(body))
        return i + 5 + length
    raise ValueError(f"unknown GS {c:#x} at {i}")


def _qr_op(body: bytes) -> Op:
    cn, fn, params = body[0], body[1], body[2:]
    assert cn == 49, "only QR (cn=49) is expected"
    if fn == 65:
        return Op("qr_model", params[0])
    if fn == 67:
        return Op("qr_module", params[0])
    if fn == 69:
        return Op("qr_level", params[0])
    if fn == 80:
        assert params[0] == 48
        return Op("qr_store", params[1:].decode("utf-8"))
    if fn == 81:
        return Op("qr_print")
    raise ValueError(f"unknown QR function {fn}")


# -- views over the operations -----------------------------------------------------------
def text_lines(ops: list[Op]) -> list[str]:
    """Printed text lines (NFC), joining the runs of one line across code page switches."""
    lines, current, has_text = [], "", False
    for op in ops:
        if op.kind == "text":
            current += op.value
            has_text = True
        elif op.kind == "lf":
            if has_text:
                lines.append(unicodedata.normalize("NFC", current))
            current, has_text = "", False
    return lines


def of_kind(ops: list[Op], kind: str) -> list:
    return [op.value for op in ops if op.kind == kind]


def paper_image(ops: list[Op], width: int) -> Image.Image:
    """All raster images stacked as they would come out of the printer (gaps included)."""
    pieces = []
    for op in ops:
        if op.kind == "raster":
            pieces.append(op.value.convert("L"))
        elif op.kind == "feed_dots":
            pieces.append(Image.new("L", (width, op.value), 255))
    height = sum(p.height for p in pieces) + 40
    paper = Image.new("L", (width, height), 255)
    y = 20
    for piece in pieces:
        paper.paste(piece, (0, y))
        y += piece.height
    return paper
