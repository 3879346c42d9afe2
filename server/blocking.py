"""Blocking work off the event loop. Under eventlet one loop serves every display and tablet, so
a month's report (a big query, a fold, an .xlsx) runs in a real OS thread while the loop goes
on; under threading or gevent-less runs it simply runs here."""
from flask import current_app


def run_blocking(fn, *args, **kwargs):
    if current_app.config.get("ASYNC_MODE") == "eventlet":
        from eventlet import tpool
        return tpool.execute(fn, *args, **kwargs)
    return fn(*args, **kwargs)
