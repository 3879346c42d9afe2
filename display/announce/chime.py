"""The chime ("ding-dong") that opens every announcement, generated in code.

Two decaying bell-like tones, a falling major third (G5 then E♭5), with a soft attack so
nothing clicks. Deterministic: the same rate always gives the same samples.
"""
from __future__ import annotations

import math
from array import array

from .pcm import Pcm

CHIME_RATE = 16000
#: (frequency Hz, start s, length s) of each tone
_TONES = ((784.0, 0.0, 0.55), (622.25, 0.40, 0.85))
_LENGTH = 1.35      # seconds, including the tail of the second tone
_PEAK = 0.45        # of full scale, per tone
_ATTACK = 0.008     # seconds


def make_chime(rate: int = CHIME_RATE) -> Pcm:
    n = round(_LENGTH * rate)
    mix = [0.0] * n
    for freq, start, length in _TONES:
        first = round(start * rate)
        count = min(round(length * rate), n - first)
        for k in range(count):
            t = k / rate
            env = min(1.0, t / _ATTACK) * math.exp(-4.0 * t / length)
            if k > count - rate * 0.02:  # fade the last 20 ms to zero
                env *= (count - k) / (rate * 0.02)
            w = 2 * math.pi * freq * t
            # a bell-ish timbre: the fundamental plus a little of its octave
            mix[first + k] += _PEAK * env * (0.8 * math.sin(w) + 0.2 * math.sin(2 * w))
    return Pcm(rate, array("h", (max(-32767, min(32767, round(v * 32767))) for v in mix)))
