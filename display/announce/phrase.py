"""The call phrase: "Mời công dân có số thứ tự A025 đến quầy số 3".

From a call (ticket label, counter number) and the site's ``number_reading`` this builds
the text shown/announced, the text given to a speech synthesizer, and the ordered clip
names a site's recordings are concatenated from. Pure: no files, no clock.
"""
from __future__ import annotations

import re
import string
from dataclasses import dataclass

from .numbers import DIGIT_WORDS, WORD_CLIPS, digit_clip, number_tokens, token_word

NUMBER_READINGS = ("digits", "words")

MAX_COUNTER = 999

# [A-Z] and [0-9], not \d: \d also matches other scripts' digits.
LABEL_PATTERN = re.compile(r"[A-Z]{1,2}[0-9]{1,4}")
_COUNTER_TEXT = re.compile(r"[0-9]{1,3}")

CHIME = "chime"
CALL_OPENING = "moi_cong_dan_co_so_thu_tu"
TO_COUNTER = "den_quay_so"
COUNTER_WORD = "quay"

#: Clip name -> what is said in it (the fixed phrases and the letters).
PHRASE_CLIPS = {
    CALL_OPENING: "Mời công dân có số thứ tự",
    TO_COUNTER: "đến quầy số",
    COUNTER_WORD: "quầy",
}

#: How much of the phrase is said. A wall display announces a lone call in full; during a
#: burst of calls it shortens the phrase so the hall is not kept waiting behind ~8 s per call:
#: ``full``    "Mời công dân có số thứ tự A025 đến quầy số 3"
#: ``compact`` "A025 đến quầy số 3"
#: ``brief``   "A025, quầy 3" (number and counter only, for a long backlog)
PHRASE_FORMS = ("full", "compact", "brief")

#: How letters are named in Vietnamese when read aloud one by one.
LETTER_NAMES = {
    "A": "a", "B": "bê", "C": "xê", "D": "dê", "E": "e", "F": "ép", "G": "giê", "H": "hát",
    "I": "i", "J": "gi", "K": "ca", "L": "e-lờ", "M": "em-mờ", "N": "en-nờ", "O": "o",
    "P": "pê", "Q": "quy", "R": "e-rờ", "S": "ét", "T": "tê", "U": "u", "V": "vê",
    "W": "vê kép", "X": "ích", "Y": "i dài", "Z": "dét",
}
assert set(LETTER_NAMES) == set(string.ascii_uppercase)


def letter_clip(letter: str) -> str:
    return f"letter_{letter.lower()}"


def counter_clip(counter: int) -> str:
    return f"number_{counter}"


@dataclass(frozen=True)
class CallPhrase:
    """What to say for one call.

    ``text``: the phrase as displayed, e.g. "Mời công dân có số thứ tự A025 đến quầy số 3".
    ``spoken``: the same phrase with the number spelled out for a synthesizer.
    ``clips``: the clip names in order, the counter as one ``number_<n>`` clip.
    ``clips_counter_in_words``: the same, the counter composed from digit/word clips
    (used when a site has not recorded ``number_<n>``).
    ``said_*``: the words of each part, for the synthesizer (``speech.spoken_call``):
    the opening, the number's groups (each letter, each digit or the number in words),
    "đến quầy số" (or "quầy"), the counter in words.
    """
    label: str
    counter: int
    form: str
    text: str
    clips: tuple[str, ...]
    clips_counter_in_words: tuple[str, ...]
    said_opening: str = ""
    said_number: tuple[str, ...] = ()
    said_to_counter: str = ""
    said_counter: str = ""

    @property
    def spoken(self) -> str:
        """The phrase as the default speech style says it (``speech.DEFAULT_STYLE``)."""
        from .speech import spoken_call
        return spoken_call(self).text


def validate_label(label: object) -> str:
    if not isinstance(label, str) or not LABEL_PATTERN.fullmatch(label):
        raise ValueError(
            f"ticket number must be 1-2 capital letters A-Z then 1-4 digits (e.g. A025), got {label!r}")
    return label


def validate_counter(counter: object) -> int:
    """A counter number 1..999, as an int or a string of 1-3 ASCII digits (a query value)."""
    if isinstance(counter, str) and _COUNTER_TEXT.fullmatch(counter):
        counter = int(counter)
    if isinstance(counter, bool) or not isinstance(counter, int) or not 1 <= counter <= MAX_COUNTER:
        raise ValueError(f"counter must be a whole number 1..{MAX_COUNTER}, got {counter!r}")
    return counter


def validate_number_reading(number_reading: object) -> str:
    if number_reading not in NUMBER_READINGS:
        raise ValueError(f"number_reading must be 'digits' or 'words', got {number_reading!r}")
    return number_reading  # type: ignore[return-value]


def ticket_number_clips(label: str, number_reading: str, *, zero_tens: str = "linh",
                        five_after_tens: str = "lăm") -> list[str]:
    """The clips that read a ticket label: its letters one by one, then its number."""
    validate_label(label)
    validate_number_reading(number_reading)
    letters = label.rstrip(string.digits)
    digits = label[len(letters):]
    out = [letter_clip(c) for c in letters]
    if number_reading == "digits":
        out += [digit_clip(int(d)) for d in digits]
    else:
        out += number_tokens(int(digits), zero_tens=zero_tens, five_after_tens=five_after_tens)
    return out


