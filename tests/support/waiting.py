"""Waiting for something another process does, bounded in time."""
import time


def wait_until(predicate, timeout=15.0, interval=0.05, message="condition"):
    """The predicate's first truthy value, or AssertionError after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {message}")
