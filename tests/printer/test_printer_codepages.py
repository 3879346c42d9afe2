"""Text mode: every Vietnamese letter with every tone survives encode -> printer page -> decode."""

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from escpos_decoder import TCVN3_LOWER, TCVN3_UPPER, decode, text_lines
from printer_drivers import UnencodableText
from printer_drivers import escpos_commands as cmd
from printer_drivers.vietnamese_text import TextEncoder, strip_diacritics

BASES = "aăâeêioôơuưy"
TONES = ["", "\u0300", "\u0309", "\u0303", "\u0301", "\u0323"]  # none, huyền, hỏi, ngã, sắc, nặng
LOWER = [unicodedata.normalize("NFC", b + t) for b in BASES for t in TONES] + ["đ"]
ALL_LETTERS = LOWER + [c.upper() for c in LOWER]
ENCODERS = {
    "cp1258": lambda: TextEncoder("cp1258", 52),
    "tcvn3": lambda: TextEncoder("tcvn3", 30, 31),
}

vietnamese_text = st.text(
    alphabet=st.sampled_from(ALL_LETTERS + list("bcdghklmnpqrstvx BCDGHKLMNPQRSTVX0123456789.,:;!?-/()~")),
    max_size=60,
)


def round_trip(codepage: str, text: str) -> str:
    encoder = ENCODERS[codepage]()
    job = cmd.INIT + encoder.start() + encoder.encode(text) + cmd.LF
    lines = text_lines(decode(job))
    return lines[0] if lines else ""


def test_alphabet_is_complete():
    # 12 vowels x 6 tones + đ, both cases; 134 of them are outside ASCII.
    assert len(set(ALL_LETTERS)) == 146
    assert sum(not c.isascii() for c in ALL_LETTERS) == 134


@pytest.mark.parametrize("codepage", ENCODERS)
def test_every_letter_with_every_tone(codepage):
    text = " ".join(ALL_LETTERS)
    assert round_trip(codepage, text) == text


@pytest.mark.parametrize("codepage", ENCODERS)
@given(text=vietnamese_text)
def test_any_vietnamese_string_round_trips(codepage, text):
    assert round_trip(codepage, text) == text


@pytest.mark.parametrize("codepage", ENCODERS)
@given(text=vietnamese_text)
def test_decomposed_input_prints_the_same(codepage, text):
    """Text typed on a Mac or pasted from a PDF often arrives in NFD."""
    nfd = unicodedata.normalize("NFD", text)
    assert ENCODERS[codepage]().encode(nfd) == ENCODERS[codepage]().encode(text)


def test_cp1258_sends_base_letter_then_tone_mark():
    encoder = TextEncoder("cp1258", 52)
    assert encoder.encode("ệ") == b"\xea\xf2"  # ê + combining dot below
    assert encoder.encode("ử") == b"\xfd\xd2"  # ư + combining hook above
    assert encoder.encode("Đ") == b"\xd0"
    assert encoder.encode("à") == b"\xe0"  # kept whole where the page has it


def test_tcvn3_positions_from_the_standard():
    encoder = TextEncoder("tcvn3", 30, 31)
    assert encoder.start() == b"\x1bt\x1e"
    assert encoder.encode("à ư đ ỵ") == b"\xb5 \xad \xae \xfe"
    # An upper-case Vietnamese letter switches to page 31, the next lower-case one back to 30;
    # ASCII prints the same on both and switches nothing.
    assert encoder.encode("Ấnế") == b"\x1bt\x1f\xcan\x1bt\x1e\xd5"


def test_tcvn3_table_agrees_with_epson_chart_in_python_escpos():
    from printer_drivers import tcvn3

    assert {c: ch for ch, c in tcvn3.ENCODE["lower"].items()} == TCVN3_LOWER
    assert {c: ch for ch, c in tcvn3.ENCODE["upper"].items()} == TCVN3_UPPER


def test_tcvn3_without_upper_page_refuses_capitals_with_marks():
    with pytest.raises(UnencodableText):
        TextEncoder("tcvn3", 30, None).encode("ƯU TIÊN")


def test_punctuation_gets_ascii_look_alike_letters_never_do():
    assert TextEncoder("tcvn3", 30, 31).encode("A — B “c”") == b'A - B "c"'
    with pytest.raises(UnencodableText, match="U\\+0111"):
        TextEncoder(None).encode("đ")


def test_control_characters_are_never_sent_as_text():
    with pytest.raises(UnencodableText):
        TextEncoder("cp1258", 52).encode("A\x1bB")


def test_strip_diacritics():
    assert strip_diacritics("Nguyễn Văn Đức, Thừa Thiên Huế") == "Nguyen Van Duc, Thua Thien Hue"
