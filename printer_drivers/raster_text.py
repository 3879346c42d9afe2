"""Vietnamese lines drawn with Pillow, so they print right on any printer (GS v 0).

Sizes are in printer dots (203 dpi: 24 dots = 3 mm, the height of the printer's own Font A).
58 mm paper keeps nearly the same sizes as 80 mm and wraps more: small print on a ticket is
read by elderly citizens.
"""

from __future__ import annotations

from PIL import Image, ImageDraw

from .fonts import font
from .ticket_layout import Gap, Rule, TextLine

# style -> (weight, size on 80 mm, size on 58 mm)
STYLES = {
    "small": ("Regular", 22, 20),
    "body": ("Medium", 26, 22),
    "heading": ("Bold", 36, 30),
    "title": ("Bold", 30, 26),
    "mark": ("Bold", 30, 26),
}
MARGIN = 8  # dots left and right: the outermost dots of cheap heads print faintly
LINE_GAP = 4


def style_font(style: str, width_dots: int):
    weight, wide, narrow = STYLES[style]
    return font(weight, wide if width_dots >= 576 else narrow)


def wrap(text: str, face, width: int) -> list[str]:
    """Greedy word wrap by measured width; a single word wider than the line is split."""
    lines, current = [], ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if face.getlength(candidate) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        while face.getlength(word) > width:
            cut = next((i for i in range(len(word) - 1, 1, -1)
                        if face.getlength(word[:i]) <= width), 1)
            lines.append(word[:cut])
            word = word[cut:]
        current = word
    if current or not lines:
        lines.append(current)
    return lines


def _line_height(face) -> int:
    ascent, descent = face.getmetrics()
    return ascent + descent + LINE_GAP


def draw_blocks(blocks: list, width_dots: int) -> Image.Image:
    """A run of text lines, rules and gaps as one greyscale image of the paper's width."""
    plan, height = [], 0
    for block in blocks:
        if isinstance(block, TextLine):
            face = style_font(block.style, width_dots)
            pad = 12 if block.style == "mark" else 0
            for line in wrap(block.text, face, width_dots - 2 * MARGIN - 2 * pad):
                plan.append((height, block, face, line))
                height += _line_height(face) + (2 if block.style == "mark" else 0)
        elif isinstance(block, Rule):
            plan.append((height, block, None, None))
            height += 14
        elif isinstance(block, Gap):
            height += block.dots
    image = Image.new("L", (width_dots, max(height, 1)), 255)
    draw = ImageDraw.Draw(image)
    for top, block, face, line in plan:
        if isinstance(block, Rule):
            draw.line((MARGIN, top + 6, width_dots - MARGIN, top + 6), fill=0, width=2)
        else:
            _draw_line(draw, top, block, face, line, width_dots)
    return image


def _draw_line(draw, top, block: TextLine, face, line: str, width_dots: int) -> None:
    text_width = face.getlength(line)
    if block.align == "left":
        x = MARGIN
    elif block.align == "right":
        x = width_dots - MARGIN - text_width
    else:
        x = (width_dots - text_width) / 2
    ink = 0
    if block.style == "mark":
        draw.rectangle((MARGIN, top, width_dots - MARGIN - 1, top + _line_height(face)), fill=0)
        ink = 255
    ascent, _ = face.getmetrics()
    draw.text((x, top + ascent + LINE_GAP // 2), line, font=face, fill=ink, anchor="ls")
