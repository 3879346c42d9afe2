"""The server's logs: one JSON object per line (journald and log shippers read them as they
are), times in the site's own time zone, and an access log of every HTTP request.

    {"time": "2026-12-01T08:03:04.120+07:00", "level": "INFO", "logger": "qms.access",
     "message": "POST /api/tickets 201", "method": "POST", "path": "/api/tickets",
     "status": 201, "ms": 4.2, "client": "10.0.0.31"}

Socket.IO's long-polling requests (one every few seconds per display) are logged only when
they fail; the query string is never logged.
"""
import json
import logging
import sys
import time
from datetime import datetime, timedelta, timezone

ACCESS = logging.getLogger("qms.access")
# LogRecord attributes that are not a caller's `extra` fields.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


class JsonLines(logging.Formatter):
    def __init__(self, utc_offset_minutes):
        super().__init__()
        self.zone = timezone(timedelta(minutes=utc_offset_minutes))

    def format(self, record):
        line = {"time": datetime.fromtimestamp(record.created, self.zone)
                .isoformat(timespec="milliseconds"),
                "level": record.levelname, "logger": record.name,
                "message": record.getMessage()}
        line.update({k: v for k, v in vars(record).items() if k not in _STANDARD})
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def configure(site, stream=None):
    """Every logger of the process writes JSON lines in the site's time zone."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonLines(site.utc_offset_minutes))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)


class AccessLog:
    """WSGI middleware: one `qms.access` line per request, after its response is sent."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        started = time.perf_counter()
        seen = {}

        def recording_start_response(status, headers, exc_info=None):
            seen["status"] = int(status.split(" ", 1)[0])
            return start_response(status, headers, exc_info)

        # Called now, not inside a generator: eventlet must see a WebSocket handled at once.
        body = self.wsgi_app(environ, recording_start_response)
        return _Logged(body, lambda: self._log(environ, seen.get("status", 0), started))

    @staticmethod
    def _log(environ, status, started):
        path = environ.get("PATH_INFO", "")
        if path.startswith("/socket.io") and status < 400:
            return
        method = environ.get("REQUEST_METHOD", "")
        ACCESS.info("%s %s %s", method, path, status, extra={
            "method": method, "path": path, "status": status,
            "ms": round((time.perf_counter() - started) * 1000, 1),
            "client": environ.get("REMOTE_ADDR")})


class _Logged:
    """The response body, passed through; logs when the server closes it (after sending)."""

    def __init__(self, body, on_close):
        self.body, self.on_close = body, on_close

    def __iter__(self):
        return iter(self.body)

    def close(self):
        try:
            if hasattr(self.body, "close"):
                self.body.close()
        finally:
            self.on_close()
