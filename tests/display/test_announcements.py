"""Announcement audio for the wall display: phrase, number words, clips, espeak-ng, chime, cache."""
from __future__ import annotations

import os
import shutil
import stat
import struct
import sys
import threading
import wave
from array import array
from pathlib import Path

import pytest

from display.announce import Announcer, build_call_phrase, make_chime, number_words, site_clip_names
from display.announce.chime import CHIME_RATE
from display.announce.pcm import Pcm, read_wav, resample

ESPEAK = shutil.which("espeak-ng")
needs_espeak = pytest.mark.skipif(ESPEAK is None, reason="espeak-ng is not installed (Debian package espeak-ng)")


# -- helpers -------------------------------------------------------------------------------

def write_wav(path: Path, samples, *, rate=16000, channels=1, width=2) -> None:
    """Write integer ``samples`` (already interleaved, in the file's own width) as PCM WAV."""
    if width == 1:
        raw = bytes(samples)
    elif width == 2:
        raw = struct.pack(f"<{len(samples)}h", *samples)
    elif width == 3:
        raw = b"".join(s.to_bytes(3, "little", signed=True) for s in samples)
    else:
        raw = struct.pack(f"<{len(samples)}i", *samples)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(width)
        w.setframerate(rate)
        w.writeframes(raw)


def wav_samples(path) -> tuple[tuple, array]:
    with wave.open(str(path), "rb") as w:
        params = (w.getnchannels(), w.getsampwidth(), w.getframerate())
        a = array("h")
        a.frombytes(w.readframes(w.getnframes()))
    if sys.byteorder == "big":
        a.byteswap()
    return params, a


def runs(samples) -> list[int]:
    """The sequence of distinct constant values (collapsing repeats)."""
    out = []
    for s in samples:
        if not out or out[-1] != s:
            out.append(s)
    return out


def make_clip_folder(folder: Path, names, *, with_chime=True) -> dict[str, list[int]]:
    """One constant-valued clip per name, each with its own value and length."""
    folder.mkdir(parents=True, exist_ok=True)
    made = {}
    all_names = (["chime"] if with_chime else []) + list(names)
    for i, name in enumerate(all_names):
        value = 500 + 137 * i
        samples = [value] * (200 + 17 * i)
        write_wav(folder / f"{name}.wav", samples)
        made[name] = samples
    return made


ALL_CLIPS = sorted(set(site_clip_names("words", counters=range(1, 13))
                       + site_clip_names("digits", counters=range(1, 13))))


@pytest.fixture
def fake_espeak(tmp_path):
    """An espeak-ng stand-in: writes a 1 s 440 Hz tone at 22050 Hz and logs each synthesis."""
    log = tmp_path / "espeak-calls.log"
    exe = tmp_path / "bin" / "fake-espeak"
    exe.parent.mkdir()
    exe.write_text(f"""#!{sys.executable}
import math, struct, sys, wave
args = sys.argv[1:]
if args == ["--version"]:
    print("fake espeak 0.0"); sys.exit(0)
if "--fail" in open({str(tmp_path / 'mode')!r}).read():
    print("synth broke", file=sys.stderr); sys.exit(3)
out = args[args.index("-w") + 1]
with open({str(log)!r}, "a", encoding="utf-8") as f:
    f.write(args[-1] + "\\n")
n = 22050
with wave.open(out, "wb") as w:
    w.setnchannels(1); w.setsampwidth(2); w.setframerate(22050)
    w.writeframes(b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * k / 22050))) for k in range(n)))
""", encoding="utf-8")
    exe.chmod(exe.stat().st_mode | stat.S_IEXEC)
    (tmp_path / "mode").write_text("ok")

    class Fake:
        path = str(exe)

        @staticmethod
        def calls() -> list[str]:
            return log.read_text(encoding="utf-8").splitlines() if log.exists() else []

        @staticmethod
        def fail():
            (tmp_path / "mode").write_text("--fail")
    return Fake


# -- the phrase ----------------------------------------------------------------------------

def test_phrase_digits():
    p = build_call_phrase("A025", 3, "digits")
    assert p.text == "Mời công dân có số thứ tự A025 đến quầy số 3"
    assert p.clips == ("chime", "moi_cong_dan_co_so_thu_tu", "letter_a", "digit_0", "digit_2",
                       "digit_5", "den_quay_so", "number_3")
    assert p.spoken == "Mời công dân có số thứ tự, a, không, hai, năm, đến quầy số ba."


