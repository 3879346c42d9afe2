"""Telling citizens their turn nears: "Còn 3 người nữa đến lượt bạn tại Quầy 2".

- `Channel` adapters, one per provider shape; each sends one message and says whether it went
  (`Sent`), failed for now (`Retry`: timeouts, 5xx, a provider's "busy") or never will
  (`GiveUp`: a bad number, a refused key):
  - `BrandnameSms`: the HTTP JSON API shape of Vietnamese brand-name SMS providers (eSMS's
    SendMultipleMessage_V4_post_json: ApiKey, SecretKey, Phone, Content, Brandname, SmsType;
    CodeResult "100" is success).
  - `ZaloZns`: Zalo's ZNS template message (POST /message/template, header access_token;
    error 0 is success); the template's fields `ahead` and `counter` carry the figures.
  - `WebPush`: a browser's push subscription (the tracking page's), sent with pywebpush
    (VAPID with the site's key, aes128gcm; server/appointments/push.py). A 404/410 from the
    push service means the subscription is gone (GiveUp), 429/5xx Retry; the message lives
    `QMS_NOTIFY_PUSH_TTL` seconds (default 900) at the push service while the phone is off.
  Each channel `takes` only the messages it can carry (a phone for SMS and Zalo, a
  subscription for Web Push).
- `Outbox`: a bounded queue and a worker thread (green under eventlet, so a slow provider
  never holds the event loop; the queue never blocks the caller: when it is full the message
  is dropped and logged). Each message goes to every channel that takes it; a channel that
  failed for now is tried again, up to `attempts` tries with backoff doubling from `backoff`
  seconds (jittered), then given up cleanly (logged, recorded); one that sent is not tried
  again.
- `TurnWatcher`: a runtime listener. After every change it looks at the waiting tickets whose
  citizen asked to be told (a booking with `notify_phone`, or an opt-in at the kiosk or on the
  tracking page: `POST /api/tickets/<token>/notify {"phone"}` or `{"push": <subscription>}`,
  any ticket); when a ticket's place in line
  reaches `ahead` (or less), one message is queued, naming the counter where it comes soonest.
  One message per ticket, also with several server processes: the process that inserts the
  `site_notices` row sends it.

Configured by the server's environment (docs/appointments.md): QMS_NOTIFY_SMS_URL,
QMS_NOTIFY_SMS_API_KEY, QMS_NOTIFY_SMS_SECRET, QMS_NOTIFY_SMS_BRANDNAME; QMS_NOTIFY_ZALO_URL,
QMS_NOTIFY_ZALO_TOKEN, QMS_NOTIFY_ZALO_TEMPLATE; QMS_NOTIFY_PUSH_SUB (the VAPID contact,
mailto:… or https://…: turns Web Push on), QMS_NOTIFY_PUSH_TTL, QMS_NOTIFY_PUSH_SERVICES;
QMS_NOTIFY_AHEAD (default 3).
"""
import json
import logging
import queue
import random
import re
import threading
import time
from dataclasses import dataclass, field

import requests
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from ..engine.state import CLOSED
from ..engine.lifecycle import WAITING
from ..engine.queue import _counters_for, counter_lines
from ..store.sql import site_notices, site_notify_optins
from . import kept, push

log = logging.getLogger("qms.notify")


class Retry(Exception):
    pass


class GiveUp(Exception):
    pass


@dataclass
class Message:
    phone: str | None  # None: told by Web Push only
    text: str
    ticket_id: int
    ahead: int
    counter: str
    tries: int = 0
    outcome: str | None = None
    history: list = field(default_factory=list)
    push: dict | None = None  # the browser's subscription (push.check_subscription's shape)
    number: str = ""          # the ticket's number, for the notification's title
    url: str = ""             # the tracking page the notification opens
    text_en: str = ""
    sent_by: list = field(default_factory=list)  # the channels that sent it


def turn_text(ahead, counter_name):
    if ahead <= 0:
        return f"Sắp đến lượt bạn tại {counter_name}. Mời chuẩn bị giấy tờ."
    return f"Còn {ahead} người nữa đến lượt bạn tại {counter_name}"


def turn_text_en(ahead, counter_number):
    if ahead <= 0:
        return f"Your turn is next at counter {counter_number}. Please have your papers ready."
    return f"{ahead} {'person' if ahead == 1 else 'people'} ahead of you at counter " \
        f"{counter_number}"


def _international(phone):
    return "84" + phone[1:] if phone.startswith("0") else phone


def _failed(status, detail):
    """A provider's HTTP failure: Retry when it is busy or failing (429, 5xx, no status),
    GiveUp when it refused the message (another 4xx)."""
    if status is None or status == 429 or status >= 500:
        return Retry(f"HTTP {status}")
    return GiveUp(f"HTTP {status}: {detail[:200]}")


