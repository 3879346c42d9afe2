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
    (VAPID, aes128gcm) — optional: without pywebpush installed it is not offered.
- `Outbox`: a bounded queue and a worker thread (green under eventlet, so a slow provider
  never holds the event loop; the queue never blocks the caller: when it is full the message
  is dropped and logged). Each message is tried up to `attempts` times with backoff doubling
  from `backoff` seconds (jittered), then given up cleanly (logged, recorded).
- `TurnWatcher`: a runtime listener. After every change it looks at the waiting tickets whose
  citizen asked to be told (a booking with `notify_phone`, or an opt-in at the kiosk or on the
  tracking page: `POST /api/tickets/<token>/notify {"phone"}`, any ticket); when a ticket's place in line
  reaches `ahead` (or less), one message is queued, naming the counter where it comes soonest.
  One message per ticket, also with several server processes: the process that inserts the
  `site_notices` row sends it.

Configured by the server's environment (docs/appointments.md): QMS_NOTIFY_SMS_URL,
QMS_NOTIFY_SMS_API_KEY, QMS_NOTIFY_SMS_SECRET, QMS_NOTIFY_SMS_BRANDNAME; QMS_NOTIFY_ZALO_URL,
QMS_NOTIFY_ZALO_TOKEN, QMS_NOTIFY_ZALO_TEMPLATE; QMS_NOTIFY_AHEAD (default 3).
"""
import logging
import queue
import random
import threading
import time
from dataclasses import dataclass, field

import requests
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from ..engine.lifecycle import WAITING
from ..engine.queue import _counters_for, counter_lines
from ..store.sql import site_notices, site_notify_optins
from . import kept

log = logging.getLogger("qms.notify")


class Retry(Exception):
    pass


class GiveUp(Exception):
    pass


@dataclass
class Message:
    phone: str
    text: str
    ticket_id: int
    ahead: int
    counter: str
    tries: int = 0
    outcome: str | None = None
    history: list = field(default_factory=list)


def turn_text(ahead, counter_name):
    if ahead <= 0:
        return f"Sắp đến lượt bạn tại {counter_name}. Mời chuẩn bị giấy tờ."
    return f"Còn {ahead} người nữa đến lượt bạn tại {counter_name}"


def _international(phone):
    return "84" + phone[1:] if phone.startswith("0") else phone


def _post(url, timeout, **kw):
    try:
        answer = requests.post(url, timeout=timeout, **kw)
    except requests.RequestException as exc:
        raise Retry(f"unreachable: {exc}") from None
    if answer.status_code >= 500 or answer.status_code == 429:
        raise Retry(f"HTTP {answer.status_code}")
    if answer.status_code >= 400:
        raise GiveUp(f"HTTP {answer.status_code}: {answer.text[:200]}")
    try:
        return answer.json()
    except ValueError:
        raise Retry("not JSON") from None


class BrandnameSms:
    name = "sms"

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


class Outbox:
    """Queue of messages sent by one worker thread over the channels in order (the first that
    takes a message sends it)."""

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
        while True:
            message.tries += 1
            try:
                for channel in self.channels:
                    channel.send(message)
                message.outcome = "sent"
                return
            except GiveUp as exc:
                message.history.append(f"gave up: {exc}")
                message.outcome = "gave_up"
                log.warning("notify ticket %s: gave up (%s)", message.ticket_id, exc)
                return
            except Retry as exc:
                message.history.append(f"retry: {exc}")
                if message.tries >= self.attempts:
                    message.outcome = "gave_up"
                    log.warning("notify ticket %s: gave up after %d tries (%s)",
                                message.ticket_id, message.tries, exc)
                    return
            time.sleep(delay * random.uniform(0.8, 1.2))
            delay *= 2


def _soonest_counter(state, ticket, at):
    """(place, counter number) where this waiting ticket comes soonest."""
    lines = counter_lines(state, at)
    best = None
    for number in _counters_for(state, ticket.service, ticket.reserved_counter):
        place = lines[number].place(ticket)
        if place is not None and (best is None or place < best[0]):
            best = (place, number)
    return best


class TurnWatcher:
    """Runtime listener: queue the "turn nears" message of opted-in tickets (see above)."""

    def __init__(self, runtime, outbox, ahead=3):
        self.rt, self.outbox, self.ahead = runtime, outbox, ahead
        self.sent = set()  # this process's memory; the store's row is the rule
        self.phones = {}  # booking id -> phone (None: asked, no opt-in)
        self.opted = self._opt_ins()  # ticket id -> phone, asked for at the kiosk or the page

    def _opt_ins(self):
        with self.rt.store.engine.connect() as conn:
            rows = conn.execute(sa.select(site_notify_optins.c.ticket_id,
                                          site_notify_optins.c.phone).where(
                site_notify_optins.c.site_id == self.rt.site.id))
            return {ticket_id: phone for ticket_id, phone in rows}

    def opt_in(self, ticket_id, phone, at):
        """Keep a citizen's ask (the store, for a restart; memory, for the watch)."""
        with self.rt.store.engine.begin() as conn:
            conn.execute(site_notify_optins.delete().where(
                site_notify_optins.c.site_id == self.rt.site.id,
                site_notify_optins.c.ticket_id == ticket_id))
            conn.execute(site_notify_optins.insert(), {"site_id": self.rt.site.id,
                                                       "ticket_id": ticket_id, "phone": phone,
                                                       "at": at})
        self.opted[ticket_id] = phone
        self(None, self.rt.state)  # already near the front: told at once

    def _phone(self, ticket):
        if ticket.id in self.opted:
            return self.opted[ticket.id]
        if not ticket.booking:
            return None
        if ticket.booking not in self.phones:
            found = kept.by_id(self.rt.store, self.rt.site.id, ticket.booking)
            self.phones[ticket.booking] = found and found.get("notify_phone")
        return self.phones[ticket.booking]

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
        for ticket in list(state.tickets.values()):
            if ticket.status != WAITING or ticket.id in self.sent or \
                    not (ticket.booking or ticket.id in self.opted):
                continue
            found = _soonest_counter(state, ticket, at)
            if found is None or found[0] > self.ahead:
                continue
            phone = self._phone(ticket)
            if not phone:
                continue
            self.sent.add(ticket.id)
            if not self._claim(ticket.id, at):
                continue
            cfg = state.site.counter(found[1])
            name = cfg.name if cfg else f"Quầy {found[1]}"
            self.outbox.put(Message(phone, turn_text(found[0], name), ticket.id, found[0], name))


