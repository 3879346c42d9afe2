"""The attacks of issue 9, as a phone on the site's LAN would make them, bounded and on loopback
only. Shared by tests/security (does the server hold?) and bench/attacks.py (how well?).

Several loopback addresses (127.0.0.2, 127.0.0.3 ...) stand for several devices: Linux routes
the whole 127/8 to lo, so binding the client side to one of them is enough.
"""
import json
import socket
import time
import uuid

import requests
from requests.adapters import HTTPAdapter


def loopback(i):
    """The i-th attacker address: 127.0.0.2, 127.0.0.3, ... (127.0.0.1 is the honest client)."""
    return f"127.0.{(i + 2) // 250}.{(i + 2) % 250 or 250}"


def half_sent(port, source, path="/healthz"):
    """A connection that starts a request and never finishes its headers (slowloris)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=2, source_address=(source, 0))
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nX-Slow: ".encode())
    return sock


def open_half_sent(port, count, addresses=8):
    """`count` half-sent connections spread over `addresses` source addresses; those the server
    refuses at once are counted, not kept."""
    kept, refused = [], 0
    for i in range(count):
        try:
            kept.append(half_sent(port, loopback(i % addresses)))
        except OSError:
            refused += 1
    return kept, refused


def closed_by_server(sock, wait=15.0):
    """Whether the server closed this connection within `wait` seconds (it reads end-of-file)."""
    deadline = time.monotonic() + wait
    try:
        while time.monotonic() < deadline:
            sock.settimeout(max(0.05, deadline - time.monotonic()))
            if sock.recv(4096) == b"":  # an answer, if any, is read past first
                return True
    except (ConnectionResetError, BrokenPipeError):
        return True
    except socket.timeout:
        pass
    return False


def close_all(socks):
    for sock in socks:
        try:
            sock.close()
        except OSError:
            pass


class SourceAdapter(HTTPAdapter):
    """requests from a chosen source address (another device on the LAN)."""

    def __init__(self, source, **kwargs):
        self.source = source
        super().__init__(**kwargs)

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.source, 0)
        super().init_poolmanager(*args, **kwargs)


def client_from(source):
    http = requests.Session()
    http.mount("http://", SourceAdapter(source))
    return http


def anonymous_ticket(http, base_url, service="CCCD", **extra):
    body = {"service": service, "request_id": uuid.uuid4().hex, **extra}
    return http.post(base_url + "/api/tickets", json=body, timeout=10)


def nested_json(depth):
    return "[" * depth + "]" * depth


def deep_body(depth=5000):
    return '{"service": ' + nested_json(depth) + ', "request_id": "x"}'


def timed(call):
    start = time.perf_counter()
    result = call()
    return result, time.perf_counter() - start


__all__ = ["loopback", "half_sent", "open_half_sent", "closed_by_server", "close_all",
           "client_from", "anonymous_ticket", "nested_json", "deep_body", "timed", "json"]
