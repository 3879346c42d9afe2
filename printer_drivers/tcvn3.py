"""TCVN-3 (the "ABC" code, TCVN 5712:1993 VN3) as two ESC/POS code pages.

VN3 keeps ASCII in 0x00-0x7F and puts the Vietnamese lower-case letters in the upper half; its
upper-case letters with tone marks do not fit in one 8-bit page (the full VN1 table parks them
in the C0 control range, which an ESC/POS printer would execute as commands). Printers therefore
ship TCVN-3 as a pair of pages, like the ABC fonts (.VnTime / .VnTimeH): Epson ESC t 30 holds the
lower-case letters, ESC t 31 the upper-case ones at the same positions.

The table below is written per base letter in the standard's tone order: grave, hook above,
tilde, acute, dot below (huyền, hỏi, ngã, sắc, nặng).
"""

from __future__ import annotations

# base lower-case letter: (code of the letter without tone or None if it is plain ASCII,
#                          codes of the five toned forms)
_LOWER_LETTERS = {
    "a": (None, (0xB5, 0xB6, 0xB7, 0xB8, 0xB9)),
    "ă": (0xA8, (0xBB, 0xBC, 0xBD, 0xBE, 0xC6)),
    "â": (0xA9, (0xC7, 0xC8, 0xC9, 0xCA, 0xCB)),
    "e": (None, (0xCC, 0xCE, 0xCF, 0xD0, 0xD1)),
    "ê": (0xAA, (0xD2, 0xD3, 0xD4, 0xD5, 0xD6)),
    "i": (None, (0xD7, 0xD8, 0xDC, 0xDD, 0xDE)),
    "o": (None, (0xDF, 0xE1, 0xE2, 0xE3, 0xE4)),
    "ô": (0xAB, (0xE5, 0xE6, 0xE7, 0xE8, 0xE9)),
    "ơ": (0xAC, (0xEA, 0xEB, 0xEC, 0xED, 0xEE)),
    "u": (None, (0xEF, 0xF1, 0xF2, 0xF3, 0xF4)),
    "ư": (0xAD, (0xF5, 0xF6, 0xF7, 0xF8, 0xF9)),
    "y": (None, (0xFA, 0xFB, 0xFC, 0xFD, 0xFE)),
    "đ": (0xAE, ()),
}

# Upper-case letters without tone on the upper page, as Epson charts page 31: Ă Â Đ where VN3
# has them (0xA1, 0xA2, 0xA7), Ê Ô Ơ Ư at their lower-case positions (0xAA-0xAD).
_UPPER_UNTONED = {"Ă": 0xA1, "Â": 0xA2, "Đ": 0xA7, "Ê": 0xAA, "Ô": 0xAB, "Ơ": 0xAC, "Ư": 0xAD}

_TONES = ("\u0300", "\u0309", "\u0303", "\u0301", "\u0323")

LOWER_PAGE, UPPER_PAGE = "lower", "upper"


def _build_tables():
    import unicodedata

    lower, upper = {}, dict(_UPPER_UNTONED)
    for base, (untoned_code, toned_codes) in _LOWER_LETTERS.items():
        if untoned_code is not None:
            lower[base] = untoned_code
        for tone, code in zip(_TONES, toned_codes):
            letter = unicodedata.normalize("NFC", base + tone)
            lower[letter] = code
            upper[letter.upper()] = code
    return lower, upper


ENCODE = {}
ENCODE[LOWER_PAGE], ENCODE[UPPER_PAGE] = _build_tables()
DECODE = {page: {code: ch for ch, code in table.items()} for page, table in ENCODE.items()}


def page_of(char: str) -> str | None:
    """Which page prints this character: None for ASCII (both pages), or not printable at all."""
    if char < "\x80":
        return None
    for page in (LOWER_PAGE, UPPER_PAGE):
        if char in ENCODE[page]:
            return page
    raise KeyError(char)


def decode(data: bytes, page: str) -> str:
    """Bytes printed under one page back to text (for previews and tests)."""
    table = DECODE[page]
    return "".join(chr(b) if b < 0x80 else table.get(b, "\ufffd") for b in data)
