"""Pillow images to GS v 0 bytes, and the QR code as an image for printers without GS ( k."""

from __future__ import annotations

import qrcode
from PIL import Image, ImageOps

from . import escpos_commands as cmd

INK_THRESHOLD = 160  # grey levels darker than this print as a black dot (crisper than 128)


def to_bitmap(image: Image.Image) -> Image.Image:
    """Greyscale drawing -> 1-bit image, no dithering (dithered text looks fuzzy on thermal)."""
    grey = image.convert("L")
    return grey.point(lambda v: 255 if v > INK_THRESHOLD else 0, mode="1")


def raster_commands(image: Image.Image, band_rows: int) -> bytes:
    """The image as GS v 0 commands, in bands no taller than the printer's buffer.

    Runs of white rows (line spacing, gaps) are sent as ESC J paper feeds instead of zero
    bytes, and each band is cut just after its rightmost black dot: a row costs 72 bytes at
    80 mm and a 19200-baud serial printer feels every one. Bands keep their left white, and
    are printed left-justified, so positions stay exact on printers that apply ESC a to images
    and on those that do not.
    """
    ink = ImageOps.invert(to_bitmap(image).convert("L")).convert("1", dither=Image.Dither.NONE)
    width_bytes = (ink.width + 7) // 8
    data, blank = ink.tobytes(), bytes(width_bytes)
    rows = [data[r * width_bytes:(r + 1) * width_bytes] for r in range(ink.height)]
    out, band, white = bytearray(cmd.align("left")), [], 0

    def flush_band():
        if band:
            used = max(len(row.rstrip(b"\x00")) for row in band)
            out.extend(cmd.raster_image(used, len(band), b"".join(row[:used] for row in band)))
            band.clear()

    def flush_white():
        nonlocal white
        while white:
            step = min(white, 255)
            out.extend(cmd.feed_dots(step))
            white -= step

    for row in rows:
        if row == blank:
            flush_band()
            white += 1
            continue
        flush_white()
        band.append(row)
        if len(band) == band_rows:
            flush_band()
    flush_band()
    flush_white()
    return bytes(out)


def qr_image(payload: str, module_dots: int, width_dots: int) -> Image.Image:
    """A QR code centred on the paper's width, with its 4-module quiet zone.

    A payload too long for the requested module size gets smaller modules rather than a symbol
    wider than the paper.
    """
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    code.add_data(payload.encode("utf-8"))
    code.make(fit=True)
    code.box_size = max(1, min(module_dots, width_dots // (code.modules_count + 2 * code.border)))
    symbol = code.make_image(fill_color="black", back_color="white").get_image().convert("L")
    canvas = Image.new("L", (width_dots, symbol.height), 255)
    canvas.paste(symbol, ((width_dots - symbol.width) // 2, 0))
    return canvas
