"""How the call is said by espeak-ng: the voice, its pacing, and the text it is given.

A call phrase (``phrase.CallPhrase``) says *what* is announced; a ``SpeechStyle`` says *how*
espeak-ng reads it: which Vietnamese voice, how fast, how long a gap between words, how the
digits of the number are paced, whether the number comes before the invitation, and whether
the number and counter are said twice. The wall display and the intelligibility benchmark
(``bench/announce_intelligibility.py``) both go through ``spoken_call`` and
``SpeechStyle.espeak_args``, so the measured variants are exactly what a display would play.

The default (``DEFAULT_STYLE``) is the variant that scored best in that benchmark; the
measurements are in ``docs/announcements.md``. Recorded clips are not affected by the style.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

VOICES = ("vi", "vi-vn-x-central", "vi-vn-x-south")
#: How the letters and digits of the number are separated. espeak-ng pauses at a comma, and
#: at a full stop only when the next word starts a sentence (a capital): "a. không" is read
#: like "a không", so "period" capitalises each group. "break" is an SSML pause of
#: BREAK_MS (espeak-ng -m).
DIGIT_PAUSES = {"none": " ", "comma": ", ", "period": ". ", "break": " "}
BREAK_MS = 350
ORDERS = ("call_first", "number_first")

#: Said before the repeat of number and counter ("nhắc lại": "once more").
REPEAT_LEAD = "Xin nhắc lại"


@dataclass(frozen=True)
class SpeechStyle:
    """``voice``: an espeak-ng Vietnamese voice (``VOICES``). ``speed``: words per minute
    (80..450). ``word_gap``: extra pause between words, in units of 10 ms (espeak-ng ``-g``).
    ``digit_pause``: between the letters and digits of the number, "none" (run together),
    "comma" (a short pause), "period" (a full stop's pause) or "break" (BREAK_MS of silence). ``order``: "call_first"
    ("Mời công dân có số thứ tự A025 đến quầy số 3") or "number_first" ("Số A025, mời đến quầy
    số 3": the number is heard first, while the hall is listening). ``repeat``: say the
    number and the counter once more at the end of a full call (a burst's compact and brief
    calls stay short)."""
    voice: str = "vi"
    speed: int = 140
    word_gap: int = 0
    digit_pause: str = "comma"
    order: str = "call_first"
    repeat: bool = False

    def __post_init__(self):
        if not self.voice or not all(c.isalnum() or c in "-_+" for c in self.voice):
            raise ValueError(f"voice must be an espeak-ng voice name, got {self.voice!r}")
        if isinstance(self.speed, bool) or not isinstance(self.speed, int) or not 80 <= self.speed <= 450:
            raise ValueError(f"speed must be 80..450 words per minute, got {self.speed!r}")
        if isinstance(self.word_gap, bool) or not isinstance(self.word_gap, int) or not 0 <= self.word_gap <= 100:
            raise ValueError(f"word_gap must be 0..100 (tens of ms), got {self.word_gap!r}")
        if self.digit_pause not in DIGIT_PAUSES:
            raise ValueError(f"digit_pause must be one of {', '.join(DIGIT_PAUSES)}, got {self.digit_pause!r}")
        if self.order not in ORDERS:
            raise ValueError(f"order must be one of {', '.join(ORDERS)}, got {self.order!r}")

    def espeak_args(self) -> list[str]:
        """The espeak-ng options for this style (before ``-w FILE TEXT``)."""
        args = ["-v", self.voice, "-s", str(self.speed)]
        if self.digit_pause == "break":
            args.append("-m")  # the text holds SSML <break> elements
        if self.word_gap:
            args += ["-g", str(self.word_gap)]
        return args

    def with_(self, **changes) -> "SpeechStyle":
        return replace(self, **changes)

    def as_dict(self) -> dict:
        return {"voice": self.voice, "speed": self.speed, "word_gap": self.word_gap,
                "digit_pause": self.digit_pause, "order": self.order, "repeat": self.repeat}


#: Chosen from the measurements in docs/announcements.md (bench/announce_intelligibility.py):
#: the lowest mean of number and counter error with the viet-asr recognizer. A 50 ms gap
#: between words helped the counter most (error 0.50 -> 0.38); nothing tried made the
#: synthetic number reliably understood - the site's own recorded voice is the way there.
DEFAULT_STYLE = SpeechStyle(voice="vi", speed=140, word_gap=5, digit_pause="comma",
                            order="call_first", repeat=False)


@dataclass(frozen=True)
class SpokenCall:
    """The text for espeak-ng and the same words by role, for scoring what a listener heard.
    ``parts``: (role, words) in order; roles: "opening", "number", "to_counter", "counter",
    "repeat_lead" (and a repeat's "number" and "counter" again)."""
    text: str
    parts: tuple[tuple[str, str], ...]


def _said_number(groups: list[str], form: str, digit_pause: str) -> str:
    if form == "brief":  # the number runs together whatever the style (a backlog is waiting)
        return " ".join(groups)
    if digit_pause == "period":
        return ". ".join(groups[:1] + [g[:1].upper() + g[1:] for g in groups[1:]])
    if digit_pause == "break":
        return f'<break time="{BREAK_MS}ms"/>'.join(groups)
    return DIGIT_PAUSES[digit_pause].join(groups)


def spoken_call(phrase, style: SpeechStyle = DEFAULT_STYLE) -> SpokenCall:
    """What espeak-ng is given for ``phrase`` (a ``CallPhrase``) in ``style``."""
    number = _said_number(list(phrase.said_number), phrase.form, style.digit_pause)
    parts: list[tuple[str, str]] = []
    text_parts: list[str] = []
    if phrase.form == "full" and style.order == "number_first":
        parts += [("opening", "Số"), ("number", number), ("to_counter", "mời đến quầy số"),
                  ("counter", phrase.said_counter)]
        text_parts = [f"Số {number}", f"mời đến quầy số {phrase.said_counter}"]
    else:
        if phrase.form == "full":
            parts.append(("opening", phrase.said_opening))
            text_parts.append(phrase.said_opening)
        parts += [("number", number), ("to_counter", phrase.said_to_counter),
                  ("counter", phrase.said_counter)]
        text_parts += [number, f"{phrase.said_to_counter} {phrase.said_counter}"]
    text = ", ".join(text_parts) + "."
    # The repeat is for a lone call (the full form); a burst's shorter forms stay short.
    if style.repeat and phrase.form == "full":
        parts += [("repeat_lead", REPEAT_LEAD), ("number", number), ("to_counter", "quầy số"),
                  ("counter", phrase.said_counter)]
        text += f" {REPEAT_LEAD}, {number}, quầy số {phrase.said_counter}."
    return SpokenCall(text=text, parts=tuple(parts))


__all__ = ["SpeechStyle", "DEFAULT_STYLE", "SpokenCall", "spoken_call", "VOICES",
           "DIGIT_PAUSES", "ORDERS"]