def channels_from_config(config):
    out = []
    if config.get("NOTIFY_SMS_URL"):
        out.append(BrandnameSms(config["NOTIFY_SMS_URL"], config.get("NOTIFY_SMS_API_KEY", ""),
                                config.get("NOTIFY_SMS_SECRET", ""),
                                config.get("NOTIFY_SMS_BRANDNAME", "CONGAN")))
    if config.get("NOTIFY_ZALO_URL"):
        out.append(ZaloZns(config["NOTIFY_ZALO_URL"], config.get("NOTIFY_ZALO_TOKEN", ""),
                           config.get("NOTIFY_ZALO_TEMPLATE", "")))
    return out


def install(app, runtime):
    """Watch the queue and send, when the server is configured with a channel."""
    channels = channels_from_config(app.config)
    if not channels:
        return None
    watcher = TurnWatcher(runtime, None, ahead=int(app.config.get("NOTIFY_AHEAD", 3)))
    outbox = Outbox(channels, attempts=int(app.config.get("NOTIFY_ATTEMPTS", 4)),
                    backoff=float(app.config.get("NOTIFY_BACKOFF", 2.0)), on_done=watcher.record)
    watcher.outbox = outbox
    runtime.subscribe(watcher)
    app.extensions["qms.notify"] = outbox
    app.extensions["qms.notify.watcher"] = watcher
    return outbox


