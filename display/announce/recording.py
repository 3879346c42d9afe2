"""A site's own voice: the set of clips an officer records on the recording page.

What to record comes from the announcement code itself (``phrase.site_clip_names`` for the
site's number reading, its counters and the letters its services use), so the page and the
announcer cannot drift apart. Each upload is cleaned by sox (the binary, as tests/run.sh and
the deploy install it): made 16-bit mono 22.05 kHz, leading and trailing silence trimmed,
loudness evened to one RMS level with sox's limiter guarding the peaks. The set lives in the
site's instance folder (``<instance>/recorded_clips``); the display uses it once every clip
has been recorded (the ``active`` marker is written then) and stays on it afterwards, each
call falling back to espeak-ng when one of its clips is missing (a counter added later).

sox rather than a Python audio stack: it is already on every site (espeak-ng's output and
the tests use it), its ``silence``, ``gain`` and ``stats`` effects do exactly this job, and it
adds no wheel with native code to the server. (pysox, the Python wrapper, only builds the
same command lines.) Every call here blocks: the server runs it in its thread pool.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import wave
from dataclasses import dataclass
from pathlib import Path

from .phrase import clip_words, site_clip_names

#: The level every clip is brought to (RMS, dB below full scale); espeak-ng's voice is ~-19.
TARGET_RMS_DB = -20.0
RATE = 22050
MAX_UPLOAD_BYTES = 4 * 1024 * 1024   # 20 s of 48 kHz 16-bit mono, with room for a header
MAX_SECONDS = 15.0                   # one word or short phrase; longer is a mistake
MIN_SPEECH_SECONDS = 0.08            # what is left after trimming must be a sound
QUIET_PEAK_DB = -50.0                # a louder peak than this is needed: else "no voice heard"
# Silence is what stays 35 dB under the clip's peak (after normalising the peak) for 30 ms:
# relative to the clip, so a quiet headset and a loud one are trimmed alike.
_TRIM = ["silence", "1", "0.03", "-35d", "reverse", "silence", "1", "0.03", "-35d", "reverse"]
SOX_TIMEOUT = 30.0
ACTIVE_MARKER = "active.json"
_NAME = re.compile(r"^[a-z0-9_]{1,40}$")


class BadClip(ValueError):
    """An upload that is not usable audio; ``message_vi`` says why in Vietnamese."""

    def __init__(self, message_vi: str, message_en: str):
        super().__init__(message_en)
        self.message_vi = message_vi


@dataclass(frozen=True)
class ClipNeeded:
    name: str
    words: str      # what to say, e.g. "đến quầy số"
    group: str      # phrase | letter | digit | word | counter


def _group(name: str) -> str:
    for prefix, group in (("letter_", "letter"), ("digit_", "digit"), ("word_", "word"),
                          ("number_", "counter")):
        if name.startswith(prefix):
            return group
    return "phrase"


def clips_needed(number_reading: str, counters, letters, zero_tens: str = "linh",
                 five_after_tens: str = "lăm") -> list[ClipNeeded]:
    """Every clip the announcements of this site need, in recording order."""
    names = site_clip_names(number_reading, counters=sorted(set(counters)), letters=letters,
                            zero_tens=zero_tens, five_after_tens=five_after_tens)
    return [ClipNeeded(n, clip_words(n), _group(n)) for n in names]


class SoxMissing(RuntimeError):
    """sox is not on PATH: the server cannot clean a recording (apt-get install sox)."""


def sox_exe() -> str:
    exe = shutil.which("sox")
    if exe is None:
        raise SoxMissing("sox is not installed on the server (apt-get install sox)")
    return exe


def _sox(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sox_exe(), *args], capture_output=True, text=True,
                          timeout=SOX_TIMEOUT)


def audio_stats(path: str | os.PathLike) -> dict:
    """sox ``stats`` of a file: peak and RMS level (dB), length (s). BadClip if sox cannot
    read it."""
    proc = _sox(os.fspath(path), "-n", "stats")
    if proc.returncode != 0:
        raise BadClip("Tệp âm thanh hỏng hoặc không đọc được.",
                      f"not readable audio: {proc.stderr.strip()[-200:]}")
    out = {}
    for line in proc.stderr.splitlines():
        m = re.match(r"^(Pk lev dB|RMS lev dB|Length s)\s+(\S+)", line)
        if m:
            value = float(m.group(2)) if m.group(2) not in ("-inf", "inf") else float("-inf")
            out[{"Pk lev dB": "peak_db", "RMS lev dB": "rms_db", "Length s": "seconds"}[m.group(1)]] = value
    if "seconds" not in out:
        raise BadClip("Tệp âm thanh hỏng hoặc không đọc được.", "sox found no audio in the file")
    return out


def check_wav_header(data: bytes) -> None:
    """A RIFF/WAVE file with integer PCM that Python's wave module reads (what the announcer
    joins); refuses anything else before sox sees it."""
    if len(data) < 44 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise BadClip("Tệp gửi lên không phải WAV.", "the upload is not a RIFF/WAVE file")
    import io
    try:
        with wave.open(io.BytesIO(data)) as w:
            frames, rate, channels = w.getnframes(), w.getframerate(), w.getnchannels()
    except (wave.Error, EOFError) as e:
        raise BadClip("Tệp WAV phải là PCM số nguyên (8/16/24/32 bit).",
                      f"not an integer-PCM WAV: {e}") from None
    if rate < 8000 or rate > 192000 or channels < 1 or channels > 8:
        raise BadClip("Tệp WAV có thông số lạ (tần số lấy mẫu hoặc số kênh).",
                      f"odd WAV format: {rate} Hz, {channels} channels")
    if frames == 0:
        raise BadClip("Bản thu trống.", "the recording is empty")
    if frames / rate > MAX_SECONDS:
        raise BadClip(f"Bản thu dài quá {MAX_SECONDS:.0f} giây; mỗi bản chỉ một từ hoặc cụm từ.",
                      f"longer than {MAX_SECONDS:.0f} s")


def prepare_clip(source: str | os.PathLike, target: str | os.PathLike) -> dict:
    """Trim silence and even loudness of ``source`` into ``target`` (16-bit mono WAV at
    RATE). Returns the stats of the result. BadClip when no voice is heard."""
    before = audio_stats(source)
    if before.get("peak_db", float("-inf")) < QUIET_PEAK_DB:
        raise BadClip("Không nghe thấy tiếng: hãy kiểm tra micrô và thu lại.",
                      f"no voice heard (peak {before.get('peak_db')} dB)")
    target = Path(target)
    with tempfile.TemporaryDirectory(prefix=".prep-", dir=target.parent) as work:
        trimmed = os.path.join(work, "trimmed.wav")
        # Peak-normalise first so the trim threshold is relative to this clip's voice.
        proc = _sox(os.fspath(source), "-b", "16", "-c", "1", "-r", str(RATE), trimmed,
                    "gain", "-n", "-1", *_TRIM)
        if proc.returncode != 0:
            raise BadClip("Không xử lý được bản thu.", f"sox failed: {proc.stderr.strip()[-200:]}")
        mid = audio_stats(trimmed)
        if mid["seconds"] < MIN_SPEECH_SECONDS:
            raise BadClip("Không nghe thấy tiếng: hãy kiểm tra micrô và thu lại.",
                          "nothing left after trimming the silence")
        leveled = os.path.join(work, "leveled.wav")
        proc = _sox(trimmed, leveled, *_volume(TARGET_RMS_DB - mid["rms_db"]))
        if proc.returncode != 0:
            raise BadClip("Không xử lý được bản thu.", f"sox failed: {proc.stderr.strip()[-200:]}")
        after = audio_stats(leveled)
        with open(leveled, "rb") as f:
            os.fsync(f.fileno())
        os.replace(leveled, target)
    return after


def _volume(gain_db: float) -> list[str]:
    """sox's ``vol`` effect for ``gain_db``, as an amplitude factor (a negative dB figure
    would be read as an option); a boost gets vol's peak limiter so nothing clips."""
    factor = 10 ** (gain_db / 20)
    if factor <= 1:
        return ["vol", f"{factor:.6f}"]
    return ["vol", f"{factor:.6f}", "amplitude", "0.05"]


