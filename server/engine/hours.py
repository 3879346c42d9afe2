"""The site's calendar: its business day and opening hours at a command's time `at`.

Pure like the rest of the engine: `at` (seconds since the epoch) comes with the command and
the site's UTC offset says what local date and time it is; nothing here reads a clock.
"""
from datetime import date, datetime, timedelta, timezone

WEEKDAY_VI = ("thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy", "Chủ nhật")
WEEKDAY_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
LOOK_AHEAD_DAYS = 14  # a site closed longer than this has no "opens at" to show


def zone(site):
    return timezone(timedelta(minutes=site.utc_offset_minutes))


def local(site, at):
    return datetime.fromtimestamp(at, zone(site))


def business_day(site, at):
    """The site's date at `at`, YYYY-MM-DD."""
    return local(site, at).strftime("%Y-%m-%d")


def real_day(text):
    """Whether `text` is a real date written YYYY-MM-DD (not 2999-19-39)."""
    try:
        return isinstance(text, str) and len(text) == 10 and \
            date.fromisoformat(text).isoformat() == text
    except ValueError:
        return False


def _spans(site, day):
    hours = site.opening_hours
    return [(0, 24 * 60)] if hours is None else hours.spans(day.weekday())


def _at(site, day, minute):
    midnight = datetime(day.year, day.month, day.day, tzinfo=zone(site))
    return (midnight + timedelta(minutes=minute)).timestamp()


def is_open(site, at):
    """Whether `at` falls in the site's opening hours (always, without [opening_hours])."""
    now = local(site, at)
    minute = now.hour * 60 + now.minute
    return any(start <= minute < end for start, end in _spans(site, now.date()))


def closes_at(site, at):
    """When the opening span around `at` ends, or None if the site is not open then."""
    now = local(site, at)
    minute = now.hour * 60 + now.minute
    for start, end in _spans(site, now.date()):
        if start <= minute < end:
            return _at(site, now.date(), end)
    return None


def next_opening(site, at, after_day=None):
    """When the site next opens after `at` (or, with `after_day`, on a date after that
    day), or None if it does not within two weeks."""
    now = local(site, at)
    first = now.date()
    if after_day is not None:
        first = max(first, date.fromisoformat(after_day) + timedelta(days=1))
    for offset in range(LOOK_AHEAD_DAYS + 1):
        day = first + timedelta(days=offset)
        for start, _ in _spans(site, day):
            when = _at(site, day, start)
            if when > at:
                return when
    return None


def next_working_day(site, day):
    """The first weekday (Monday to Friday) after `day` on which the site opens: a business
    day after it is the next one in turn, one after that skipped a working day (a clock that
    ran ahead, or a long closure an officer confirms). Weekends never count as skipped, so a
    site open on a quiet Saturday still opens Monday by itself."""
    current = date.fromisoformat(day)
    for offset in range(1, LOOK_AHEAD_DAYS + 1):
        candidate = current + timedelta(days=offset)
        if candidate.weekday() < 5 and _spans(site, candidate):
            return candidate.isoformat()
    return (current + timedelta(days=1)).isoformat()


def when_text(site, when, at):
    """"07:30 hôm nay" / "07:30 thứ Hai 07/12" and its English, for an opening time."""
    then, now = local(site, when), local(site, at)
    clock = then.strftime("%H:%M")
    if then.date() == now.date():
        return f"{clock} hôm nay", f"{clock} today"
    if then.date() == now.date() + timedelta(days=1):
        return f"{clock} ngày mai", f"{clock} tomorrow"
    weekday = then.weekday()
    return (f"{clock} {WEEKDAY_VI[weekday]} {then.strftime('%d/%m')}",
            f"{clock} {WEEKDAY_EN[weekday]} {then.strftime('%d/%m')}")
