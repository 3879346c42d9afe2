"""A small ESC/POS interpreter that draws a job onto a Pillow image of the paper's width.

It backs the virtual:// printer (the admin "preview ticket" page, demos, tests without
hardware). It understands the commands render_ticket emits, which is what a preview needs;
others are skipped using their documented lengths. Native text is drawn with Be Vietnam Pro at
the printer's Font A cell size (12x24 dots per 1x), so a preview is faithful in layout, not in
glyph shapes. The tests decode bytes with their own decoder, not with this one, so a bug here
cannot hide a bug in the renderer.
"""

from __future__ import annotations

import io
import unicodedata
from dataclasses import dataclass, field

import qrcode
from PIL import Image, ImageDraw

from . import tcvn3
from .fonts import font
from .profiles import DEFAULT_PROFILE, PrinterProfile

CELL_W, CELL_H, LINE_SPACING = 12, 24, 6
_QR_LEVELS = {48: qrcode.constants.ERROR_CORRECT_L, 49: qrcode.constants.ERROR_CORRECT_M,
              50: qrcode.constants.ERROR_CORRECT_Q, 51: qrcode.constants.ERROR_CORRECT_H}
# Bytes of parameters after ESC x / GS x for the fixed-length commands we skip or apply.
_ESC_ARGS = {b"@": 0, b"a": 1, b"E": 1, b"t": 1, b"d": 1, b"J": 1, b"!": 1, b"-": 1, b"M": 1,
             b"2": 0, b"3": 1, b"p": 3, b"G": 1, b"{": 1, b"V": 1, b"R": 1, b"=": 1}
_GS_ARGS = {b"!": 1, b"B": 1, b"L": 2, b"W": 2, b"H": 1, b"h": 1, b"w": 1, b"f": 1, b"b": 1}


def codepage_decoders(profile: PrinterProfile) -> dict:
    """ESC t number -> function(bytes) -> str, for the pages this profile prints Vietnamese in."""
    decoders = {}
    if profile.codepage == "cp1258" and profile.esc_t is not None:
        decoders[profile.esc_t] = lambda b: b.decode("cp1258", errors="replace")
    if profile.codepage == "tcvn3":
        decoders[profile.esc_t] = lambda b: tcvn3.decode(b, tcvn3.LOWER_PAGE)
        if profile.esc_t_upper is not None:
            decoders[profile.esc_t_upper] = lambda b: tcvn3.decode(b, tcvn3.UPPER_PAGE)
    return decoders


@dataclass
class _State:
    align: int = 0
    bold: bool = False
    width: int = 1
    height: int = 1
    reverse: bool = False
    page: int = 0
    line: list = field(default_factory=list)  # (bytes, page, bold, width, height, reverse)
    qr_payload: bytes = b""
    qr_module: int = 3
    qr_level: int = 49


