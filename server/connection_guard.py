"""Who may hold a connection to the server, and for how long (eventlet only).

eventlet.wsgi waits forever for a request's headers and stops accepting once `max_size`
connections are open, so one phone opening thousands of half-sent requests (slowloris) locked
every display, tablet and kiosk out for as long as it liked. The guard takes the place of
eventlet's connection pool (`custom_pool`) and wraps the WSGI app:

- a connection that has not sent a whole request within `header_timeout` seconds, or that sits
  idle between keep-alive requests for `idle_timeout` seconds, is shut down (one sweeper
  green thread, once a second);
- one client address holds at most `per_address` connections (a display or tablet needs one or
  two; trusted proxies are exempt: they carry every client);
- when every slot is taken, a new client does not wait: the connection idle the longest (no
  request in progress) is shut down to make room, so `/healthz`, the kiosks and the officers get
  in while an attacker's half-sent requests are the ones dropped. Connections in the middle of a
  request (a WebSocket, a long poll) are never dropped for room.
"""
import collections
import time

import eventlet
from eventlet import greenio

HEADER_TIMEOUT = 10.0
IDLE_TIMEOUT = 30.0
PER_ADDRESS = 64


class _Connection:
    __slots__ = ("sock", "address", "since", "busy", "requests", "closing", "counted")

    def __init__(self, sock, address, now):
        self.sock = sock
        self.address = address
        self.since = now      # accepted, or last request finished
        self.busy = 0         # requests in progress (the app is running for it)
        self.requests = 0
        self.closing = False
        self.counted = True   # in `live` and `per_host`


class _Refused:
    """What spawn returns for a refused connection: eventlet links its clean-up to it."""

    def link(self, func, *args):
        func(self, *args)


class ConnectionGuard:
    def __init__(self, max_connections, per_address=PER_ADDRESS, header_timeout=HEADER_TIMEOUT,
                 idle_timeout=IDLE_TIMEOUT, exempt=()):
        self.max_connections = max_connections
        self.per_address = per_address
        self.header_timeout = header_timeout
        self.idle_timeout = idle_timeout
        from .proxy import TrustedProxyFix
        self.exempt = TrustedProxyFix(None, exempt).trusted if exempt else (lambda host: False)
        self.live = collections.OrderedDict()  # socket -> _Connection, oldest first
        self.per_host = collections.Counter()
        self.threads = set()
        self.sweeper = None
        self.stats = collections.Counter()  # refused_address, evicted_for_room, timed_out

    # -- the pool interface eventlet.wsgi.server uses (custom_pool) ------------------------
    def spawn(self, func, conn_state):
        address, sock = conn_state[0], conn_state[1]
        host = address[0] if isinstance(address, tuple) else str(address)
        if self.sweeper is None:
            self.sweeper = eventlet.spawn(self._sweep)
        if self.per_host[host] >= self.per_address and not self.exempt(host):
            if not self._evict_idle(host):
                self.stats["refused_address"] += 1
                return _Refused()
        if len(self.live) >= self.max_connections and not self._evict_idle():
            self.stats["refused_full"] += 1
            return _Refused()
        conn = _Connection(sock, host, time.monotonic())
        self.live[sock] = conn
        self.per_host[host] += 1
        thread = eventlet.spawn(self._serve, func, conn_state, conn)
        self.threads.add(thread)
        thread.link(lambda t: self.threads.discard(t))
        return thread

    def waitall(self):
        for thread in list(self.threads):
            try:
                thread.wait()
            except Exception:  # noqa: BLE001 - shutting down; each handler logged its own
                pass

    def _serve(self, func, conn_state, conn):
        try:
            func(conn_state)
        finally:
            self._uncount(conn)

    def _uncount(self, conn):
        if conn.counted:
            conn.counted = False
            self.live.pop(conn.sock, None)
            self.per_host[conn.address] -= 1
            if self.per_host[conn.address] <= 0:
                del self.per_host[conn.address]

    # -- marking requests (WSGI middleware) ------------------------------------------------
    def wrap(self, wsgi_app):
        guard = self

        def guarded(environ, start_response):
            conn = None
            source = environ.get("eventlet.input")
            if source is not None and hasattr(source, "get_socket"):
                conn = guard.live.get(source.get_socket())
            if conn is None:
                return wsgi_app(environ, start_response)
            conn.busy += 1
            conn.requests += 1
            try:
                result = wsgi_app(environ, start_response)
            except BaseException:
                guard._done(conn)
                raise
            return _Finishing(result, lambda: guard._done(conn))
        return guarded

    def _done(self, conn):
        conn.busy = max(0, conn.busy - 1)
        conn.since = time.monotonic()

    # -- dropping connections --------------------------------------------------------------
    def _close(self, conn):
        if not conn.closing:
            conn.closing = True
            # Shutting down wakes the handler's blocked read with end-of-file; the handler
            # then closes the socket and frees the slot itself.
            greenio.shutdown_safe(conn.sock)

    def _evict_idle(self, host=None):
        for conn in self.live.values():  # oldest first
            if conn.busy or conn.closing or (host is not None and conn.address != host):
                continue
            self._close(conn)
            # The slot frees when its handler ends; count it gone now so the newcomer fits.
            self._uncount(conn)
            self.stats["evicted_for_room"] += 1
            return True
        return False

    def _sweep(self):
        while True:
            eventlet.sleep(1.0)
            now = time.monotonic()
            for conn in list(self.live.values()):
                if conn.busy or conn.closing:
                    continue
                limit = self.header_timeout if conn.requests == 0 else self.idle_timeout
                if now - conn.since > limit:
                    self.stats["timed_out"] += 1
                    self._close(conn)


class _Finishing:
    """The app's response, with a call-back once it is sent (or abandoned)."""

    def __init__(self, result, done):
        self.result = result
        self.done = done
        self.finished = False

    def __iter__(self):
        return iter(self.result)

    def close(self):
        try:
            close = getattr(self.result, "close", None)
            if close is not None:
                close()
        finally:
            if not self.finished:
                self.finished = True
                self.done()
