"""The announcement for one call, as a WAV file on disk, made offline.

Sources, tried in order:
1. ``clips``: the site's recorded clips (``<clips_dir>/<name>.wav``, names in
   ``docs/announcements.md``) joined in phrase order. ``chime.wav`` is optional (the
   generated chime stands in). The counter is ``number_<n>.wav``, or, when that one is not
   recorded, composed from the digit/word clips. If any clip is missing or unreadable,
   go to 2.
2. ``espeak``: the chime, then the phrase spoken by espeak-ng's Vietnamese voice, when
   espeak-ng is on PATH (and enabled). If it is absent or fails, go to 3.
3. ``chime``: the chime alone; the wall display shows the call on screen.

Every result is cached under ``cache_dir`` by a hash of its inputs (the source, the phrase,
the settings, and for clips each file's size and modification time, so a re-recorded clip
is picked up). A repeated call is a file lookup. Files are written to a temporary name and
renamed, so concurrent requests (threads, greenlets, processes) never see half a file; the
oldest files are removed beyond ``max_cached_files``.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from . import pcm as pcm_mod
from .chime import CHIME_RATE, make_chime
from .numbers import FIVE_AFTER_TENS_CHOICES, ZERO_TENS_CHOICES
from .pcm import ClipFormatError, Pcm, read_wav, silence, write_wav_atomic
from .phrase import CHIME, CallPhrase, build_call_phrase, site_clip_names, validate_number_reading
from .speech import DEFAULT_STYLE, SpeechStyle, spoken_call

log = logging.getLogger(__name__)

#: Bump when the audio made from the same inputs changes (chime, joining), to drop old caches.
CACHE_FORMAT = 1
SOURCES = ("clips", "espeak", "chime")
_GAP_AFTER_CHIME = 0.25  # seconds of silence between the chime and the synthesized voice
_STALE_TMP_SECONDS = 3600


@dataclass(frozen=True)
class AudioResult:
    """``path``: the WAV to serve (16-bit mono PCM). ``source``: "clips", "espeak" or "chime".
    ``text``: the phrase, e.g. "Mời công dân có số thứ tự A025 đến quầy số 3".
    ``clips``: the clip names joined (source "clips" only). ``cached``: served from the cache.
    ``note``: why an earlier source was passed over (missing clip, no espeak-ng...), or None."""
    path: Path
    source: str
    text: str
    clips: tuple[str, ...] = ()
    cached: bool = False
    note: str | None = None


class Announcer:
    """Makes (and caches) the announcement WAV for a call.

    >>> a = Announcer(clips_dir="/srv/qms/clips", cache_dir="/var/cache/qms/announcements")
    >>> a.audio_for_call("A025", 3).path   # doctest: +SKIP
    """

    def __init__(self, clips_dir: str | os.PathLike | None = None,
                 cache_dir: str | os.PathLike | None = None,
                 number_reading: str = "digits",
                 espeak: str | None = "espeak-ng", *,
                 style: SpeechStyle | None = None,
                 voice: str | None = None, speed: int | None = None,
                 zero_tens: str = "linh", five_after_tens: str = "lăm",
                 max_cached_files: int = 500, espeak_timeout: float = 20.0,
                 clips_ready: Callable[[], bool] | None = None):
        # clips_ready: asked on each call; False keeps the clips unused (a recorded set that
        # is still being made: the display switches when it is complete).
        self.clips_ready = clips_ready
        self.clips_dir = Path(clips_dir) if clips_dir is not None else None
        self.cache_dir = Path(cache_dir) if cache_dir is not None else (
            Path(tempfile.gettempdir()) / "qms-announcements")
        self.number_reading = validate_number_reading(number_reading)
        if zero_tens not in ZERO_TENS_CHOICES:
            raise ValueError(f"zero_tens must be one of {sorted(ZERO_TENS_CHOICES)}, got {zero_tens!r}")
        if five_after_tens not in FIVE_AFTER_TENS_CHOICES:
            raise ValueError(f"five_after_tens must be one of {sorted(FIVE_AFTER_TENS_CHOICES)}, "
                             f"got {five_after_tens!r}")
        # voice= and speed= are shorthands that adjust the style (the default: DEFAULT_STYLE).
        style = style or DEFAULT_STYLE
        if voice is not None:
            style = style.with_(voice=voice)
        if speed is not None:
            style = style.with_(speed=int(speed))
        if max_cached_files < 1:
            raise ValueError("max_cached_files must be at least 1")
        self.espeak = espeak
        self.style = style
        self.zero_tens = zero_tens
        self.five_after_tens = five_after_tens
        self.max_cached_files = max_cached_files
        self.espeak_timeout = espeak_timeout
        self._espeak_version: dict[str, str] = {}

    # -- the phrase --------------------------------------------------------------------------
    def phrase(self, label: str, counter: int | str, form: str = "full",
               chime: bool = True) -> CallPhrase:
        """The call phrase (raises ValueError for a bad label, counter or form)."""
        return build_call_phrase(label, counter, self.number_reading, zero_tens=self.zero_tens,
                                 five_after_tens=self.five_after_tens, form=form, chime=chime)

    def missing_clips(self, counters=range(1, 11)) -> list[str]:
        """The clips this site still has to record (for an admin page or a setup check)."""
        names = site_clip_names(self.number_reading, counters=counters, zero_tens=self.zero_tens,
                                five_after_tens=self.five_after_tens)
        return [n for n in names if self._clip_path(n) is None]

    # -- the audio ---------------------------------------------------------------------------
    def audio_for_call(self, label: str, counter: int | str, form: str = "full",
                       chime: bool = True) -> AudioResult:
        """The WAV announcing ticket ``label`` (e.g. "A025") to ``counter`` (1..999), in one
        of the phrase ``form``s (full, compact, brief), with or without the opening chime.

        Raises ValueError for a label not matching ``^[A-Z]{1,2}[0-9]{1,4}$``, a counter
        outside 1..999 or an unknown form; never fails for want of clips or a synthesizer
        (the chime remains).
        """
        phrase = self.phrase(label, counter, form, chime)
        notes: list[str] = []
        result = self._from_clips(phrase, notes)
        if result is None and form == "brief":
            # A site that recorded the full phrase but not "quầy" alone keeps its own voice.
            result = self._from_clips(self.phrase(label, counter, "compact", chime), notes)
        if result is None:
            result = self._from_espeak(phrase, notes)
        if result is None:
            result = self._chime_only(phrase, notes)
        return result

    # clips
    def _clip_path(self, name: str) -> Path | None:
        if self.clips_dir is None:
            return None
        p = self.clips_dir / f"{name}.wav"
        return p if p.is_file() else None

    def _resolve(self, clips: tuple[str, ...]) -> tuple[list[tuple[str, Path | None]], list[str]]:
        found, missing = [], []
        for name in clips:
            p = self._clip_path(name)
            if p is None and name != CHIME:  # the chime may be the generated one
                missing.append(name)
            found.append((name, p))
        return found, missing

    def _from_clips(self, phrase: CallPhrase, notes: list[str]) -> AudioResult | None:
        if self.clips_dir is None:
            notes.append("no clips folder configured")
            return None
        if self.clips_ready is not None and not self.clips_ready():
            notes.append("the recorded set is not complete yet")
            return None
        found, missing = self._resolve(phrase.clips)
        if missing:
            found_alt, missing_alt = self._resolve(phrase.clips_counter_in_words)
            if not missing_alt:
                found, missing = found_alt, []
        if missing:
            notes.append(f"missing clips in {self.clips_dir}: "
                         + ", ".join(f"{m}.wav" for m in missing))
            return None
        try:
            identity = []
            for name, p in found:
                if p is None:
                    identity.append([name, "generated"])
                else:
                    st = p.stat()
                    identity.append([name, st.st_size, st.st_mtime_ns])
        except OSError as e:  # removed in between
            notes.append(f"clip unreadable: {e}")
            return None
        key = self._key("clips", phrase, clips=identity)
        names = tuple(name for name, _ in found)
        hit = self._cached(key, "clips", phrase, names, notes)
        if hit:
            return hit
        try:
            parts: list[Pcm | None] = [read_wav(p) if p is not None else None for _, p in found]
        except (ClipFormatError, OSError) as e:
            log.warning("announcement clips unusable, falling back: %s", e)
            notes.append(f"clip unusable: {e}")
            return None
        rate = max((p.rate for p in parts if p is not None), default=CHIME_RATE)
        parts = [p if p is not None else make_chime(rate) for p in parts]
        audio = pcm_mod.join(parts, rate)
        return self._store(key, audio, "clips", phrase, names, notes)

    # espeak-ng
    def _espeak_exe(self) -> str | None:
        if not self.espeak:
            return None
        return shutil.which(self.espeak)

    def _version(self, exe: str) -> str:
        if exe not in self._espeak_version:
            try:
                out = subprocess.run([exe, "--version"], capture_output=True, text=True,
                                     timeout=self.espeak_timeout)
                self._espeak_version[exe] = out.stdout.strip()
            except (OSError, subprocess.SubprocessError):
                self._espeak_version[exe] = ""
        return self._espeak_version[exe]

    def _synthesize(self, exe: str, text: str) -> Pcm:
        """Run espeak-ng into a temporary WAV and read it back."""
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-espeak-", suffix=".wav", dir=self.cache_dir)
        os.close(fd)
        try:
            proc = subprocess.run(
                [exe, *self.style.espeak_args(), "-w", tmp, text],
                capture_output=True, timeout=self.espeak_timeout)
            if proc.returncode != 0:
                raise RuntimeError(f"espeak-ng exited {proc.returncode}: "
                                   f"{proc.stderr.decode(errors='replace').strip()}")
            speech = read_wav(tmp)
            if not speech.samples:
                raise RuntimeError("espeak-ng wrote no audio")
            return speech
        finally:
            try:
                os.unlink(tmp)
            except FileNotFoundError:
                pass

    def _from_espeak(self, phrase: CallPhrase, notes: list[str]) -> AudioResult | None:
        exe = self._espeak_exe()
        if exe is None:
            notes.append("espeak-ng disabled" if not self.espeak
                         else f"{self.espeak} not found on PATH")
            return None
        chime = phrase.clips[:1] == (CHIME,)
        spoken = spoken_call(phrase, self.style).text
        key = self._key("espeak", phrase, exe=exe, version=self._version(exe),
                        style=self.style.as_dict(), spoken=spoken, chime=chime)
        hit = self._cached(key, "espeak", phrase, (), notes)
        if hit:
            return hit
        try:
            speech = self._synthesize(exe, spoken)
        except (OSError, subprocess.SubprocessError, RuntimeError, ClipFormatError) as e:
            log.warning("espeak-ng failed, announcing with the chime only: %s", e)
            notes.append(f"espeak-ng failed: {e}")
            return None
        rate = speech.rate
        head = [make_chime(rate), silence(rate, _GAP_AFTER_CHIME)] if chime else []
        audio = pcm_mod.join(head + [speech], rate)
        return self._store(key, audio, "espeak", phrase, (), notes)

    # chime
    def _chime_only(self, phrase: CallPhrase, notes: list[str]) -> AudioResult:
        key = self._key("chime", None)
        hit = self._cached(key, "chime", phrase, (), notes)
        if hit:
            return hit
        return self._store(key, make_chime(CHIME_RATE), "chime", phrase, (), notes)

    # -- the cache ---------------------------------------------------------------------------
    def _key(self, source: str, phrase: CallPhrase | None, **inputs) -> str:
        material = {"format": CACHE_FORMAT, "source": source, **inputs}
        if phrase is not None:
            material.update(text=phrase.text, number_reading=self.number_reading,
                            zero_tens=self.zero_tens, five_after_tens=self.five_after_tens)
        digest = hashlib.sha256(json.dumps(material, sort_keys=True, ensure_ascii=False)
                                .encode()).hexdigest()
        return f"{source}-{digest[:40]}"

    def _path(self, key: str) -> Path:
        return self.cache_dir / f"{key}.wav"

    def _result(self, path, source, phrase, clips, notes, cached) -> AudioResult:
        return AudioResult(path=path, source=source, text=phrase.text, clips=clips,
                           cached=cached, note="; ".join(notes) or None)

    def _cached(self, key, source, phrase, clips, notes) -> AudioResult | None:
        path = self._path(key)
        if not path.is_file():
            return None
        try:
            os.utime(path)  # recently used: kept longest when pruning
        except OSError:
            pass
        return self._result(path, source, phrase, clips, notes, cached=True)

    def _store(self, key, audio: Pcm, source, phrase, clips, notes) -> AudioResult:
        path = write_wav_atomic(self._path(key), audio)
        self._prune()
        return self._result(path, source, phrase, clips, notes, cached=False)

    def _prune(self) -> None:
        """Keep at most ``max_cached_files`` announcements (least recently used go first)
        and clear temporary files left by a crash."""
        now = time.time()
        entries = []
        try:
            with os.scandir(self.cache_dir) as it:
                for e in it:
                    if not e.name.endswith(".wav"):
                        continue
                    try:
                        mtime = e.stat().st_mtime
                    except FileNotFoundError:
                        continue
                    if e.name.startswith(".tmp-"):
                        if now - mtime > _STALE_TMP_SECONDS:
                            _unlink_quietly(e.path)
                    elif e.name.split("-", 1)[0] in SOURCES:
                        entries.append((mtime, e.path))
        except FileNotFoundError:
            return
        excess = len(entries) - self.max_cached_files
        if excess > 0:
            for _, p in sorted(entries)[:excess]:
                _unlink_quietly(p)


def _unlink_quietly(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