def test_phrase_words_two_letters_and_counter_in_words():
    p = build_call_phrase("AB025", 12, "words")
    assert p.text == "Mời công dân có số thứ tự AB025 đến quầy số 12"
    assert p.clips == ("chime", "moi_cong_dan_co_so_thu_tu", "letter_a", "letter_b", "digit_2",
                       "word_muoi_20", "word_lam", "den_quay_so", "number_12")
    assert p.clips_counter_in_words[-3:] == ("den_quay_so", "word_muoi_10", "digit_2")
    assert p.spoken == "Mời công dân có số thứ tự, a, bê, hai mươi lăm, đến quầy số mười hai."


@pytest.mark.parametrize("n, words", [
    (0, "không"), (1, "một"), (4, "bốn"), (5, "năm"), (9, "chín"),
    (10, "mười"), (11, "mười một"), (14, "mười bốn"), (15, "mười lăm"), (19, "mười chín"),
    (20, "hai mươi"), (21, "hai mươi mốt"), (24, "hai mươi bốn"), (25, "hai mươi lăm"),
    (31, "ba mươi mốt"), (55, "năm mươi lăm"), (99, "chín mươi chín"),
    (100, "một trăm"), (101, "một trăm linh một"), (105, "một trăm linh năm"),
    (110, "một trăm mười"), (111, "một trăm mười một"), (115, "một trăm mười lăm"),
    (121, "một trăm hai mươi mốt"), (200, "hai trăm"), (305, "ba trăm linh năm"),
    (1000, "một nghìn"), (1001, "một nghìn không trăm linh một"),
    (1005, "một nghìn không trăm linh năm"), (1010, "một nghìn không trăm mười"),
    (1025, "một nghìn không trăm hai mươi lăm"), (1100, "một nghìn một trăm"),
    (2015, "hai nghìn không trăm mười lăm"), (2021, "hai nghìn không trăm hai mươi mốt"),
    (9999, "chín nghìn chín trăm chín mươi chín"),
])
def test_number_words(n, words):
    assert number_words(n) == words


def test_number_word_styles():
    assert number_words(105, zero_tens="lẻ") == "một trăm lẻ năm"
    assert number_words(25, five_after_tens="nhăm") == "hai mươi nhăm"
    assert number_words(15, five_after_tens="nhăm") == "mười lăm"  # never "mười nhăm"
    with pytest.raises(ValueError):
        number_words(10000)
    with pytest.raises(ValueError):
        number_words(5, zero_tens="le")


def test_words_reading_uses_leading_zero_free_number():
    assert build_call_phrase("A025", 1, "words").spoken.startswith(
        "Mời công dân có số thứ tự, a, hai mươi lăm,")
    assert build_call_phrase("C0000", 1, "words").clips[2:4] == ("letter_c", "digit_0")


# -- bad input -----------------------------------------------------------------------------

@pytest.mark.parametrize("label", ["a025", "A", "025", "ABC1", "A12345", "A025\n", " A025",
                                   "A-25", "A٠٢٥", "Đ12", "", None, 25, b"A025"])
def test_bad_label_refused(tmp_path, label):
    with pytest.raises(ValueError, match="ticket number"):
        Announcer(cache_dir=tmp_path, espeak=None).audio_for_call(label, 3)


@pytest.mark.parametrize("counter", [0, 1000, -1, "3a", "", "1000", True, 3.0, None, "٣"])
def test_bad_counter_refused(tmp_path, counter):
    with pytest.raises(ValueError, match="counter"):
        Announcer(cache_dir=tmp_path, espeak=None).audio_for_call("A025", counter)


def test_counter_from_query_string_accepted(tmp_path):
    r = Announcer(cache_dir=tmp_path, espeak=None).audio_for_call("A025", "3")
    assert r.text.endswith("đến quầy số 3")


def test_bad_settings_refused(tmp_path):
    with pytest.raises(ValueError, match="number_reading"):
        Announcer(cache_dir=tmp_path, number_reading="roman")
    with pytest.raises(ValueError, match="zero_tens"):
        Announcer(cache_dir=tmp_path, zero_tens="le")


# -- the chime -----------------------------------------------------------------------------

def test_chime_is_a_two_tone_sound():
    chime = make_chime()
    assert chime.rate == CHIME_RATE == 16000
    assert 0.8 < chime.seconds < 2.0
    assert max(abs(s) for s in chime.samples) > 8000
    assert chime.samples[0] == 0 and abs(chime.samples[-1]) < 50  # no click at either end


