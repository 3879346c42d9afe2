"""How espeak-ng says a call: the speech style's text and options, through the display's own
Announcer (the same path the intelligibility benchmark measures)."""
import shutil
import wave

import pytest

from display.announce import Announcer, build_call_phrase
from display.announce.speech import DEFAULT_STYLE, SpeechStyle, spoken_call

needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None,
                                  reason="espeak-ng is not installed (Debian package espeak-ng)")

BASE = SpeechStyle(voice="vi", speed=140, word_gap=0, digit_pause="comma",
                   order="call_first", repeat=False)


def test_the_styles_texts():
    p = build_call_phrase("A025", 3)
    assert spoken_call(p, BASE).text == "Mời công dân có số thứ tự, a, không, hai, năm, đến quầy số ba."
    # espeak-ng stops at a full stop only before a capital: each group starts a sentence.
    assert spoken_call(p, BASE.with_(digit_pause="period")).text == (
        "Mời công dân có số thứ tự, a. Không. Hai. Năm, đến quầy số ba.")
    assert spoken_call(p, BASE.with_(digit_pause="break")).text == (
        'Mời công dân có số thứ tự, a<break time="350ms"/>không<break time="350ms"/>hai'
        '<break time="350ms"/>năm, đến quầy số ba.')
    assert spoken_call(p, BASE.with_(digit_pause="none")).text == (
        "Mời công dân có số thứ tự, a không hai năm, đến quầy số ba.")
    assert spoken_call(p, BASE.with_(order="number_first")).text == (
        "Số a, không, hai, năm, mời đến quầy số ba.")
    repeated = spoken_call(build_call_phrase("B107", 12), BASE.with_(repeat=True))
    assert repeated.text == ("Mời công dân có số thứ tự, bê, một, không, bảy, đến quầy số mười hai."
                             " Xin nhắc lại, bê, một, không, bảy, quầy số mười hai.")
    assert [r for r, _ in repeated.parts].count("number") == 2
    # The shorter forms keep their shape; a backlog's brief number runs together.
    assert spoken_call(build_call_phrase("A025", 3, form="compact"), BASE.with_(order="number_first")).text == (
        "a, không, hai, năm, đến quầy số ba.")
    assert spoken_call(build_call_phrase("A025", 3, form="brief"), BASE.with_(digit_pause="period")).text == (
        "a không hai năm, quầy ba.")


def test_parts_name_the_number_and_the_counter():
    parts = dict(spoken_call(build_call_phrase("AB025", 12, "words"), BASE).parts)
    assert parts["number"] == "a, bê, hai mươi lăm" and parts["counter"] == "mười hai"


def test_espeak_options_and_bad_styles():
    assert BASE.espeak_args() == ["-v", "vi", "-s", "140"]
    assert BASE.with_(digit_pause="break").espeak_args() == ["-v", "vi", "-s", "140", "-m"]
    assert BASE.with_(word_gap=12, voice="vi-vn-x-south", speed=110).espeak_args() == [
        "-v", "vi-vn-x-south", "-s", "110", "-g", "12"]
    for bad in ({"speed": 50}, {"word_gap": -1}, {"digit_pause": "long"}, {"order": "last"},
                {"voice": "vi; rm -rf /"}, {"voice": ""}, {"speed": True}):
        with pytest.raises(ValueError):
            BASE.with_(**bad)


def test_the_phrase_is_spoken_in_the_default_style():
    p = build_call_phrase("A025", 3)
    assert p.spoken == spoken_call(p, DEFAULT_STYLE).text


def _seconds(path):
    with wave.open(str(path)) as w:
        return w.getnframes() / w.getframerate()


@needs_espeak
def test_the_announcer_speaks_in_its_style(tmp_path):
    """Word gaps and a repeat make the real espeak-ng announcement longer; each style is its
    own cache entry."""
    def said(style):
        a = Announcer(cache_dir=tmp_path / "cache", style=style)
        r = a.audio_for_call("A025", 3, chime=False)
        assert r.source == "espeak"
        return r.path, _seconds(r.path)
    base_path, base = said(BASE)
    gap_path, gap = said(BASE.with_(word_gap=12))
    rep_path, rep = said(BASE.with_(repeat=True))
    _, run_together = said(BASE.with_(digit_pause="none"))
    _, stops = said(BASE.with_(digit_pause="period"))
    _, breaks = said(BASE.with_(digit_pause="break"))
    assert len({base_path, gap_path, rep_path}) == 3
    assert gap > base + 0.5 and rep > base + 1.5
    # Each pacing of the digits is really heard: none < comma < full stops, SSML breaks.
    assert run_together < base - 0.3 and stops > base + 0.3 and breaks > run_together + 0.8
    south = Announcer(cache_dir=tmp_path / "cache", voice="vi-vn-x-south").audio_for_call("A025", 3)
    assert south.source == "espeak" and south.path not in (base_path, gap_path, rep_path)


def test_a_repeat_keeps_a_bursts_calls_short():
    style = BASE.with_(repeat=True)
    for form in ("compact", "brief"):
        p = build_call_phrase("A025", 3, form=form)
        assert spoken_call(p, style).text == spoken_call(p, BASE).text
