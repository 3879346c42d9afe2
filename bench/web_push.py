"""What one Web Push message costs the site server (issue 13), next to one text message.

    python bench/web_push.py [--messages 500]

The outbox's worker is a green thread under eventlet: what it computes (not what it waits
for) holds the event loop. Measured here, in one process, with the server's own code:
- `encrypt+sign`: what pywebpush computes for one message before its POST: the aes128gcm
  body for the browser's key (an ECDH, HKDF and AES-GCM) and the VAPID JWT (an ES256
  signature);
- `push send`: notify.WebPush.send to the local fake push service (tests/support/
  fake_provider.py; HTTP on 127.0.0.1): the above plus the POST and its answer;
- `sms send`: notify.BrandnameSms.send to the local fake SMS provider, the baseline;
- `check`: push.check_subscription, done in the request that keeps a subscription.
Median and p99 in milliseconds. Nothing leaves the machine.
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

from server.appointments import push  # noqa: E402
from server.appointments.notify import BrandnameSms, Message, WebPush  # noqa: E402
from support.fake_provider import FakeProvider, FakePushService  # noqa: E402


class MemoryKeys:
    """The store's `site_key` without a database: the key is made once, as on a site."""

    def __init__(self):
        self.keys = {}

    def site_key(self, site_id, name, make):
        return self.keys.setdefault((site_id, name), make())


def timed(action, count):
    times = []
    for _ in range(count):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return times


def row(name, times):
    return {"what": name, "n": len(times), "median_ms": common.ms(common.percentile(times, 50)),
            "p99_ms": common.ms(common.percentile(times, 99))}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=500)
    args = parser.parse_args()
    from pywebpush import WebPusher
    vapid = push.SiteVapid(MemoryKeys(), "bench")
    rows = []
    with FakePushService() as service, FakeProvider() as sms:
        subscriber = service.subscribe("bench")
        message = Message("0987654321", "Còn 3 người nữa đến lượt bạn tại Quầy 2", 7, 3,
                          "Quầy 2", push=subscriber.subscription, number="A012",
                          url="/t/" + "x" * 22, text_en="3 people ahead of you at counter 2")
        data = push.payload(message)

        def encrypt_and_sign():
            WebPusher(message.push).encode(data.encode())
            vapid.key().sign({"sub": "mailto:cntt@congan.example.vn",
                              "aud": service.origin, "exp": int(time.time()) + 3600})

        channel = WebPush(vapid, "mailto:cntt@congan.example.vn", {push._origin(service.origin)})
        texting = BrandnameSms(sms.url, "K", "S", "CONGAN")
        for action in (encrypt_and_sign, lambda: channel.send(message),
                       lambda: texting.send(message)):
            timed(action, 20)  # warm: imports, connections
        rows.append(row("encrypt+sign", timed(encrypt_and_sign, args.messages)))
        rows.append(row("push send", timed(lambda: channel.send(message), args.messages)))
        rows.append(row("sms send", timed(lambda: texting.send(message), args.messages)))
        rows.append(row("check", timed(
            lambda: push.check_subscription(subscriber.subscription,
                                            {push._origin(service.origin)}), args.messages)))
    for r in rows:
        print(f"{r['what']:<14} n={r['n']:<5} median {r['median_ms']:>6} ms   "
              f"p99 {r['p99_ms']:>6} ms")
    push_send, sms_send = rows[1]["median_ms"], rows[2]["median_ms"]
    print(f"push send / sms send (medians): {push_send / sms_send:.2f}")


if __name__ == "__main__":
    main()
