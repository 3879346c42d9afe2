"""The Vietnamese-capable font used for raster text: Be Vietnam Pro (SIL OFL 1.1).

It comes from the fontpkg-be-vietnam-pro package (a declared dependency), so a fresh install of
the kiosk has it without any system font; located through importlib.resources so it also works
from a wheel or a zip.
"""

from __future__ import annotations

import io
from functools import lru_cache
from importlib import resources

from PIL import ImageFont

FONT_PACKAGE = "fontpkg_be_vietnam_pro"
WEIGHTS = ("Regular", "Medium", "SemiBold", "Bold")


@lru_cache(maxsize=None)
def _font_bytes(weight: str) -> bytes:
    if weight not in WEIGHTS:
        raise ValueError(f"font weight must be one of {WEIGHTS}")
    return resources.files(FONT_PACKAGE).joinpath(f"files/BeVietnamPro-{weight}.ttf").read_bytes()


@lru_cache(maxsize=64)
def font(weight: str, size: int) -> ImageFont.FreeTypeFont:
    # Cached: loading a TTF costs more than drawing a whole ticket.
    return ImageFont.truetype(io.BytesIO(_font_bytes(weight)), size)
