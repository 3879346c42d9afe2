"""Vietnamese number words for ticket and counter numbers (0..9999).

Each word is a *token*: the name of the clip a site records for it (see
``docs/announcements.md``) and the Vietnamese word spoken. Reading rules:

- 10..19 use "mười" (10 = mười, 11 = mười một, 15 = mười lăm);
- 20..99 use "mươi" after the tens digit (20 = hai mươi), and then
  1 is "mốt" (21 = hai mươi mốt) and 5 is "lăm" (25 = hai mươi lăm; "nhăm" in
  some Northern speech, a site setting); 4 stays "bốn";
- a zero tens digit after hundreds is "linh" (Northern) or "lẻ" (Southern), a site
  setting: 105 = một trăm linh năm (never "lăm" after linh), 101 = một trăm linh một;
- inside thousands an empty hundreds digit is read: 1025 = một nghìn không trăm hai mươi lăm.
"""
from __future__ import annotations

DIGIT_WORDS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")

#: clip name -> the Vietnamese word recorded in it (the words reading's own words).
WORD_CLIPS = {
    "word_muoi_10": "mười",   # ten: 10..19
    "word_muoi_20": "mươi",   # tens after 2..9: hai mươi
    "word_tram": "trăm",      # hundred
    "word_nghin": "nghìn",    # thousand
    "word_linh": "linh",      # zero tens (Northern): một trăm linh năm
    "word_le": "lẻ",          # zero tens (Southern): một trăm lẻ năm
    "word_mot": "mốt",        # 1 after mươi: hai mươi mốt
    "word_lam": "lăm",        # 5 after mười/mươi: mười lăm, hai mươi lăm
    "word_nham": "nhăm",      # 5 after mươi (Northern variant): hai mươi nhăm
}

ZERO_TENS_CHOICES = {"linh": "word_linh", "lẻ": "word_le"}
FIVE_AFTER_TENS_CHOICES = {"lăm": "word_lam", "nhăm": "word_nham"}

MAX_NUMBER = 9999


def digit_clip(d: int) -> str:
    return f"digit_{d}"


def token_word(token: str) -> str:
    """The Vietnamese word for a digit or word token."""
    if token.startswith("digit_"):
        return DIGIT_WORDS[int(token[len("digit_"):])]
    return WORD_CLIPS[token]


def _check_style(zero_tens: str, five_after_tens: str) -> None:
    if zero_tens not in ZERO_TENS_CHOICES:
        raise ValueError(f"zero_tens must be one of {sorted(ZERO_TENS_CHOICES)}, got {zero_tens!r}")
    if five_after_tens not in FIVE_AFTER_TENS_CHOICES:
        raise ValueError(
            f"five_after_tens must be one of {sorted(FIVE_AFTER_TENS_CHOICES)}, got {five_after_tens!r}")


def _tens_and_units(n: int, five_after_tens: str) -> list[str]:
    """10..99."""
    tens, units = divmod(n, 10)
    out = ["word_muoi_10"] if tens == 1 else [digit_clip(tens), "word_muoi_20"]
    if units == 0:
        pass
    elif units == 1:
        out.append("word_mot" if tens >= 2 else digit_clip(1))
    elif units == 5:
        out.append(FIVE_AFTER_TENS_CHOICES[five_after_tens] if tens >= 2 else "word_lam")
    else:
        out.append(digit_clip(units))
    return out


def _below_thousand(n: int, *, read_hundreds: bool, zero_tens: str, five_after_tens: str) -> list[str]:
    """0..999; ``read_hundreds`` says "không trăm" (inside a thousands number)."""
    hundreds, rest = divmod(n, 100)
    out: list[str] = []
    if hundreds or read_hundreds:
        out += [digit_clip(hundreds), "word_tram"]
    if rest == 0:
        return out
    if rest < 10:
        if out:
            out.append(ZERO_TENS_CHOICES[zero_tens])
        out.append(digit_clip(rest))
        return out
    return out + _tens_and_units(rest, five_after_tens)


def number_tokens(n: int, *, zero_tens: str = "linh", five_after_tens: str = "lăm") -> list[str]:
    """The clip names that read ``n`` (0..9999) in Vietnamese words."""
    _check_style(zero_tens, five_after_tens)
    if isinstance(n, bool) or not isinstance(n, int) or not 0 <= n <= MAX_NUMBER:
        raise ValueError(f"number must be an integer 0..{MAX_NUMBER}, got {n!r}")
    if n == 0:
        return [digit_clip(0)]
    thousands, rest = divmod(n, 1000)
    out: list[str] = []
    if thousands:
        out += [digit_clip(thousands), "word_nghin"]
        if rest == 0:
            return out
    out += _below_thousand(rest, read_hundreds=bool(thousands),
                           zero_tens=zero_tens, five_after_tens=five_after_tens)
    return out


def number_words(n: int, *, zero_tens: str = "linh", five_after_tens: str = "lăm") -> str:
    """``n`` (0..9999) in Vietnamese words, e.g. 25 -> "hai mươi lăm"."""
    return " ".join(token_word(t) for t in number_tokens(
        n, zero_tens=zero_tens, five_after_tens=five_after_tens))
