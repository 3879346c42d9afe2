"""Booking codes: digits only, easy to read aloud in Vietnamese, not guessable, with a check digit.

Why digits: read aloud in Vietnamese, letters get mixed up (B/D/P/T/V are "bê/dê/pê/tê/vê",
M/N "em-mờ/en-nờ", S/X "ét-sì/ích-xì"), on the phone to a relative or across a counter.
Digits ("một, hai, ba…") are the one alphabet every citizen reads and hears the same way,
and the kiosk's keypad becomes the 10-key pad of the phone number.

A code is 11 digits drawn at random (`secrets`) and one check digit by the Damm algorithm
(H. M. Damm, 2004): the digits are run through a 10x10 weakly totally anti-symmetric
quasigroup of order 10 (the table below: each row and column a permutation of 0-9, zeros on
the diagonal, and x*c*y == y*c*x only when x == y). Because of those properties every single
wrong digit and every swap of two adjacent digits is caught before the store is asked
(a typo is told apart from an unknown code); tests/hub/test_booking_code.py proves it
exhaustively on the table.

Grouped 4-4-4, "0123-4567-8901": three groups of four, each read in one breath ("không một
hai ba"), none longer than a PIN; twelve digits rather than eleven for the guessing odds
below. Dashes, not spaces, between the groups: the code stays one
word in a URL, a text message or a copy, and the codes issued before used them too (every
reader already drops them).

How guessable: 10^11 codes. A look-up of a code that is not found spends the client
address's budget of misses (BOOKING_MISS_RATE, default 30 an hour; server/hub/booking_budget.py). With A active bookings in the
province, one guess finds one with odds A / 10^11: for A = 100 000 (some 30 sites, 500 a day,
a week ahead) that is 1 in 1 000 000 a guess, so an address spending its whole budget all day
(720 guesses) hits one with odds about 0.07 % a day, and what it finds is one booking's site
and time (no name, no number), which it could cancel. Eleven digits (10^10) gave 0.7 % a day
per address, too much for a province where an IPv6 client can change its /64; the old 31^8 ≈
8.5·10^11 codes gave 0.008 %. (docs/appointments.md "Booking codes".)

Codes issued before (8 of 31 characters, 2-9 and A-Z without I, L, O, plus a weighted
mod-31 check character, shown "ABCD-EFGH-J") keep working: normalise() accepts them with
their own check, so a booking made before the change still checks in.
"""
import secrets

RANDOM_LENGTH = 11
LENGTH = RANDOM_LENGTH + 1

# The Damm quasigroup: DAMM[interim][digit] is the next interim; a number is valid when it
# ends at 0. (Damm's published table of order 10.)
DAMM = (
    (0, 3, 1, 7, 5, 9, 8, 6, 4, 2),
    (7, 0, 9, 2, 1, 5, 4, 8, 6, 3),
    (4, 2, 0, 6, 8, 7, 1, 3, 5, 9),
    (1, 7, 5, 0, 9, 8, 3, 4, 2, 6),
    (6, 1, 2, 3, 0, 4, 5, 9, 7, 8),
    (3, 6, 7, 4, 2, 0, 9, 5, 8, 1),
    (5, 8, 6, 9, 7, 2, 0, 1, 3, 4),
    (8, 9, 4, 5, 3, 6, 2, 0, 1, 7),
    (9, 4, 3, 8, 6, 1, 7, 2, 0, 5),
    (2, 5, 8, 1, 4, 3, 6, 7, 9, 0),
)

# The codes issued before digits (kept so those bookings still check in; never issued now).
OLD_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
OLD_LENGTH = 9


def damm_digit(digits):
    """The check digit that makes `digits` + it a valid Damm number."""
    interim = 0
    for ch in digits:
        interim = DAMM[interim][int(ch)]
    return str(interim)


def _old_check(body):
    return OLD_ALPHABET[sum((i + 1) * OLD_ALPHABET.index(ch) for i, ch in enumerate(body)) % 31]


def new_code():
    body = "".join(secrets.choice("0123456789") for _ in range(RANDOM_LENGTH))
    return body + damm_digit(body)


def normalise(text):
    """The canonical code typed as `text`, or None when it cannot be one (wrong length, a
    character outside the code's alphabet, a failed check). Spaces, dashes and dots are
    ignored; an old alphanumeric code is accepted in any case."""
    if not isinstance(text, str) or len(text) > 40:
        return None
    code = "".join(ch for ch in text.upper() if ch not in " -.\t")
    if len(code) == LENGTH and code.isascii() and code.isdigit():
        return code if damm_digit(code) == "0" else None
    if len(code) == OLD_LENGTH and all(ch in OLD_ALPHABET for ch in code):
        return code if _old_check(code[:-1]) == code[-1] else None
    return None


def shown(code):
    """How the code is printed and read out: "0123-4567-8901" (an old code: "ABCD-EFGH-J")."""
    return f"{code[:4]}-{code[4:8]}-{code[8:]}"