def _post(url, timeout, **kw):
    try:
        answer = requests.post(url, timeout=timeout, **kw)
    except requests.RequestException as exc:
        raise Retry(f"unreachable: {exc}") from None
    if answer.status_code >= 400:
        raise _failed(answer.status_code, answer.text)
    try:
        return answer.json()
    except ValueError:
        raise Retry("not JSON") from None


class BrandnameSms:
    name = "sms"

    @staticmethod
    def takes(message):
        return bool(message.phone)

    def __init__(self, url, api_key, secret, brandname, timeout=10.0):
        self.url, self.api_key, self.secret = url, api_key, secret
        self.brandname, self.timeout = brandname, timeout

    def send(self, message):
        data = _post(self.url, self.timeout, json={
            "ApiKey": self.api_key, "SecretKey": self.secret, "Phone": message.phone,
            "Content": message.text, "Brandname": self.brandname, "SmsType": "2",
            "IsUnicode": "1", "RequestId": f"qms-{message.ticket_id}"})
        code = str(data.get("CodeResult"))
        if code == "100":
            return
        # eSMS: 99 unknown error / 104 brandname not approved … only a busy answer is worth
        # trying again; a refused number or key will not mend.
        if code in ("99", "-1"):
            raise Retry(f"CodeResult {code}")
        raise GiveUp(f"CodeResult {code}: {data.get('ErrorMessage', '')}")


class ZaloZns:
    name = "zalo"
    takes = staticmethod(BrandnameSms.takes)

    def __init__(self, url, access_token, template_id, timeout=10.0):
        self.url, self.token, self.template, self.timeout = url, access_token, template_id, timeout

    def send(self, message):
        data = _post(self.url, self.timeout, headers={"access_token": self.token}, json={
            "phone": _international(message.phone), "template_id": self.template,
            "template_data": {"ahead": message.ahead, "counter": message.counter},
            "tracking_id": f"qms-{message.ticket_id}"})
        error = data.get("error")
        if error == 0:
            return
        if error in (-124, -32):  # token expired / rate limited: maybe later
            raise Retry(f"error {error}")
        raise GiveUp(f"error {error}: {data.get('message', '')}")


class WebPush:
    name = "push"

    def __init__(self, vapid, sub, extra_services=(), ttl=900, timeout=10.0):
        self.vapid, self.sub, self.extra = vapid, sub, set(extra_services)
        self.ttl, self.timeout = ttl, timeout

    @staticmethod
    def takes(message):
        return bool(message.push)

    def send(self, message):
        from pywebpush import WebPushException, webpush
        # Checked again as it leaves: a subscription kept before the site's list changed.
        if not push.endpoint_allowed(message.push.get("endpoint"), self.extra):
            raise GiveUp("push service not allowed")
        session = requests.Session()
        session.max_redirects = 0  # a push service answers; it does not send us elsewhere
        try:
            webpush(message.push, data=push.payload(message), vapid_private_key=self.vapid.key(),
                    vapid_claims={"sub": self.sub}, ttl=self.ttl, timeout=self.timeout,
                    headers={"Urgency": "high"}, requests_session=session)
        except WebPushException as exc:
            status = exc.status_code
            if status in (404, 410):
                raise GiveUp(f"subscription gone (HTTP {status})") from None
            raise _failed(status, exc.message) from None
        except requests.TooManyRedirects:
            raise GiveUp("the push service redirected") from None
        except requests.RequestException as exc:
            raise Retry(f"unreachable: {exc}") from None
        finally:
            session.close()


