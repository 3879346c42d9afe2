"""The few errors a caller of printer_drivers has to tell apart.

A kiosk print agent reacts differently to "this text cannot be printed in this code page"
(a configuration problem: switch the profile or use raster mode) and "the printer is not
there" (a hardware problem: tell the officer, keep the ticket for a reprint).
"""


class PrinterError(Exception):
    """Base class for everything raised by printer_drivers."""


class UnencodableText(PrinterError, ValueError):
    """Text mode was asked to print a character the printer's code page does not have.

    Raised instead of printing a wrong or stripped letter: a citizen's name or a service name
    with a missing tone mark is a different word in Vietnamese.
    """

    def __init__(self, text: str, char: str, codepage: str):
        self.text, self.char, self.codepage = text, char, codepage
        super().__init__(
            f"cannot encode {char!r} (U+{ord(char):04X}) in code page {codepage} "
            f"while printing {text!r}; use mode='raster' (works on any printer) or, "
            f"as a last resort, mode='ascii' (strips Vietnamese diacritics)"
        )


class PrinterUnavailable(PrinterError, OSError):
    """The transport could not reach the printer (unplugged, switched off, wrong URL)."""


class UnknownTransport(PrinterError, ValueError):
    """A printer URL whose scheme no transport handles."""