def test_chime_only_when_no_clips_and_no_espeak(tmp_path):
    r = Announcer(cache_dir=tmp_path / "cache", espeak=None).audio_for_call("A025", 3)
    assert r.source == "chime"
    assert r.text == "Mời công dân có số thứ tự A025 đến quầy số 3"
    params, samples = wav_samples(r.path)
    assert params == (1, 2, 16000)
    assert samples == make_chime().samples
    r2 = Announcer(cache_dir=tmp_path / "cache", espeak="no-such-espeak-binary").audio_for_call("B1", 4)
    assert r2.source == "chime" and "not found" in r2.note


def test_espeak_failure_falls_back_to_chime(tmp_path, fake_espeak):
    fake_espeak.fail()
    r = Announcer(cache_dir=tmp_path / "cache", espeak=fake_espeak.path).audio_for_call("A025", 3)
    assert r.source == "chime"
    assert "synth broke" in r.note


# -- recorded clips ------------------------------------------------------------------------

def test_clips_concatenated_in_phrase_order(tmp_path):
    clips = make_clip_folder(tmp_path / "clips", ALL_CLIPS)
    a = Announcer(clips_dir=tmp_path / "clips", cache_dir=tmp_path / "cache", espeak=None)
    r = a.audio_for_call("A025", 3)
    assert r.source == "clips" and r.note is None
    assert r.clips == build_call_phrase("A025", 3).clips
    params, samples = wav_samples(r.path)
    assert params == (1, 2, 16000)
    expected = [s for name in r.clips for s in clips[name]]
    assert list(samples) == expected
    # and the order, read back from the frames
    by_value = {v[0]: name for name, v in clips.items()}
    assert [by_value[v] for v in runs(samples)] == list(r.clips)


def test_clips_words_reading(tmp_path):
    clips = make_clip_folder(tmp_path / "clips", ALL_CLIPS)
    a = Announcer(clips_dir=tmp_path / "clips", cache_dir=tmp_path / "cache", espeak=None,
                  number_reading="words")
    r = a.audio_for_call("B1025", 12)
    by_value = {v[0]: name for name, v in clips.items()}
    _, samples = wav_samples(r.path)
    assert [by_value[v] for v in runs(samples)] == [
        "chime", "moi_cong_dan_co_so_thu_tu", "letter_b", "digit_1", "word_nghin", "digit_0",
        "word_tram", "digit_2", "word_muoi_20", "word_lam", "den_quay_so", "number_12"]


def test_generated_chime_when_site_has_no_chime_clip(tmp_path):
    clips = make_clip_folder(tmp_path / "clips", ALL_CLIPS, with_chime=False)
    r = Announcer(clips_dir=tmp_path / "clips", cache_dir=tmp_path / "cache",
                  espeak=None).audio_for_call("A7", 2)
    assert r.source == "clips"
    _, samples = wav_samples(r.path)
    chime = make_chime(16000).samples
    assert samples[:len(chime)] == chime
    assert list(samples[len(chime):]) == [s for n in r.clips[1:] for s in clips[n]]


def test_counter_composed_when_number_clip_not_recorded(tmp_path):
    clips = make_clip_folder(tmp_path / "clips", [n for n in ALL_CLIPS if n != "number_12"])
    r = Announcer(clips_dir=tmp_path / "clips", cache_dir=tmp_path / "cache",
                  espeak=None).audio_for_call("A1", 12)
    assert r.source == "clips"
    assert r.clips[-3:] == ("den_quay_so", "word_muoi_10", "digit_2")
    _, samples = wav_samples(r.path)
    assert list(samples) == [s for n in r.clips for s in clips[n]]


def test_mismatched_clip_formats_are_converted(tmp_path):
    folder = tmp_path / "clips"
    clips = make_clip_folder(folder, ALL_CLIPS)
    # digit_2: 8 kHz, stereo, 8-bit unsigned; both channels averaged -> (160-128)<<8 = 8192
    write_wav(folder / "digit_2.wav", [150, 170] * 100, rate=8000, channels=2, width=1)
    # digit_5: 16 kHz, 24-bit; value 0x123400 -> 0x1234 in 16-bit
    write_wav(folder / "digit_5.wav", [0x123400] * 300, rate=16000, width=3)
    # letter_a: 32 kHz 16-bit: the highest rate, so the output is 32 kHz
    write_wav(folder / "letter_a.wav", [-777] * 640, rate=32000)
    r = Announcer(clips_dir=folder, cache_dir=tmp_path / "cache", espeak=None).audio_for_call("A025", 3)
    assert r.source == "clips"
    params, samples = wav_samples(r.path)
    assert params == (1, 2, 32000)
    assert runs(samples) == [clips["chime"][0], clips["moi_cong_dan_co_so_thu_tu"][0], -777,
                             clips["digit_0"][0], 8192, 0x1234, clips["den_quay_so"][0],
                             clips["number_3"][0]]
    assert samples.count(8192) == 400          # 100 frames at 8 kHz -> 400 at 32 kHz
    assert samples.count(-777) == 640          # already at 32 kHz
    assert samples.count(0x1234) == 600        # 300 at 16 kHz -> 600