class RecordedSet:
    """The recorded clips of a site: ``<folder>/<name>.wav`` and the ``active.json`` marker."""

    def __init__(self, folder: str | os.PathLike):
        self.folder = Path(folder)

    def path(self, name: str) -> Path:
        if not _NAME.match(name):
            raise ValueError(f"bad clip name {name!r}")
        return self.folder / f"{name}.wav"

    def has(self, name: str) -> bool:
        return self.path(name).is_file()

    def missing(self, needed: list[ClipNeeded]) -> list[str]:
        return [c.name for c in needed if not self.has(c.name)]

    @property
    def active(self) -> bool:
        """True once the set was complete: the display reads it from then on."""
        return (self.folder / ACTIVE_MARKER).is_file()

    def activate_if_complete(self, needed: list[ClipNeeded]) -> bool:
        if not self.active and not self.missing(needed):
            tmp = self.folder / f".{ACTIVE_MARKER}.tmp"
            tmp.write_text(json.dumps({"completed_at": time.time(),
                                       "clips": [c.name for c in needed]}), encoding="utf-8")
            os.replace(tmp, self.folder / ACTIVE_MARKER)
        return self.active

    def store(self, name: str, data: bytes) -> dict:
        """Check, clean and keep one uploaded WAV as clip ``name``; blocking (sox)."""
        check_wav_header(data)
        self.folder.mkdir(parents=True, exist_ok=True)
        fd, upload = tempfile.mkstemp(prefix=".upload-", suffix=".wav", dir=self.folder)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            return prepare_clip(upload, self.path(name))
        finally:
            try:
                os.unlink(upload)
            except FileNotFoundError:
                pass

    def info(self, name: str) -> dict | None:
        p = self.path(name)
        try:
            with wave.open(os.fspath(p)) as w:
                seconds = w.getnframes() / w.getframerate()
            st = p.stat()
        except (FileNotFoundError, wave.Error, EOFError):
            return None
        return {"seconds": round(seconds, 2), "recorded_at": st.st_mtime}


__all__ = ["BadClip", "SoxMissing", "ClipNeeded", "RecordedSet", "clips_needed", "prepare_clip",
           "audio_stats", "TARGET_RMS_DB", "MAX_UPLOAD_BYTES", "MAX_SECONDS"]
