"""Web Push for the tracking page: the site's VAPID key, the check of a browser's push
subscription before it is kept, and the message the phone shows.

- The VAPID key pair (RFC 8292) is made on first use and kept in the site's store
  (`site_keys`, name "vapid": the raw private key, base64url), so every process of the site
  signs with the same key and the subscriptions made with its public half (served by
  `GET /api/push/key`) keep working across restarts.
- A subscription is the browser's `PushSubscription.toJSON()`: {endpoint, keys: {p256dh,
  auth}}. The server will later POST to its endpoint, so the endpoint must be a known push
  service over https (Chrome, Cốc Cốc, Edge, Firefox, Safari's): a subscription naming any
  other address (the site's own network, a loopback, a cloud metadata address) is refused, or
  anyone with a ticket could make the server POST where it should not. A site may add push
  services (`QMS_NOTIFY_PUSH_SERVICES`: origins, e.g. the tests' local fake service
  "http://127.0.0.1:8123"); the keys must be a P-256 point (65 bytes) and 16 auth bytes,
  base64url.
"""
import base64
import binascii
import json
import re
import threading
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from ..engine import Refused

# Hosts of the push services browsers subscribe with ("*." : any name under that domain).
PUSH_SERVICES = (
    "fcm.googleapis.com",                  # Chrome, Cốc Cốc, Opera, Samsung Internet (Android)
    "updates.push.services.mozilla.com",   # Firefox
    "web.push.apple.com", "*.push.apple.com",  # Safari (macOS; iOS from a home-screen app)
    "*.notify.windows.com",                # Edge
)
ENDPOINT_MAX = 1024
B64URL = re.compile(r"^[A-Za-z0-9_-]+={0,2}$")


def bad_subscription(vi, en):
    return Refused("bad_subscription", vi, en, 400)


def extra_services(config):
    """The push-service origins a site adds (`NOTIFY_PUSH_SERVICES`: a list, or one string
    with commas), as (scheme, host, port) tuples."""
    listed = config.get("NOTIFY_PUSH_SERVICES") or ()
    if isinstance(listed, str):
        listed = listed.split(",")
    return {_origin(item.strip()) for item in listed if item.strip()}


def _origin(url):
    parts = urlsplit(url)
    default = {"https": 443, "http": 80}.get(parts.scheme)
    try:
        port = parts.port or default
    except ValueError:
        port = None
    return parts.scheme, (parts.hostname or "").lower(), port


def _known_host(host):
    return any(host == known or (known.startswith("*.") and host.endswith(known[1:]))
               for known in PUSH_SERVICES)


def endpoint_allowed(endpoint, extra=()):
    """True when the server may POST to `endpoint`: a known push service over https on its
    default port, or an origin the site added."""
    if not isinstance(endpoint, str) or len(endpoint) > ENDPOINT_MAX:
        return False
    parts = urlsplit(endpoint)
    if parts.username is not None or parts.password is not None or not parts.hostname:
        return False
    origin = _origin(endpoint)
    if origin in extra:
        return True
    return origin[0] == "https" and origin[2] == 443 and _known_host(origin[1])


def _b64url_bytes(text):
    if not isinstance(text, str) or not B64URL.match(text) or len(text) > 200:
        return None
    try:
        return base64.urlsafe_b64decode(text.rstrip("=") + "=" * (-len(text.rstrip("=")) % 4))
    except (binascii.Error, ValueError):
        return None


def check_subscription(data, extra=()):
    """The subscription as it is kept ({endpoint, keys: {p256dh, auth}}), or Refused 400
    `bad_subscription` saying what is wrong."""
    if not isinstance(data, dict) or not isinstance(data.get("keys"), dict):
        raise bad_subscription("Đăng ký nhận thông báo không hợp lệ (thiếu endpoint hoặc keys).",
                               "Not a push subscription: endpoint and keys are required.")
    endpoint = data.get("endpoint")
    if not endpoint_allowed(endpoint, extra):
        raise bad_subscription(
            "Dịch vụ thông báo của trình duyệt này không được chấp nhận.",
            "The subscription's endpoint is not a known push service over https.")
    p256dh = _b64url_bytes(data["keys"].get("p256dh"))
    try:
        if p256dh is None or len(p256dh) != 65:
            raise ValueError("length")
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), p256dh)
    except ValueError:
        raise bad_subscription("Khoá mã hoá của đăng ký không hợp lệ.",
                               "keys.p256dh must be a P-256 public key (65 bytes, base64url).") \
            from None
    auth = _b64url_bytes(data["keys"].get("auth"))
    if auth is None or len(auth) != 16:
        raise bad_subscription("Khoá xác thực của đăng ký không hợp lệ.",
                               "keys.auth must be 16 bytes, base64url.")
    return {"endpoint": endpoint,
            "keys": {"p256dh": data["keys"]["p256dh"], "auth": data["keys"]["auth"]}}


def _b64url(raw):
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _new_private_key():
    key = ec.generate_private_key(ec.SECP256R1())
    return _b64url(key.private_numbers().private_value.to_bytes(32, "big"))


class SiteVapid:
    """The site's VAPID key, read (or made, by the first process that needs it) on first
    use."""

    def __init__(self, store, site_id):
        self.store, self.site_id = store, site_id
        self._vapid = None
        self._lock = threading.Lock()

    def key(self):
        """The py_vapid signer."""
        with self._lock:
            if self._vapid is None:
                from py_vapid import Vapid
                raw = self.store.site_key(self.site_id, "vapid", _new_private_key)
                self._vapid = Vapid.from_string(raw)
            return self._vapid

    def public(self):
        """The public key as the page's `applicationServerKey` wants it (base64url, 65
        bytes)."""
        point = self.key().public_key.public_bytes(serialization.Encoding.X962,
                                                   serialization.PublicFormat.UncompressedPoint)
        return _b64url(point)


def payload(message):
    """What the service worker shows: {title, body, url} (Vietnamese, English under it)."""
    title = f"Số {message.number} sắp đến lượt" if message.number else "Sắp đến lượt"
    body = message.text + (f"\n{message.text_en}" if message.text_en else "")
    return json.dumps({"title": title, "body": body, "url": message.url}, ensure_ascii=False)