class Outbox:
    """Queue of messages sent by one worker thread, each over every channel that takes it."""

    def __init__(self, channels, attempts=4, backoff=2.0, size=1000, on_done=None):
        self.channels, self.attempts, self.backoff = list(channels), attempts, backoff
        self.queue = queue.Queue(maxsize=size)
        self.on_done = on_done or (lambda message: None)
        self.done = []  # the last messages finished (sent or given up), newest last
        self._worker = None
        self._lock = threading.Lock()

    def put(self, message):
        """Never blocks: a full outbox drops the message (logged)."""
        self._start()
        try:
            self.queue.put_nowait(message)
            return True
        except queue.Full:
            log.warning("notify outbox full: message for ticket %s dropped", message.ticket_id)
            return False

    def _start(self):
        with self._lock:
            if self._worker is None:
                self._worker = threading.Thread(target=self._run, name="qms-notify", daemon=True)
                self._worker.start()

    def _run(self):
        while True:
            message = self.queue.get()
            self._deliver(message)
            self.done = (self.done + [message])[-200:]
            try:
                self.on_done(message)
            except Exception:  # noqa: BLE001 — recording must not stop the worker
                log.exception("notify: recording the outcome failed")

    def _deliver(self, message):
        delay = self.backoff
        pending = [channel for channel in self.channels if channel.takes(message)]
        if not pending:
            message.history.append("gave up: no channel for it")
            log.warning("notify ticket %s: no channel takes it", message.ticket_id)
        while pending:
            message.tries += 1
            again = []
            for channel in pending:
                try:
                    channel.send(message)
                    message.sent_by.append(channel.name)
                except GiveUp as exc:
                    message.history.append(f"gave up: {exc}")
                    log.warning("notify ticket %s: %s gave up (%s)", message.ticket_id,
                                channel.name, exc)
                except Retry as exc:
                    message.history.append(f"retry: {exc}")
                    again.append(channel)
                    if message.tries >= self.attempts:
                        log.warning("notify ticket %s: %s gave up after %d tries (%s)",
                                    message.ticket_id, channel.name, message.tries, exc)
                except Exception as exc:  # noqa: BLE001 — a channel's bug must not end the worker
                    message.history.append(f"gave up: {exc!r}")
                    log.exception("notify ticket %s: %s failed", message.ticket_id, channel.name)
            if not again or message.tries >= self.attempts:
                break
            pending = again
            time.sleep(delay * random.uniform(0.8, 1.2))
            delay *= 2
        message.outcome = "sent" if message.sent_by else "gave_up"


def _soonest_counter(state, ticket, lines):
    """(place, counter number) where this waiting ticket comes soonest, among the counters
    open (or on a break); None while none is: before the counters open in the morning every
    citizen is "near", and a text naming a closed counter would be the only one they get.
    `lines`: counter_lines(state, at), built once for all the tickets looked at."""
    best = None
    for number in _counters_for(state, ticket.service, ticket.reserved_counter):
        if state.counters[number].state == CLOSED:
            continue
        place = lines[number].place(ticket)
        if place is not None and (best is None or place < best[0]):
            best = (place, number)
    return best


@dataclass(frozen=True)
class Contact:
    """How a citizen asked to be told: a phone number, a browser's push subscription, or
    both (each may be None)."""
    phone: str | None = None
    push: dict | None = None

    def masked_phone(self):
        """The number as the tracking page may show it to whoever holds the ticket's link:
        "09xx xxx 321"."""
        return f"{self.phone[:2]}xx xxx {self.phone[-3:]}" if self.phone else None


class TurnWatcher:
    """Runtime listener: queue the "turn nears" message of opted-in tickets (see above)."""

    def __init__(self, runtime, outbox, ahead=3):
        self.rt, self.outbox, self.ahead = runtime, outbox, ahead
        self.sent = set()  # this process's memory; the store's row is the rule
        self.phones = {}  # booking id -> phone (None: asked, no opt-in)
        self.opted = self._opt_ins()  # ticket id -> Contact, asked at the kiosk or the page

    @staticmethod
    def _contact(row):
        return Contact(row.phone, json.loads(row.push) if row.push else None)

    def _opt_ins(self):
        with self.rt.store.engine.connect() as conn:
            rows = conn.execute(sa.select(site_notify_optins).where(
                site_notify_optins.c.site_id == self.rt.site.id))
            return {row.ticket_id: self._contact(row) for row in rows}

    def opt_in(self, ticket_id, phone, at, push=None):
        """Keep a citizen's ask (the store, for a restart; memory, for the watch): a phone, a
        push subscription or both; what is given replaces its kind, the other kind stays."""
        where = (site_notify_optins.c.site_id == self.rt.site.id,
                 site_notify_optins.c.ticket_id == ticket_id)
        with self.rt.store.engine.begin() as conn:
            row = conn.execute(sa.select(site_notify_optins).where(*where)).first()
            before = self._contact(row) if row else Contact()
            contact = Contact(phone or before.phone, push or before.push)
            conn.execute(site_notify_optins.delete().where(*where))
            conn.execute(site_notify_optins.insert(), {
                "site_id": self.rt.site.id, "ticket_id": ticket_id, "phone": contact.phone,
                "push": json.dumps(contact.push) if contact.push else None, "at": at})
        self.opted[ticket_id] = contact
        self(None, self.rt.state)  # already near the front: told at once
        return contact

    def contact(self, ticket):
        """Contact for a ticket: its opt-in, with its booking's phone when none was given."""
        opted = self.opted.get(ticket.id, Contact())
        if opted.phone or not ticket.booking:
            return opted
        if ticket.booking not in self.phones:
            found = kept.by_id(self.rt.store, self.rt.site.id, ticket.booking)
            self.phones[ticket.booking] = found and found.get("notify_phone")
        return Contact(self.phones[ticket.booking], opted.push)

    def _claim(self, ticket_id, at):
        try:
            with self.rt.store.engine.begin() as conn:
                conn.execute(site_notices.insert(), {"site_id": self.rt.site.id,
                                                     "ticket_id": ticket_id, "kind": "turn",
                                                     "at": at})
            return True
        except IntegrityError:
            return False

    def record(self, message):
        with self.rt.store.engine.begin() as conn:
            conn.execute(site_notices.update().where(
                site_notices.c.site_id == self.rt.site.id,
                site_notices.c.ticket_id == message.ticket_id, site_notices.c.kind == "turn")
                .values(outcome=message.outcome))

    def __call__(self, events, state):
        if events and any(event["type"] == "day_closed" for event in events):
            # The day's phones are erased from the store (server/retention.py): from memory too.
            self.opted.clear()
            self.phones.clear()
        at = state.last_at
        lines = None  # the counters' lines, built only when a ticket is to be looked at
        for ticket in list(state.tickets.values()):
            if ticket.status != WAITING or ticket.id in self.sent or \
                    not (ticket.booking or ticket.id in self.opted):
                continue
            contact = self.contact(ticket)  # memory, after a booking's first look-up
            if not (contact.phone or contact.push):
                continue
            if lines is None:
                lines = counter_lines(state, at)
            found = _soonest_counter(state, ticket, lines)
            if found is None or found[0] > self.ahead:
                continue
            self.sent.add(ticket.id)
            if not self._claim(ticket.id, at):
                continue
            place, number = found
            cfg = state.site.counter(number)
            name = cfg.name if cfg else f"Quầy {number}"
            self.outbox.put(Message(
                contact.phone, turn_text(place, name), ticket.id, place, name,
                push=contact.push, number=ticket.label or "",
                url=f"/t/{ticket.token}" if ticket.token else "",
                text_en=turn_text_en(place, number)))


