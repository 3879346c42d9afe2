"""Site files as an IT officer writes them: the demo file, edited, saved in various ways."""
import unicodedata

from server.site_file import DEMO_SITE

TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"


def demo_text():
    with open(DEMO_SITE, encoding="utf-8") as fh:
        return fh.read()


def edited(*replacements, append=""):
    """The demo site file with each (old, new) replaced once (each old must be there)."""
    text = demo_text()
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new, 1)
    return text + append


def cp1258(text):
    """Text as Windows-1258 saves Vietnamese: base letters with combining tone marks."""
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        try:
            out += ch.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        parts = unicodedata.normalize("NFD", ch)
        tone = "".join(c for c in parts if c in TONE_MARKS)
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in TONE_MARKS))
        out += (base + tone).encode("cp1258")
    return bytes(out)
