"""Per-client limits on taking tickets, so one phone on the site's Wi-Fi cannot empty a day.

A sliding window per client address: at most `count` tickets per `seconds`. The kiosks'
own addresses (KIOSK_ADDRESSES) are exempt: a kiosk serves a whole hall from one address.
In memory, per process: a deliberate simplification, the limit is a guard, not a ledger.
"""
import collections
import threading


def parse_limit(text):
    """'5/300' -> (5, 300.0): five tickets per 300 seconds."""
    try:
        count, seconds = text.split("/")
        count, seconds = int(count), float(seconds)
    except (AttributeError, ValueError):
        raise ValueError(f"rate limit must look like COUNT/SECONDS, got {text!r}") from None
    if count < 1 or seconds <= 0:
        raise ValueError("rate limit needs COUNT >= 1 and SECONDS > 0")
    return count, seconds


class RateLimiter:
    def __init__(self, limit, exempt=()):
        self.count, self.seconds = parse_limit(limit)
        self.exempt = set(exempt)
        self._hits = collections.defaultdict(collections.deque)
        self._lock = threading.Lock()

    def allow(self, client, at):
        if client in self.exempt:
            return True
        with self._lock:
            hits = self._hits[client]
            while hits and hits[0] <= at - self.seconds:
                hits.popleft()
            if len(hits) >= self.count:
                return False
            hits.append(at)
            return True

    def retry_after(self, client, at):
        hits = self._hits.get(client)
        return max(1, int(hits[0] + self.seconds - at) + 1) if hits else 1
