"""Booking codes: short, easy to read aloud, not guessable, with a check character.

Eight characters drawn at random (secrets) from 31 that cannot be mistaken for one another
when read aloud or off a phone (digits 2-9 and the letters without I, L, O), then one check
character: the weighted sum of the eight, modulo 31. Because 31 is prime and the weights
1…8 are distinct, every single wrong character and every swap of two characters is caught
before the store is asked (a typo is told apart from a wrong code). 31^8 ≈ 8.5 · 10^11
codes: against the hub's per-address budget a guess finds an active booking with odds of a
few in a billion.

Shown as "ABCD-EFGH-J" (three groups to read out); typed any way: lower case, spaces and
dashes are ignored (0, 1, I, L and O are not in the alphabet, so they never look alike).
"""
import secrets

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
assert len(ALPHABET) == 31
RANDOM_LENGTH = 8
LENGTH = RANDOM_LENGTH + 1


def _check(body):
    return ALPHABET[sum((i + 1) * ALPHABET.index(ch) for i, ch in enumerate(body)) % 31]


def new_code():
    body = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_LENGTH))
    return body + _check(body)


def normalise(text):
    """The canonical code typed as `text`, or None when it cannot be one (wrong length, a
    character outside the alphabet, a failed check)."""
    if not isinstance(text, str) or len(text) > 40:
        return None
    code = "".join(ch for ch in text.upper() if ch not in " -.\t")
    if len(code) != LENGTH or any(ch not in ALPHABET for ch in code):
        return None
    return code if _check(code[:-1]) == code[-1] else None


def shown(code):
    """How the code is printed and read out: ABCD-EFGH-J."""
    return f"{code[:4]}-{code[4:8]}-{code[8:]}"