class PreviewPainter:
    def __init__(self, width_dots: int, profile: PrinterProfile = DEFAULT_PROFILE):
        self.width = width_dots
        self.decoders = codepage_decoders(profile)
        self.strips: list[Image.Image] = []
        self.state = _State()

    # -- drawing -----------------------------------------------------------------------
    def _blank(self, height: int) -> None:
        if height > 0:
            self.strips.append(Image.new("L", (self.width, height), 255))

    def _paste(self, image: Image.Image) -> None:
        strip = Image.new("L", (self.width, image.height), 255)
        x = {0: 0, 1: (self.width - image.width) // 2, 2: self.width - image.width}[self.state.align]
        strip.paste(image, (max(0, x), 0))
        self.strips.append(strip)

    def _decode(self, data: bytes, page: int) -> str:
        decode = self.decoders.get(page, lambda b: b.decode("cp437", errors="replace"))
        return decode(data)

    def _print_line(self) -> None:
        s = self.state
        if not s.line:
            self._blank(CELL_H + LINE_SPACING)
            return
        height = max(seg[4] for seg in s.line) * CELL_H
        pieces = [self._draw_segment(text, style) for text, style in self._styled_runs(s.line)]
        line = Image.new("L", (sum(p.width for p in pieces), height), 255)
        x = 0
        for piece in pieces:
            line.paste(piece, (x, height - piece.height))
            x += piece.width
        if line.width > self.width:  # the printer wraps; a preview just clips
            line = line.crop((0, 0, self.width, height))
        self._paste(line)
        self._blank(LINE_SPACING)
        s.line = []

    def _styled_runs(self, segments):
        """Decoded text in runs of one style: a code page switch is not a new word."""
        runs = []
        for data, page, *style in segments:
            text = self._decode(data, page)
            if runs and runs[-1][1] == style:
                runs[-1][0] += text
            else:
                runs.append([text, style])
        return [(unicodedata.normalize("NFC", text), style) for text, style in runs]

    def _draw_segment(self, text: str, style) -> Image.Image:
        bold, width, height, reverse = style
        cells = max(1, len(text))
        cell_h = height * CELL_H
        face = font("Bold" if bold else "Regular", int(cell_h * 0.8))
        paper, ink = (0, 255) if reverse else (255, 0)
        piece = Image.new("L", (cells * CELL_W * width, cell_h), paper)
        # Draw at natural width, then squeeze into the printer's fixed cells if wider.
        natural = Image.new("L", (max(1, int(face.getlength(text))) + 2, cell_h), paper)
        ImageDraw.Draw(natural).text((1, int(cell_h * 0.82)), text, font=face, fill=ink,
                                     anchor="ls")
        target_w = min(piece.width, natural.width)
        piece.paste(natural.resize((target_w, cell_h)), ((piece.width - target_w) // 2, 0))
        return piece

    def _raster(self, width_bytes: int, height: int, data: bytes) -> None:
        bits = Image.frombytes("1", (width_bytes * 8, height), data)
        self._paste(Image.eval(bits.convert("L"), lambda v: 255 - v))

    def _qr(self) -> None:
        s = self.state
        code = qrcode.QRCode(error_correction=_QR_LEVELS.get(s.qr_level), box_size=s.qr_module,
                             border=2)
        code.add_data(s.qr_payload)
        self._paste(code.make_image().get_image().convert("L"))

    def _cut(self) -> None:
        self._blank(24)
        strip = Image.new("L", (self.width, 4), 255)
        draw = ImageDraw.Draw(strip)
        for x in range(0, self.width, 16):
            draw.line((x, 2, x + 8, 2), fill=0)
        self.strips.append(strip)

    # -- parsing -----------------------------------------------------------------------
    def feed(self, data: bytes) -> None:
        i = 0
        while i < len(data):
            byte = data[i]
            if byte == 0x0A:
                self._print_line()
                i += 1
            elif byte == 0x1B and i + 1 < len(data):
                i = self._esc(data, i)
            elif byte == 0x1D and i + 1 < len(data):
                i = self._gs(data, i)
            elif byte == 0x10 and data[i + 1:i + 2] == b"\x04":
                i += 3  # DLE EOT n: a status query, prints nothing
            elif byte < 0x20:
                i += 1
            else:
                end = i
                while end < len(data) and data[end] >= 0x20:
                    end += 1
                s = self.state  # re-read: ESC @ replaces the state
                s.line.append((data[i:end], s.page, s.bold, s.width, s.height, s.reverse))
                i = end

    def _esc(self, data: bytes, i: int) -> int:
        s, op = self.state, data[i + 1:i + 2]
        arg = data[i + 2] if i + 2 < len(data) else 0
        if op == b"@":
            self.state = _State()
        elif op == b"a":
            s.align = arg % 48 if arg >= 48 else arg
        elif op == b"E":
            s.bold = bool(arg & 1)
        elif op == b"t":
            s.page = arg
        elif op == b"d":
            self._print_line() if s.line else None
            self._blank(arg * (CELL_H + LINE_SPACING))
        elif op == b"J":
            self._print_line() if s.line else None
            self._blank(arg)
        return i + 2 + _ESC_ARGS.get(op, 0)

    def _gs(self, data: bytes, i: int) -> int:
        s, op = self.state, data[i + 1:i + 2]
        if op == b"!":
            n = data[i + 2]
            s.width, s.height = (n >> 4) + 1, (n & 7) + 1
        elif op == b"B":
            s.reverse = bool(data[i + 2] & 1)
        elif op == b"v" and data[i + 2:i + 3] == b"0":
            xl, xh, yl, yh = data[i + 4:i + 8]
            width_bytes, height = xl + 256 * xh, yl + 256 * yh
            start = i + 8
            self._raster(width_bytes, height, data[start:start + width_bytes * height])
            return start + width_bytes * height
        elif op == b"(" and data[i + 2:i + 3] == b"k":
            length = data[i + 3] + 256 * data[i + 4]
            body = data[i + 5:i + 5 + length]
            self._qr_function(body)
            return i + 5 + length
        elif op == b"V":
            self._cut()
            return i + 3 + (1 if data[i + 2] in (65, 66, 97, 98, 103, 104) else 0)
        return i + 2 + _GS_ARGS.get(op, 0)

    def _qr_function(self, body: bytes) -> None:
        s = self.state
        if len(body) < 2 or body[0] != 49:
            return
        fn, params = body[1], body[2:]
        if fn == 67:
            s.qr_module = params[0]
        elif fn == 69:
            s.qr_level = params[0]
        elif fn == 80:
            s.qr_payload = params[1:]
        elif fn == 81 and s.qr_payload:
            self._qr()

    def image(self) -> Image.Image:
        if self.state.line:
            self._print_line()
        height = sum(strip.height for strip in self.strips) or 1
        page = Image.new("L", (self.width, height), 255)
        y = 0
        for strip in self.strips:
            page.paste(strip, (0, y))
            y += strip.height
        return page


def preview_image(job: bytes, width_dots: int,
                  profile: PrinterProfile = DEFAULT_PROFILE) -> Image.Image:
    painter = PreviewPainter(width_dots, profile)
    painter.feed(job)
    return painter.image()


def preview_png(job: bytes, width_dots: int, profile: PrinterProfile = DEFAULT_PROFILE) -> bytes:
    buffer = io.BytesIO()
    preview_image(job, width_dots, profile).save(buffer, format="PNG")
    return buffer.getvalue()
