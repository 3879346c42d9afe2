"""Headers every answer carries, and session cookies that say `Secure` under TLS.

Pages may run only the site's own scripts and styles (inline ones included: the pages are
served whole, with no third-party content), may not be framed by another site, and do not tell
other sites which page a citizen came from. The session cookie gets `Secure` whenever the
request came over TLS, directly or through a trusted proxy that says so (server/proxy.py
applies X-Forwarded-Proto from trusted proxies only).
"""
from flask import request
from flask.sessions import SecureCookieSessionInterface

CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data: blob:; media-src 'self' data: blob:; font-src 'self' data:; "
       "connect-src 'self' ws: wss:; object-src 'none'; base-uri 'none'; form-action 'self'; "
       "frame-ancestors 'self'")


class TlsAwareSessions(SecureCookieSessionInterface):
    def get_cookie_secure(self, app):
        return bool(app.config.get("SESSION_COOKIE_SECURE")) or request.is_secure


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
