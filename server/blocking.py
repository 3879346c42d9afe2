"""Blocking work off the event loop. Under eventlet one loop serves every display, kiosk and
tablet: a month's report (a big query, a fold, an .xlsx) or a password check (scrypt, ~0.1 s;
eight guessers once pushed /healthz to 4 s) runs in a real OS thread while the loop goes on
(eventlet's tpool, gevent's thread pool); with plain threads it simply runs here."""
from flask import current_app, has_app_context


def _mode():
    if has_app_context() and current_app.config.get("ASYNC_MODE"):
        return current_app.config["ASYNC_MODE"]
    try:
        from eventlet import patcher
        if patcher.is_monkey_patched("thread"):
            return "eventlet"
    except ImportError:
        pass
    return None


def run_blocking(fn, *args, **kwargs):
    mode = _mode()
    if mode == "eventlet":
        from eventlet import tpool
        return tpool.execute(fn, *args, **kwargs)
    if mode == "gevent":
        import gevent
        return gevent.get_hub().threadpool.apply(fn, args, kwargs)
    return fn(*args, **kwargs)
