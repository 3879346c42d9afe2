"""Booking codes (server/hub/booking_code.py, issue 13): 12 digits a citizen reads aloud, the
Damm check digit catching every single wrong digit and every swap of two adjacent digits, and
the alphanumeric codes issued before still accepted with their own check."""
import itertools
import random

from server.hub import booking_code
from server.hub.booking_code import DAMM, _old_check, damm_digit, new_code, normalise, shown


def test_the_table_is_a_weakly_totally_anti_symmetric_quasigroup():
    """The properties the Damm algorithm's guarantees rest on, checked on the table itself
    (a mistyped entry would break them)."""
    digits = set(range(10))
    assert all(set(row) == digits for row in DAMM)  # a Latin square: each row …
    assert all({DAMM[r][c] for r in range(10)} == digits for c in range(10))  # … and column
    assert all(DAMM[x][x] == 0 for x in range(10))
    for c, x, y in itertools.product(range(10), repeat=3):
        if DAMM[DAMM[c][x]][y] == DAMM[DAMM[c][y]][x]:
            assert x == y, (c, x, y)


def test_the_check_digit_is_damms():
    assert damm_digit("572") == "4"  # the algorithm's published example
    assert normalise("5724") is None  # … but a booking code is 12 digits


def test_new_codes_are_twelve_digits_that_pass_their_check_and_read_in_fours():
    codes = {new_code() for _ in range(200)}
    assert len(codes) == 200
    for code in codes:
        assert len(code) == 12 and code.isdigit() and normalise(code) == code
        assert shown(code) == f"{code[:4]}-{code[4:8]}-{code[8:]}"
        assert normalise(shown(code)) == normalise(f" {code[:4]} {code[4:8]}.{code[8:]} ") == code


def test_every_single_wrong_digit_and_every_adjacent_swap_is_caught():
    rng = random.Random(13)
    for _ in range(300):
        body = "".join(rng.choice("0123456789") for _ in range(11))
        code = body + damm_digit(body)
        for i, digit in itertools.product(range(12), "0123456789"):
            if digit != code[i]:
                assert normalise(code[:i] + digit + code[i + 1:]) is None, (code, i, digit)
        for i in range(11):
            if code[i] != code[i + 1]:
                swapped = code[:i] + code[i + 1] + code[i] + code[i + 2:]
                assert normalise(swapped) is None, (code, i)


def test_a_code_issued_before_digits_is_still_accepted_with_its_own_check():
    old = "9PSSWUMC" + _old_check("9PSSWUMC")
    assert normalise(f"{old[:4]}-{old[4:8]}-{old[8]}".lower()) == old
    assert shown(old) == f"{old[:4]}-{old[4:8]}-{old[8]}"
    wrong = old[:-1] + ("2" if old[-1] != "2" else "3")
    assert normalise(wrong) is None


def test_what_cannot_be_a_code_is_refused():
    body = "01234567890"
    for text in (None, 123456789012, "", "0123-4567-890", body + damm_digit(body) + "0",
                 "٠١٢٣٤٥٦٧٨٩٠١", "01234567890x", "x" * 41, "IL0O1234A"):
        assert normalise(text) is None, text
    assert booking_code.LENGTH == 12
