"""A local fake of a messaging provider's HTTP API (brand-name SMS, Zalo ZNS) and of a
browser's push service (Web Push): a real HTTP server on a free port that records every
request and answers from a script, so tests send real requests and no real message leaves the
machine."""
import base64
import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from requests.structures import CaseInsensitiveDict


class FakeProvider:
    """`answers`: a list of (status, body dict) served in turn, the last one repeated.
    `hold`: an Event the handler waits on before answering (a provider that hangs)."""

    def __init__(self, answers=((200, {"CodeResult": "100"}),), hold=None):
        self.answers = list(answers)
        self.hold = hold
        self.received = []
        self.arrived = threading.Event()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                raw = self.rfile.read(length)
                # A push message is encrypted bytes; the providers' APIs speak JSON.
                body = None if self.headers.get("Content-Encoding") else json.loads(raw or b"{}")
                headers = CaseInsensitiveDict(self.headers.items())  # as HTTP reads them
                fake.received.append({"path": self.path, "headers": headers,
                                      "json": body, "body": raw})
                fake.arrived.set()
                if fake.hold is not None:
                    fake.hold.wait(30)
                index = min(len(fake.received), len(fake.answers)) - 1
                status, answer = fake.answers[index]
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.url = f"{self.origin}/MainService.svc/json/SendMultipleMessage_V4_post_json/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def texts(self):
        return [r["json"].get("Content") for r in self.received]

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        if self.hold is not None:
            self.hold.set()
        self.server.shutdown()
        self.server.server_close()


def _b64url(raw):
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64url(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class PushSubscriber:
    """What a browser makes when a page subscribes: a P-256 key pair and 16 random auth bytes,
    and the push service's endpoint for it. `subscription` is its PushSubscription.toJSON()."""

    def __init__(self, endpoint):
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        self.private_key = ec.generate_private_key(ec.SECP256R1())
        self.auth = os.urandom(16)
        public = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
        self.subscription = {"endpoint": endpoint, "expirationTime": None,
                             "keys": {"p256dh": _b64url(public), "auth": _b64url(self.auth)}}

    def decrypt(self, body):
        import http_ece
        return http_ece.decrypt(body, private_key=self.private_key, auth_secret=self.auth,
                                version="aes128gcm")


class FakePushService(FakeProvider):
    """A browser's push service (as FCM or Mozilla's would be, on 127.0.0.1): takes the
    encrypted POST of a push message, answers 201 (or from `answers`). `subscribe()` makes a
    subscription as a browser would; `messages(site_key)` checks each request's VAPID
    Authorization against the site's public key and decrypts what the phone would show."""

    def __init__(self, answers=((201, {}),), hold=None):
        super().__init__(answers, hold)
        self.subscribers = {}

    def subscribe(self, name="phone"):
        subscriber = PushSubscriber(f"{self.origin}/wpush/v2/{name}")
        self.subscribers[f"/wpush/v2/{name}"] = subscriber
        return subscriber

    def check_vapid(self, request, site_key):
        """The claims of the request's VAPID JWT (RFC 8292), after checking that it is signed
        with the key `site_key` (base64url) names and addressed to this service."""
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec, utils
        scheme, _, params = request["headers"]["Authorization"].partition(" ")
        assert scheme == "vapid", request["headers"]["Authorization"]
        fields = dict(part.split("=", 1) for part in params.split(","))
        assert fields["k"] == site_key
        public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(),
                                                              _unb64url(site_key))
        signed, _, signature = fields["t"].rpartition(".")
        raw = _unb64url(signature)
        der = utils.encode_dss_signature(int.from_bytes(raw[:32], "big"),
                                         int.from_bytes(raw[32:], "big"))
        public.verify(der, signed.encode(), ec.ECDSA(hashes.SHA256()))  # raises if forged
        header, claims = (json.loads(_unb64url(part)) for part in signed.split("."))
        assert header["alg"] == "ES256"
        assert claims["aud"] == self.origin and claims["exp"] > time.time()
        return claims

    def messages(self, site_key):
        """Each push received, decrypted: the JSON the service worker gets, with the VAPID
        claims and the request's TTL and Urgency."""
        out = []
        for request in list(self.received):
            claims = self.check_vapid(request, site_key)
            assert request["headers"]["Content-Encoding"] == "aes128gcm"
            subscriber = self.subscribers[request["path"]]
            out.append(dict(json.loads(subscriber.decrypt(request["body"])),
                            sub=claims["sub"], ttl=int(request["headers"]["TTL"]),
                            urgency=request["headers"].get("Urgency")))
        return out
