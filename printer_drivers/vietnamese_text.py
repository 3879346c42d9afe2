"""Vietnamese text to code-page bytes for text mode, or a clear refusal.

Three ways to put a line into a printer's character generator:
- "cp1258": Windows-1258 has the letters with vowel marks (â ê ô ơ ư ă đ) precomposed but most
  tone marks only as combining characters, so a toned letter goes out as base letter + tone
  byte (ệ = ê 0xEA + dot below 0xF2) unless the page happens to have it whole (à, é).
- "tcvn3": see tcvn3.py; upper-case Vietnamese letters switch to the upper page and back.
- "ascii": diacritics stripped. Only when the caller asked for it: a Vietnamese word without
  its marks is another word or none.
Punctuation a page lacks (— “ ” …) is replaced by its ASCII look-alike; letters never are.
"""

from __future__ import annotations

import unicodedata

from . import escpos_commands as cmd
from . import tcvn3
from .errors import UnencodableText

TONE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323")

PUNCTUATION_SUBSTITUTES = {
    "\u2014": "-", "\u2013": "-", "\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"',
    "\u2026": "...", "\u00a0": " ", "\u00b7": "-", "\u2022": "*",
}


def _cp1258_bytes(char: str) -> bytes:
    try:
        return char.encode("cp1258")
    except UnicodeEncodeError:
        pass
    decomposed = unicodedata.normalize("NFD", char)
    tones = "".join(c for c in decomposed if c in TONE_MARKS)
    letter = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in TONE_MARKS))
    return (letter + tones).encode("cp1258")  # UnicodeEncodeError if still not in the page


def strip_diacritics(text: str) -> str:
    """The "ascii" last resort: Nguyễn Văn Đức -> Nguyen Van Duc."""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


class TextEncoder:
    """Encodes the lines of one print job, remembering which ESC t page is active.

    One object per job because TCVN-3 output depends on the page left selected by the
    previous character.
    """

    def __init__(self, codepage: str | None, esc_t: int | None = None,
                 esc_t_upper: int | None = None):
        if codepage not in ("cp1258", "tcvn3", "ascii", None):
            raise ValueError(f"unsupported text code page {codepage!r}")
        self.codepage, self.esc_t, self.esc_t_upper = codepage, esc_t, esc_t_upper
        self._page = None

    def start(self) -> bytes:
        """Bytes that select the code page at the start of the job."""
        if self.codepage in ("cp1258", "tcvn3") and self.esc_t is not None:
            self._page = tcvn3.LOWER_PAGE
            return cmd.code_page(self.esc_t)
        return b""

    def encode(self, text: str) -> bytes:
        text = unicodedata.normalize("NFC", text)
        if self.codepage == "ascii":
            text = strip_diacritics(text)
        out = bytearray()
        for char in text:
            out += self._encode_char(text, char)
        return bytes(out)

    def _encode_char(self, text: str, char: str) -> bytes:
        try:
            return self._encode_in_page(char)
        except (KeyError, UnicodeEncodeError):
            substitute = PUNCTUATION_SUBSTITUTES.get(char)
            if substitute is not None:
                return substitute.encode("ascii")
            raise UnencodableText(text, char, self.codepage or "none") from None

    def _encode_in_page(self, char: str) -> bytes:
        if char < "\x20" or char == "\x7f":
            raise KeyError(char)  # control bytes would be executed as printer commands
        if char < "\x80":
            return char.encode("ascii")
        if self.codepage == "cp1258":
            return _cp1258_bytes(char)
        if self.codepage == "tcvn3":
            return self._tcvn3_bytes(char)
        raise KeyError(char)

    def _tcvn3_bytes(self, char: str) -> bytes:
        page = tcvn3.page_of(char)
        esc_t = self.esc_t if page == tcvn3.LOWER_PAGE else self.esc_t_upper
        if esc_t is None:
            raise KeyError(char)
        switch = b"" if page == self._page else cmd.code_page(esc_t)
        self._page = page
        return switch + bytes([tcvn3.ENCODE[page][char]])