def test_missing_clip_falls_back_to_espeak(tmp_path, fake_espeak):
    make_clip_folder(tmp_path / "clips", [n for n in ALL_CLIPS if n != "digit_5"])
    r = Announcer(clips_dir=tmp_path / "clips", cache_dir=tmp_path / "cache",
                  espeak=fake_espeak.path).audio_for_call("A025", 3)
    assert r.source == "espeak"
    assert "digit_5.wav" in r.note
    assert fake_espeak.calls() == ["Mời công dân có số thứ tự, a, không, hai, năm, đến quầy số ba."]
    params, samples = wav_samples(r.path)
    assert params == (1, 2, 22050)  # the chime is made at the voice's rate
    chime = make_chime(22050).samples
    assert samples[:len(chime)] == chime
    assert len(samples) > len(chime) + 22050


def test_unreadable_clip_falls_back_to_espeak(tmp_path, fake_espeak):
    make_clip_folder(tmp_path / "clips", ALL_CLIPS)
    (tmp_path / "clips" / "digit_2.wav").write_bytes(b"not a wav at all")
    r = Announcer(clips_dir=tmp_path / "clips", cache_dir=tmp_path / "cache",
                  espeak=fake_espeak.path).audio_for_call("A025", 3)
    assert r.source == "espeak"
    assert "digit_2.wav" in r.note


def test_missing_clips_listed_for_the_site(tmp_path):
    make_clip_folder(tmp_path / "clips", [n for n in ALL_CLIPS if n not in ("letter_q", "number_2")])
    a = Announcer(clips_dir=tmp_path / "clips", cache_dir=tmp_path / "cache", espeak=None)
    assert a.missing_clips(counters=range(1, 4)) == ["letter_q", "number_2"]
    names = site_clip_names("words", counters=[1])
    assert "word_linh" in names and "word_le" not in names and "word_nham" not in names
    assert "word_lam" in site_clip_names("words", counters=[1], five_after_tens="nhăm")


# -- espeak-ng -----------------------------------------------------------------------------

@needs_espeak
def test_espeak_ng_voice(tmp_path):
    r = Announcer(cache_dir=tmp_path / "cache").audio_for_call("A025", 3)
    assert r.source == "espeak"
    params, samples = wav_samples(r.path)
    assert params[0] == 1 and params[1] == 2
    rate = params[2]
    chime = make_chime(rate).samples
    assert samples[:len(chime)] == chime
    speech = samples[len(chime):]
    assert len(speech) / rate > 1.5, "the spoken phrase should take more than 1.5 s"
    rms = (sum(s * s for s in speech) / len(speech)) ** 0.5
    assert rms > 500, "the voice part is silent"


@needs_espeak
def test_espeak_ng_words_reading(tmp_path):
    r = Announcer(cache_dir=tmp_path / "cache", number_reading="words").audio_for_call("B1025", 12)
    assert r.source == "espeak"
    assert read_wav(r.path).seconds > make_chime().seconds + 1.5


# -- the cache -----------------------------------------------------------------------------

def test_cache_hit_returns_same_file_without_resynthesis(tmp_path, fake_espeak):
    a = Announcer(cache_dir=tmp_path / "cache", espeak=fake_espeak.path)
    first = a.audio_for_call("A025", 3)
    before = first.path.read_bytes()
    second = a.audio_for_call("A025", 3)
    assert first.cached is False and second.cached is True
    assert second.path == first.path and second.path.read_bytes() == before
    assert len(fake_espeak.calls()) == 1
    # a fresh Announcer (another worker, after a restart) uses the same cache
    third = Announcer(cache_dir=tmp_path / "cache", espeak=fake_espeak.path).audio_for_call("A025", 3)
    assert third.path == first.path and third.cached and len(fake_espeak.calls()) == 1
    # another phrase or another setting is another file
    assert a.audio_for_call("A025", 4).path != first.path
    b = Announcer(cache_dir=tmp_path / "cache", espeak=fake_espeak.path, number_reading="words")
    assert b.audio_for_call("A025", 3).path != first.path
    assert len(fake_espeak.calls()) == 3


