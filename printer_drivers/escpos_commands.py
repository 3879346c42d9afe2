"""ESC/POS command bytes, one small function per command we use.

Written directly rather than through python-escpos's Escpos class because the ticket needs
exact control of the code page (its magic encoder would pick pages on its own) and commands it
lacks (ESC t with per-model numbers, GS B). Names follow Epson's ESC/POS reference.
"""

ESC, GS, DLE, LF = b"\x1b", b"\x1d", b"\x10", b"\n"

INIT = ESC + b"@"  # clears the buffer and every mode, so each job starts from a known state

_ALIGN = {"left": 0, "center": 1, "right": 2}
_QR_ERROR_LEVEL = {"L": 48, "M": 49, "Q": 50, "H": 51}


def align(where: str) -> bytes:
    return ESC + b"a" + bytes([_ALIGN[where]])


def bold(on: bool) -> bytes:
    return ESC + b"E" + bytes([1 if on else 0])


def reverse(on: bool) -> bytes:
    """GS B: white on black, the usual way to make a priority mark stand out in text mode."""
    return GS + b"B" + bytes([1 if on else 0])


def char_size(width: int, height: int) -> bytes:
    """GS ! n: magnification 1..8 in each direction (Font A becomes up to 96x192 dots)."""
    if not (1 <= width <= 8 and 1 <= height <= 8):
        raise ValueError("character magnification must be 1..8")
    return GS + b"!" + bytes([(width - 1) << 4 | (height - 1)])


def code_page(esc_t: int) -> bytes:
    return ESC + b"t" + bytes([esc_t])


def feed_lines(n: int) -> bytes:
    return ESC + b"d" + bytes([n])


def cut(mode: str = "full", feed: int = 4) -> bytes:
    """GS V function B: feed to the cutter then cut, so no blank ticket tail stays inside."""
    return GS + b"V" + bytes([65 if mode == "full" else 66, feed])


def raster_image(width_bytes: int, height: int, packed_rows: bytes) -> bytes:
    """GS v 0 m=0: one bit per dot, 1 = black, rows of width_bytes bytes, MSB on the left."""
    if len(packed_rows) != width_bytes * height:
        raise ValueError("raster data does not match its declared size")
    return (
        GS + b"v0\x00"
        + width_bytes.to_bytes(2, "little")
        + height.to_bytes(2, "little")
        + packed_rows
    )


def _qr_function(fn: int, params: bytes) -> bytes:
    # GS ( k pL pH cn=49 fn params: pL/pH count cn, fn and params.
    return GS + b"(k" + (len(params) + 2).to_bytes(2, "little") + bytes([49, fn]) + params


def native_qr(payload: str, module_dots: int, error_level: str = "M") -> bytes:
    """GS ( k: model 2, module size, error level, store the data, print it."""
    data = payload.encode("utf-8")
    if len(data) > 7089:
        raise ValueError("QR payload too long")
    return (
        _qr_function(65, bytes([50, 0]))  # fn 65: model 2
        + _qr_function(67, bytes([module_dots]))  # fn 67: module size in dots
        + _qr_function(69, bytes([_QR_ERROR_LEVEL[error_level]]))  # fn 69: error correction
        + _qr_function(80, b"0" + data)  # fn 80: store data (m=48)
        + _qr_function(81, b"0")  # fn 81: print the stored symbol
    )


def status_query(n: int) -> bytes:
    """DLE EOT n: real-time status, answered even while the printer is offline or busy."""
    return DLE + b"\x04" + bytes([n])


def feed_dots(n: int) -> bytes:
    """ESC J n: feed n motion units (dots on 203 dpi printers) without printing a line."""
    return ESC + b"J" + bytes([n])
