"""Days as Vietnamese write them: dd/mm/yyyy.

The desk pages' date fields are text in this form, not `<input type="date">`, whose display
follows the browser's locale (mm/dd/yyyy in an English Chromium) and misleads a Vietnamese
officer. What comes back is read here; the ISO form (YYYY-MM-DD) is accepted too, for links,
the CLI and API clients.
"""
import datetime
import re

_WRITTEN = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})\s*$")


def parse_day(text):
    """A date from "dd/mm/yyyy" (also "d/m/yyyy") or "YYYY-MM-DD"; ValueError otherwise."""
    if not isinstance(text, str):
        raise ValueError(f"not a day: {text!r}")
    match = _WRITTEN.match(text)
    if match:
        day, month, year = (int(part) for part in match.groups())
        return datetime.date(year, month, day)
    day = datetime.date.fromisoformat(text.strip())
    if day.isoformat() != text.strip():  # fromisoformat also takes "20261201"
        raise ValueError(f"not a day: {text!r}")
    return day


def written(value):
    """A date, or a day as parse_day reads it, as "dd/mm/yyyy"; what cannot be read is given
    back as it was (a refused value stays in the field for the officer to correct)."""
    if isinstance(value, datetime.date):
        return f"{value:%d/%m/%Y}"
    if not value:
        return ""
    try:
        return f"{parse_day(value):%d/%m/%Y}"
    except ValueError:
        return value


def install(app):
    app.add_template_filter(written, "day_vi")