def web_push_contact(config):
    """The VAPID `sub` (QMS_NOTIFY_PUSH_SUB), or None when Web Push is off; a value push
    services would refuse stops the server at start rather than every message later."""
    sub = config.get("NOTIFY_PUSH_SUB")
    if not sub:
        return None
    if not re.match(r"^(mailto:[^@\s]+@[\w.-]+\.\w+|https://[\w.-]+\.\w+(/\S*)?)$", sub):
        raise ValueError(f"QMS_NOTIFY_PUSH_SUB must be mailto:… or https://…, not {sub!r}")
    return sub


def channels_from_config(config, vapid=None):
    out = []
    if config.get("NOTIFY_SMS_URL"):
        out.append(BrandnameSms(config["NOTIFY_SMS_URL"], config.get("NOTIFY_SMS_API_KEY", ""),
                                config.get("NOTIFY_SMS_SECRET", ""),
                                config.get("NOTIFY_SMS_BRANDNAME", "CONGAN")))
    if config.get("NOTIFY_ZALO_URL"):
        out.append(ZaloZns(config["NOTIFY_ZALO_URL"], config.get("NOTIFY_ZALO_TOKEN", ""),
                           config.get("NOTIFY_ZALO_TEMPLATE", "")))
    sub = web_push_contact(config)
    if sub and vapid is not None:
        out.append(WebPush(vapid, sub, push.extra_services(config),
                           ttl=int(config.get("NOTIFY_PUSH_TTL", 900))))
    return out


def install(app, runtime):
    """Watch the queue and send, when the server is configured with a channel."""
    vapid = push.SiteVapid(runtime.store, runtime.site.id) \
        if web_push_contact(app.config) else None
    channels = channels_from_config(app.config, vapid)
    if not channels:
        return None
    watcher = TurnWatcher(runtime, None, ahead=int(app.config.get("NOTIFY_AHEAD", 3)))
    outbox = Outbox(channels, attempts=int(app.config.get("NOTIFY_ATTEMPTS", 4)),
                    backoff=float(app.config.get("NOTIFY_BACKOFF", 2.0)), on_done=watcher.record)
    watcher.outbox = outbox
    runtime.subscribe(watcher)
    app.extensions["qms.notify"] = outbox
    app.extensions["qms.notify.watcher"] = watcher
    app.extensions["qms.push"] = vapid
    # A phone number can be texted (not only a browser's push): the kiosk offers to type one.
    runtime.state.texting = offered(app)["phone"]
    return outbox


def offered(app):
    """What the site can tell a citizen by: {"phone": bool, "push": bool}."""
    outbox = app.extensions.get("qms.notify")
    names = {channel.name for channel in outbox.channels} if outbox else set()
    return {"phone": bool(names & {"sms", "zalo"}), "push": "push" in names}