def clip_words(clip: str) -> str:
    """What is said in a clip (for the synthesizer and for the docs)."""
    if clip in PHRASE_CLIPS:
        return PHRASE_CLIPS[clip]
    if clip.startswith("letter_"):
        return LETTER_NAMES[clip[len("letter_"):].upper()]
    if clip.startswith("number_"):
        return " ".join(token_word(t) for t in number_tokens(int(clip[len("number_"):])))
    return token_word(clip)


def validate_form(form: object) -> str:
    if form not in PHRASE_FORMS:
        raise ValueError(f"form must be one of {', '.join(PHRASE_FORMS)}, got {form!r}")
    return form  # type: ignore[return-value]


def build_call_phrase(label: str, counter: int | str, number_reading: str = "digits", *,
                      zero_tens: str = "linh", five_after_tens: str = "lăm",
                      form: str = "full", chime: bool = True) -> CallPhrase:
    """The phrase for calling ticket ``label`` to ``counter`` (``form``: see PHRASE_FORMS;
    ``chime``: start with the chime, said once per burst of calls).

    >>> p = build_call_phrase("A025", 3)
    >>> p.text
    'Mời công dân có số thứ tự A025 đến quầy số 3'
    >>> p.clips
    ('chime', 'moi_cong_dan_co_so_thu_tu', 'letter_a', 'digit_0', 'digit_2', 'digit_5', 'den_quay_so', 'number_3')
    """
    label = validate_label(label)
    counter = validate_counter(counter)
    number_reading = validate_number_reading(number_reading)
    form = validate_form(form)
    number = ticket_number_clips(label, number_reading, zero_tens=zero_tens,
                                 five_after_tens=five_after_tens)
    counter_words = number_tokens(counter, zero_tens=zero_tens, five_after_tens=five_after_tens)

    letters = [c for c in number if c.startswith("letter_")]
    rest = [c for c in number if not c.startswith("letter_")]
    # Letters and digits apart, with commas for pauses: "A, không, hai, năm";
    # a number in words stays one group: "A, hai mươi lăm".
    groups = [clip_words(c) for c in letters]
    if number_reading == "digits":
        groups += [token_word(c) for c in rest]
    else:
        groups.append(" ".join(token_word(c) for c in rest))
    to_counter = COUNTER_WORD if form == "brief" else TO_COUNTER
    opening = [CALL_OPENING] if form == "full" else []
    said_counter = " ".join(token_word(t) for t in counter_words)
    text = " ".join([PHRASE_CLIPS[c] for c in opening] + [label])
    text += ("," if form == "brief" else "") + f" {PHRASE_CLIPS[to_counter]} {counter}"
    head = ([CHIME] if chime else []) + opening + [*number, to_counter]
    return CallPhrase(
        label=label,
        counter=counter,
        form=form,
        text=text,
        clips=tuple(head + [counter_clip(counter)]),
        clips_counter_in_words=tuple(head + counter_words),
        said_opening=PHRASE_CLIPS[CALL_OPENING] if opening else "",
        said_number=tuple(groups),
        said_to_counter=PHRASE_CLIPS[to_counter],
        said_counter=said_counter,
    )


def site_clip_names(number_reading: str = "digits", *, counters=range(1, 11),
                    zero_tens: str = "linh", five_after_tens: str = "lăm",
                    letters=string.ascii_uppercase) -> list[str]:
    """Every clip a site must record for this reading, these counters and the ticket
    ``letters`` its services use (default A-Z); "chime" is optional."""
    from .numbers import FIVE_AFTER_TENS_CHOICES, ZERO_TENS_CHOICES
    validate_number_reading(number_reading)
    names = [CALL_OPENING, TO_COUNTER, COUNTER_WORD]
    wanted = set("".join(letters))
    if not wanted <= set(string.ascii_uppercase):
        raise ValueError(f"letters must be capital letters A-Z, got {letters!r}")
    names += [letter_clip(c) for c in string.ascii_uppercase if c in wanted]
    names += [digit_clip(d) for d in range(10)]
    if number_reading == "words":
        unused = ({v for k, v in ZERO_TENS_CHOICES.items() if k != zero_tens}
                  | {v for k, v in FIVE_AFTER_TENS_CHOICES.items() if k != five_after_tens} - {"word_lam"})
        names += [w for w in WORD_CLIPS if w not in unused]
    names += [counter_clip(validate_counter(c)) for c in counters]
    return names


__all__ = [
    "CallPhrase", "build_call_phrase", "validate_form", "PHRASE_FORMS", "ticket_number_clips", "clip_words", "site_clip_names",
    "validate_label", "validate_counter", "validate_number_reading", "NUMBER_READINGS",
    "LETTER_NAMES", "PHRASE_CLIPS", "DIGIT_WORDS", "CHIME",
]