@needs_espeak
def test_cache_hit_with_real_espeak(tmp_path, monkeypatch):
    a = Announcer(cache_dir=tmp_path / "cache")
    first = a.audio_for_call("C9", 7)

    def no_synthesis(*args, **kwargs):
        raise AssertionError("synthesized again")
    monkeypatch.setattr(a, "_synthesize", no_synthesis)
    second = a.audio_for_call("C9", 7)
    assert second.path == first.path and second.cached and second.source == "espeak"


def test_re_recorded_clip_makes_a_new_file(tmp_path):
    folder = tmp_path / "clips"
    make_clip_folder(folder, ALL_CLIPS)
    a = Announcer(clips_dir=folder, cache_dir=tmp_path / "cache", espeak=None)
    first = a.audio_for_call("A025", 3)
    write_wav(folder / "digit_2.wav", [4242] * 999)
    second = a.audio_for_call("A025", 3)
    assert second.path != first.path and not second.cached
    _, samples = wav_samples(second.path)
    assert samples.count(4242) == 999


def test_cache_is_bounded(tmp_path):
    make_clip_folder(tmp_path / "clips", ALL_CLIPS)
    a = Announcer(clips_dir=tmp_path / "clips", cache_dir=tmp_path / "cache", espeak=None,
                  max_cached_files=3)
    for counter in range(1, 8):
        a.audio_for_call("A1", counter)
    assert len(list((tmp_path / "cache").glob("*.wav"))) == 3


def test_concurrent_requests_get_one_whole_file(tmp_path, fake_espeak):
    a = Announcer(cache_dir=tmp_path / "cache", espeak=fake_espeak.path)
    results, errors = [], []

    def call():
        try:
            results.append(a.audio_for_call("A025", 3))
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)
    threads = [threading.Thread(target=call) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len({r.path for r in results}) == 1
    read_wav(results[0].path)
    assert not [p for p in os.listdir(tmp_path / "cache") if p.startswith(".tmp-")]


# -- pcm -----------------------------------------------------------------------------------

def test_resample_keeps_a_constant_and_scales_length():
    up = resample(Pcm(8000, array("h", [1000] * 80)), 22050)
    assert len(up.samples) == 220 and set(up.samples) == {1000}
    ramp = resample(Pcm(8000, array("h", [0, 800])), 16000)
    assert list(ramp.samples) == [0, 400, 800, 800]


# -- shorter phrases for a burst of calls -------------------------------------------------

def test_phrase_forms_say_less_and_the_chime_is_optional():
    full = build_call_phrase("A025", 3)
    compact = build_call_phrase("A025", 3, form="compact", chime=False)
    brief = build_call_phrase("A025", 3, form="brief", chime=False)
    assert full.text == "Mời công dân có số thứ tự A025 đến quầy số 3"
    assert compact.text == "A025 đến quầy số 3"
    assert brief.text == "A025, quầy 3"
    assert compact.clips == ("letter_a", "digit_0", "digit_2", "digit_5", "den_quay_so", "number_3")
    assert brief.clips == ("letter_a", "digit_0", "digit_2", "digit_5", "quay", "number_3")
    assert build_call_phrase("A025", 3, form="compact").clips[0] == "chime"
    assert "quay" in site_clip_names()
    with pytest.raises(ValueError):
        build_call_phrase("A025", 3, form="short")


def test_brief_form_falls_back_to_the_compact_clips_when_quay_is_not_recorded(tmp_path):
    clips = tmp_path / "clips"
    clips.mkdir()
    for name in site_clip_names():
        if name != "quay":
            write_wav(clips / f"{name}.wav", [100] * 400)
    a = Announcer(clips_dir=clips, cache_dir=tmp_path / "cache", espeak=None)
    result = a.audio_for_call("A025", 3, form="brief", chime=False)
    assert result.source == "clips"
    assert result.clips == ("letter_a", "digit_0", "digit_2", "digit_5", "den_quay_so", "number_3")


@needs_espeak
def test_espeak_forms_are_shorter(tmp_path):
    a = Announcer(cache_dir=tmp_path)
    lengths = {}
    for form, chime in (("full", True), ("compact", False), ("brief", False)):
        result = a.audio_for_call("A025", 3, form=form, chime=chime)
        assert result.source == "espeak"
        pcm = read_wav(result.path)
        lengths[form] = len(pcm.samples) / pcm.rate
    assert lengths["brief"] < lengths["compact"] < lengths["full"] / 1.8
