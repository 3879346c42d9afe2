"""The one place the server reads the wall clock; the engine never does (its calendar,
`server/engine/hours.py`, is told the time)."""
import time

from .engine.hours import local


def now():
    return time.time()


def iso(site, at):
    if at is None:
        return None
    return local(site, at).isoformat(timespec="seconds")
