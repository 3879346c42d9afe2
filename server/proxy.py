"""Behind a reverse proxy (deploy/nginx/qms-site.conf): believe X-Forwarded-* from it only.

nginx terminates TLS and passes the client's address, scheme, host and port in X-Forwarded-*
headers. Werkzeug's ProxyFix applies them, so the ticket rate limit sees the citizen's phone
and not nginx, Socket.IO's same-origin check and the session cookie see https. A client that
talks to the server directly could send the same headers to pass for a kiosk address or for
https: from any address not listed in TRUSTED_PROXIES (`qms serve --trusted-proxy`,
QMS_TRUSTED_PROXIES) the headers are dropped before anything reads them.
"""
import ipaddress

from werkzeug.middleware.proxy_fix import ProxyFix

FORWARDED = ("HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_HOST",
             "HTTP_X_FORWARDED_PORT", "HTTP_X_FORWARDED_PREFIX", "HTTP_FORWARDED")


def trusted_networks(proxies):
    """Addresses or networks ("127.0.0.1", "10.0.0.0/24"), as a list or one comma-separated
    string (an environment file's QMS_TRUSTED_PROXIES=127.0.0.1); ValueError names a bad one."""
    if isinstance(proxies, str):
        proxies = [part for part in proxies.split(",") if part.strip()]
    networks = []
    for proxy in proxies:
        try:
            networks.append(ipaddress.ip_network(str(proxy).strip(), strict=False))
        except ValueError:
            raise ValueError(f"trusted proxy {proxy!r} is not an IP address or network") from None
    return networks


class TrustedProxyFix:
    """WSGI middleware: ProxyFix for requests from a trusted proxy (one hop: nginx sets
    X-Forwarded-For to the address it saw, replacing what the client sent), header removal for
    everyone else."""

    def __init__(self, app, proxies):
        self.app = app
        self.networks = trusted_networks(proxies)
        self.fixed = ProxyFix(app, x_for=1, x_proto=1, x_host=1, x_port=1)

    def trusted(self, address):
        try:
            ip = ipaddress.ip_address(address or "")
        except ValueError:
            return False
        return any(ip in network for network in self.networks)

    def __call__(self, environ, start_response):
        if self.networks and self.trusted(environ.get("REMOTE_ADDR")):
            return self.fixed(environ, start_response)
        for key in FORWARDED:
            environ.pop(key, None)
        return self.app(environ, start_response)
