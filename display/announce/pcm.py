"""Plain PCM audio with the stdlib: read any PCM WAV as 16-bit mono, resample, join, write.

Every clip is brought to one format before joining: 16-bit signed, mono, one sample rate.
- sample width: 8-bit (unsigned), 16, 24 and 32-bit PCM are scaled to 16-bit;
- channels: several channels are averaged down to mono;
- sample rate: resampled by linear interpolation. Callers pick the highest rate among
  the parts as the target, so in practice audio is only ever *up*sampled (linear
  interpolation is a poor low-pass, and downsampling with it would alias).
A WAV that is not integer PCM (float, A-law, compressed) is refused with
:class:`ClipFormatError`.
"""
from __future__ import annotations

import io
import os
import sys
import tempfile
import wave
from array import array
from dataclasses import dataclass
from pathlib import Path

SAMPLE_WIDTH = 2  # bytes: every output is 16-bit signed PCM
CHANNELS = 1      # every output is mono


class ClipFormatError(ValueError):
    """A WAV file that cannot be read as integer PCM."""


@dataclass(frozen=True)
class Pcm:
    """16-bit signed mono samples at ``rate`` Hz."""
    rate: int
    samples: array  # typecode 'h'

    @property
    def seconds(self) -> float:
        return len(self.samples) / self.rate

    def frames(self) -> bytes:
        """The samples as WAV frame bytes (little-endian)."""
        out = array("h", self.samples)
        if sys.byteorder == "big":
            out.byteswap()
        return out.tobytes()


def silence(rate: int, seconds: float) -> Pcm:
    return Pcm(rate, array("h", bytes(2 * round(rate * seconds))))


def _to_16bit(raw: bytes, width: int) -> array:
    if width == 1:  # WAV 8-bit is unsigned, centred on 128
        return array("h", ((b - 128) << 8 for b in raw))
    if width == 2:
        out = array("h")
        out.frombytes(raw)
        if sys.byteorder == "big":
            out.byteswap()
        return out
    if width == 3:
        return array("h", (int.from_bytes(raw[i:i + 3], "little", signed=True) >> 8
                           for i in range(0, len(raw) - 2, 3)))
    if width == 4:
        wide = array("i")
        if wide.itemsize != 4:  # pragma: no cover - exotic platforms
            wide = array("l")
        wide.frombytes(raw)
        if sys.byteorder == "big":
            wide.byteswap()
        return array("h", (s >> 16 for s in wide))
    raise ClipFormatError(f"unsupported sample width {width} bytes")


def _to_mono(samples: array, channels: int) -> array:
    if channels == 1:
        return samples
    per_channel = [samples[c::channels] for c in range(channels)]
    return array("h", (sum(frame) // channels for frame in zip(*per_channel)))


def resample(pcm: Pcm, rate: int) -> Pcm:
    """Linear-interpolation resampling (meant for upsampling; see the module notes)."""
    if rate == pcm.rate or not pcm.samples:
        return Pcm(rate, pcm.samples)
    src = pcm.samples
    n_in = len(src)
    n_out = max(1, round(n_in * rate / pcm.rate))
    step = pcm.rate / rate
    last = n_in - 1
    out = array("h", bytes(2 * n_out))
    for j in range(n_out):
        pos = j * step
        i = int(pos)
        if i >= last:
            out[j] = src[last]
        else:
            a = src[i]
            out[j] = int(round(a + (src[i + 1] - a) * (pos - i)))
    return Pcm(rate, out)


def read_wav(path: str | os.PathLike) -> Pcm:
    """Read a PCM WAV file as 16-bit mono at its own sample rate."""
    try:
        with wave.open(os.fspath(path), "rb") as w:
            channels, width, rate, nframes = (w.getnchannels(), w.getsampwidth(),
                                              w.getframerate(), w.getnframes())
            raw = w.readframes(nframes)
    except (wave.Error, EOFError) as e:
        raise ClipFormatError(f"{path}: not a PCM WAV file this reader supports ({e}); "
                              "record clips as 8/16/24/32-bit integer PCM WAV") from e
    if channels < 1 or rate < 1:
        raise ClipFormatError(f"{path}: bad WAV header ({channels} channels, {rate} Hz)")
    whole = len(raw) - len(raw) % (width * channels)
    samples = _to_mono(_to_16bit(raw[:whole], width), channels)
    return Pcm(rate, samples)


def wav_rate(path: str | os.PathLike) -> int:
    try:
        with wave.open(os.fspath(path), "rb") as w:
            return w.getframerate()
    except (wave.Error, EOFError) as e:
        raise ClipFormatError(f"{path}: not a PCM WAV file this reader supports ({e})") from e


def join(parts: list[Pcm], rate: int | None = None) -> Pcm:
    """Concatenate, bringing every part to ``rate`` (default: the highest among them)."""
    if not parts:
        raise ValueError("nothing to join")
    rate = rate or max(p.rate for p in parts)
    out = array("h")
    for p in parts:
        out.extend(resample(p, rate).samples)
    return Pcm(rate, out)


def wav_bytes(pcm: Pcm) -> bytes:
    """``pcm`` as the bytes of a 16-bit mono WAV file (for a small clip served from memory)."""
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(CHANNELS)
        w.setsampwidth(SAMPLE_WIDTH)
        w.setframerate(pcm.rate)
        w.writeframes(pcm.frames())
    return out.getvalue()


def write_wav_atomic(path: str | os.PathLike, pcm: Pcm) -> Path:
    """Write ``pcm`` as a 16-bit mono WAV: to a temporary file beside ``path``, then rename,
    so a reader never sees half a file and two writers of the same file cannot mix."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".wav", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            with wave.open(f, "wb") as w:
                w.setnchannels(CHANNELS)
                w.setsampwidth(SAMPLE_WIDTH)
                w.setframerate(pcm.rate)
                w.writeframes(pcm.frames())
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return path
