"""The one place the server reads the wall clock; the engine never does."""
import time
from datetime import datetime, timedelta, timezone


def now():
    return time.time()


def site_zone(site):
    return timezone(timedelta(minutes=site.utc_offset_minutes))


def business_day(site, at):
    return datetime.fromtimestamp(at, site_zone(site)).strftime("%Y-%m-%d")


def iso(site, at):
    if at is None:
        return None
    return datetime.fromtimestamp(at, site_zone(site)).isoformat(timespec="seconds")
