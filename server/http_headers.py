"""Headers every answer carries, and session cookies that say `Secure` under TLS.

Pages may run only the site's own scripts and styles (inline ones included: the pages are
served whole, with no third-party content), may not be framed by another site, and do not tell
other sites which page a citizen came from. The session cookie gets `Secure` whenever the
request came over TLS, directly or through a trusted proxy that says so (server/proxy.py
applies X-Forwarded-Proto from trusted proxies only).
"""
import time

from flask import request
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature

CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data: blob:; media-src 'self' data: blob:; font-src 'self' data:; "
       "connect-src 'self' ws: wss:; object-src 'none'; base-uri 'none'; form-action 'self'; "
       "frame-ancestors 'self'")


class TlsAwareSessions(SecureCookieSessionInterface):
    """Also remembers the session cookies it has verified: a tablet sends the same cookie
    with every action, and checking its signature again cost ~85 µs of each officer request
    (issue 15). Only the exact cookie text that passed the check is remembered, with the
    moment its signature grows too old; whether the session is still open is the store's
    answer at every request all the same (server/auth.py)."""

    REMEMBERED = 1024

    def __init__(self):
        self.verified = {}  # cookie text -> (no longer valid after, its data)

    def get_cookie_secure(self, app):
        return bool(app.config.get("SESSION_COOKIE_SECURE")) or request.is_secure

    def open_session(self, app, request):
        text = request.cookies.get(self.get_cookie_name(app))
        known = self.verified.get(text) if text else None
        if known is not None and time.time() <= known[0]:
            return self.session_class(known[1])
        signer = self.get_signing_serializer(app)
        if signer is None or not text:
            return super().open_session(app, request)
        max_age = int(app.permanent_session_lifetime.total_seconds())
        try:
            data, signed = signer.loads(text, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        if len(self.verified) >= self.REMEMBERED:
            self.verified.clear()
        self.verified[text] = (signed.timestamp() + max_age, data)
        return self.session_class(data)


def install(app):
    app.session_interface = TlsAwareSessions()

    @app.after_request
    def headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        if response.mimetype == "text/html":
            response.headers.setdefault("Content-Security-Policy", CSP)
        return response
