"""render_ticket: a ticket dict -> one complete ESC/POS job (init ... cut).

Two ways to print the Vietnamese lines, one layout (ticket_layout.py):
- "raster" (default): lines drawn with Be Vietnam Pro and sent as GS v 0 images. Correct on
  every printer, 10-30 KB per ticket, which only matters on a slow serial line.
- "text": lines sent as code-page bytes (profile.codepage: cp1258 or tcvn3). A few hundred bytes,
  but only right on a printer whose ESC t number the profile knows; an unprintable character
  raises UnencodableText rather than printing a wrong letter.
- "ascii": text mode with the diacritics stripped, the explicit last resort.
In every mode the ticket number (ASCII) uses the printer's own font at a large GS ! size, which
is sharper than a raster and cheap, and the QR uses GS ( k when the profile says it works.
"""

from __future__ import annotations

import textwrap
import unicodedata

from . import escpos_commands as cmd
from .profiles import DEFAULT_PROFILE, PrinterProfile
from .raster_image import qr_image, raster_commands
from .raster_text import draw_blocks
from .ticket_layout import Gap, QrCode, Rule, TextLine, TicketNumber, ticket_blocks
from .vietnamese_text import TextEncoder

MODES = ("raster", "text", "ascii")
FONT_A_WIDTH = 12  # dots per character cell of the printer's Font A at 1x

# text-mode style -> (bold, width x, height x, reverse)
TEXT_STYLES = {
    "small": (False, 1, 1, False),
    "body": (False, 1, 1, False),
    "title": (True, 1, 2, False),
    "heading": (True, 2, 2, False),
    "mark": (True, 1, 2, True),
}


def render_ticket(ticket: dict, site: dict, *, paper: str = "80mm", mode: str = "raster",
                  profile: PrinterProfile = DEFAULT_PROFILE) -> bytes:
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
    dots = profile.paper_dots(paper)
    blocks = ticket_blocks(ticket, site)
    if mode == "raster":
        body = _raster_body(blocks, dots, paper, profile)
    else:
        codepage = "ascii" if mode == "ascii" else profile.codepage
        body = _text_body(blocks, dots, paper, profile,
                          TextEncoder(codepage, profile.esc_t, profile.esc_t_upper))
    return cmd.INIT + body + cmd.cut(profile.cut, profile.feed_before_cut)


def _raster_body(blocks, dots, paper, profile) -> bytes:
    out, pending = bytearray(), []

    def flush():
        if pending:
            out.extend(raster_commands(draw_blocks(pending, dots), profile.raster_band_rows))
            pending.clear()

    for block in blocks:
        if isinstance(block, (TextLine, Rule, Gap)):
            pending.append(block)  # consecutive lines go out as one image: fewer headers
        else:
            flush()
            out += _native_block(block, dots, paper, profile)
    flush()
    return bytes(out)


def _text_body(blocks, dots, paper, profile, encoder: TextEncoder) -> bytes:
    out = bytearray(encoder.start())
    columns = dots // FONT_A_WIDTH
    for block in blocks:
        if isinstance(block, TextLine):
            out += _text_line(block, columns, encoder)
        elif isinstance(block, Rule):
            out += cmd.align("left") + b"-" * columns + cmd.LF
        elif isinstance(block, Gap):
            out += cmd.feed_dots(block.dots)
        else:
            out += _native_block(block, dots, paper, profile)
    return bytes(out)


def _text_line(line: TextLine, columns: int, encoder: TextEncoder) -> bytes:
    bold, width, height, reverse = TEXT_STYLES[line.style]
    out = bytearray(cmd.align(line.align) + cmd.bold(bold) + cmd.char_size(width, height))
    out += cmd.reverse(reverse)
    # Wrap the NFC form: in NFD every tone mark would count as a column.
    for part in textwrap.wrap(unicodedata.normalize("NFC", line.text), columns // width) or [""]:
        out += encoder.encode(part) + cmd.LF
    return bytes(out + cmd.reverse(False) + cmd.char_size(1, 1) + cmd.bold(False))


def _native_block(block, dots, paper, profile) -> bytes:
    if isinstance(block, TicketNumber):
        return _ticket_number(block.text, dots)
    if isinstance(block, QrCode):
        module = profile.qr_module_dots.get(paper, 6)
        if profile.native_qr:
            return cmd.align("center") + cmd.native_qr(block.payload, module) + cmd.LF
        return raster_commands(qr_image(block.payload, module, dots), profile.raster_band_rows)
    raise TypeError(f"unknown ticket block {block!r}")


def _ticket_number(number: str, dots: int) -> bytes:
    """The number as large as the paper allows (up to 8x: 96x192 dots per character)."""
    if not number.isascii() or not number.isprintable():
        raise ValueError(f"ticket number must be printable ASCII, got {number!r}")
    scale = max(1, min(8, (dots - 16) // (FONT_A_WIDTH * max(1, len(number)))))
    return (cmd.align("center") + cmd.bold(True) + cmd.char_size(scale, scale)
            + number.encode("ascii") + cmd.LF + cmd.char_size(1, 1) + cmd.bold(False))
