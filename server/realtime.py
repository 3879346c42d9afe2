"""The Socket.IO layer: rooms per audience, a `state` push after every change, officer
actions with acknowledgements, and the kiosk print agents' channel.

Rooms: `display` (or `display:<filter>` for a display limited to some services/counters),
`counter:<n>` (officers only), `kiosk` / `kiosk:<id>` (kiosk pages; with an id, the
view carries that kiosk's printer health), `agent:<kiosk>` (print agents), `ticket:<id>`
(a citizen's tracking page, joined with the ticket's public reference).
Every push carries the site's event sequence number `seq`; it only rises, so a client that
sees a gap, or reconnects, asks for a fresh snapshot with the `snapshot` event.
A display that joins with `"deltas": true` (the wall display page) sits in `display:patch`
(or `display:patch:<filter>`): after its snapshot it gets each change as a patch of the view
before (server/view_patch.py), which names that view's seq as its `base`.

Several processes for one site: each process pushes every change to its own clients only.
It learns of the other processes' changes from the store (server/store_watch.py), so a
display's filter, a kiosk's printer health and an agent's print jobs work wherever the
client is connected, and a change is pushed once, not once per process through the message
queue (which still carries everything else, e.g. an emit to a client of another process).
"""
from flask import current_app, request, session
from flask_socketio import SocketIO, emit, join_room

from . import actions, auth, clock, json_limits
from .agent_presence import AgentPresence
from .engine import Refused, require_counter
from .engine.commands import ClaimPrint, ReportPrint, ReportPrinter
from .payload import Payload, bad_input
from .store import StoreUnavailable
from .tracking import ticket_by_ref, tracking_view, unknown_ticket
from .view_patch import view_patch
from .views import (combine, counter_view, kiosk_view, print_job, public_calls, public_view,
                    public_waits)

PRINT_EVENTS = ("ticket_issued", "print_requested")
MAX_KIOSKS = 64
MAX_DISPLAY_FILTERS = 64
# A timer after the writers' own (due now): the pushes leave before the caller resumes.
PUSH_YIELD_SECONDS = 0.0001
PATCH_ROOM = "display:patch"  # displays that take patches; filtered ones: display:patch:<filter>


def _refusal(exc):
    return {"ok": False, "error": exc.as_dict()}


class Broadcaster:
    """Turns each change into one view per room and pushes it."""

    def __init__(self, app, socketio):
        self.socketio = socketio
        self.display_filters = {"display": (None, None)}
        self.last_views = {}  # patch room -> the view its members hold (the next patch's base)
        self.pushed = False
        self.calls = (None, None)  # (seq, the calls part per filter) pushed by on_calls
        self.kiosks = set()  # kiosk ids whose pages joined: each gets its printer's health
        self.base_url = app.config.get("PUBLIC_BASE_URL") or ""
        # Under eventlet/gevent an emit only queues the packet; each socket's writer sends it
        # when the loop next runs. Yielding once after the emits (a timer just after theirs)
        # lets every writer send before the caller goes on to build and write its answer.
        self.push_first = bool(app.config.get("PUSH_BEFORE_ANSWER")) and \
            app.config.get("ASYNC_MODE") in ("eventlet", "gevent")

    def display_room(self, services, counters, deltas=False):
        prefix = PATCH_ROOM if deltas else "display"
        if services is None and counters is None:
            if deltas:
                self.display_filters[prefix] = (None, None)
            return prefix
        key = prefix + ":" + ",".join(sorted(services or [])) + ";" + ",".join(
            str(n) for n in sorted(counters or []))
        if key not in self.display_filters and len(self.display_filters) >= MAX_DISPLAY_FILTERS:
            self.prune()
        if key not in self.display_filters and len(self.display_filters) >= MAX_DISPLAY_FILTERS:
            raise bad_input("Quá nhiều kiểu màn hình.", "Too many display filters.",
                            "too_many_filters")
        self.display_filters[key] = (services, counters)
        return key

    def prune(self):
        """Forget kiosk ids and display filters no connection of this process uses any more:
        junk joins from sockets long gone cannot fill the tables (issue 9)."""
        for key in [k for k in self.display_filters if k != "display" and not self.occupied(k)]:
            del self.display_filters[key]
            self.last_views.pop(key, None)
        self.kiosks = {k for k in self.kiosks if self.occupied(f"kiosk:{k}")}

    def occupied(self, room):
        """Whether a push to `room` reaches any client of this process."""
        return bool(self.socketio.server.manager.rooms.get("/", {}).get(room))

    def rooms_with_prefix(self, prefix):
        rooms = self.socketio.server.manager.rooms.get("/", {})
        return [room for room, members in list(rooms.items())
                if isinstance(room, str) and room.startswith(prefix) and members]

    def push(self, event, data, room):
        # ignore_queue: to this process's clients only; the others push from the store.
        self.socketio.emit(event, data, to=room, ignore_queue=True)
        self.pushed = True

    def patch_for(self, room, view):
        """What a patch room is sent: the change since the view its members hold, or the whole
        view when there is none to patch (the first push since the room filled)."""
        before = self.last_views.get(room)
        self.last_views[room] = view
        if before is None or before["seq"] > view["seq"]:
            return view
        # (base == seq: the rest of a change whose call went first, see push_calls)
        return {"seq": view["seq"], "base": before["seq"], "patch": view_patch(before, view)}

    def snapshot_for(self, room):
        """The view a patch room's members hold, for a display joining it: the next patch is
        made against exactly this view (same clock reading), so patches keep the joiner's
        screen equal to everyone else's."""
        return self.last_views.get(room)

    def on_calls(self, events, state):
        """A runtime listener before the commit's sync to disk: the calls go out during it."""
        self.calls = (state.seq, self.push_calls(state))
        self.let_pushes_leave()

    def on_change(self, events, state):
        """A runtime listener once the change is on disk: everything else."""
        seq, calls = self.calls
        # Another change may have been pushed in between (a worker thread syncs the disk
        # while the loop goes on): its calls are not this state's.
        self.push_change(events, state, calls if seq == state.seq else None)
        self.let_pushes_leave()

    def let_pushes_leave(self):
        if self.push_first and self.pushed:
            self.socketio.sleep(PUSH_YIELD_SECONDS)
        self.pushed = False

    @staticmethod
    def filter_key(room):
        """The filter part of a display room's name, shared by its full and its patch room."""
        if room in ("display", PATCH_ROOM):
            return ""
        return room.split(":", 2)[-1] if room.startswith(PATCH_ROOM + ":") else room[len("display:"):]

    def push_calls(self, state):
        """The call first. The wait estimator is most of what a change costs the server (it
        re-plans every waiting ticket); the calls and counters do not need it. So a patch room
        first gets what changed there, as a patch of the same seq's kind, and the waits follow
        in push_change as a patch with base == seq. Returns the calls part per filter, for
        push_change to reuse."""
        calls = {}
        for room, (services, counters) in list(self.display_filters.items()):
            if not room.startswith(PATCH_ROOM) or not self.occupied(room):
                continue
            before = self.last_views.get(room)
            if before is None or before["seq"] >= state.seq:
                continue
            key = self.filter_key(room)
            if key not in calls:
                calls[key] = public_calls(state, services, counters)
            interim = dict(before, **calls[key])  # new calls, the waits of the view before
            patch = view_patch(before, interim)
            if patch:  # a change that moved no call (a ticket taken) waits for its waits
                self.last_views[room] = interim
                self.push("state", {"seq": state.seq, "base": before["seq"], "patch": patch},
                          room)
        return calls

    def push_change(self, events, state, calls=None):
        calls = calls or {}
        # One public view per change, shared by every room; views only for rooms with members.
        public = combine(calls[""], public_waits(state)) if "" in calls else public_view(state)
        filtered = {}  # one view per filter, shared by its full and its patch room
        for room, (services, counters) in list(self.display_filters.items()):
            if not self.occupied(room):
                self.last_views.pop(room, None)  # whoever joins next gets a snapshot first
                continue
            if services is None and counters is None:
                view = public
            else:
                key = self.filter_key(room)
                if key not in filtered:
                    filtered[key] = combine(calls[key], public_waits(state, services)) \
                        if key in calls else public_view(state, services, counters)
                view = filtered[key]
            push = self.patch_for(room, view) if room.startswith(PATCH_ROOM) else view
            if push.get("base") == push["seq"] and not push["patch"]:
                continue  # the rest of a change whose call went first, and nothing in it
            self.push("state", push, room)
        if self.occupied("kiosk"):
            self.push("state", public, "kiosk")
        for kiosk in list(self.kiosks):
            if self.occupied(f"kiosk:{kiosk}"):
                self.push("state", kiosk_view(state, kiosk, public), f"kiosk:{kiosk}")
        for number in state.counters:
            if self.occupied(f"counter:{number}"):
                self.push("state", counter_view(state, number, public), f"counter:{number}")
        # Tracking pages: every change may move a waiting ticket's place, so each followed
        # ticket gets its fresh view (one room per ticket; only rooms with members).
        for room in self.rooms_with_prefix("ticket:"):
            ticket = state.tickets.get(int(room[len("ticket:"):]))
            if ticket is not None:
                self.push("state", {"seq": state.seq, "ticket": tracking_view(
                    state, ticket, self.base_url)}, room)
        for event in events:
            if event["type"] in PRINT_EVENTS and event.get("kiosk"):
                ticket = state.tickets.get(event["ticket_id"])
                # An agent taken for offline gets its jobs when it is back (AgentOnline decides
                # which are still worth printing), not from a buffer it reads minutes later.
                if ticket is not None and ticket.print_job > ticket.printed_job and \
                        state.agent_online(event["kiosk"]):
                    self.push("print_job", print_job(state, ticket, self.base_url),
                              f"agent:{event['kiosk']}")


class OfficerSockets:
    """Which sockets belong to which officer session, so ending a session (logout, role or
    password change, disabled officer) also cuts that officer's open sockets. Sessions ended by
    another process (the `qms` command, a second server) are found by a sweep every
    SWEEP_SECONDS; until then every action on such a socket is refused anyway."""

    SWEEP_SECONDS = 10

    def __init__(self, socketio, runtime):
        self.socketio = socketio
        self.runtime = runtime
        self.by_session = {}  # session id hash -> socket ids
        self.sweeper = None

    def remember(self, sid, session_id):
        self.by_session.setdefault(auth.token_hash(session_id), set()).add(sid)
        if self.sweeper is None:
            self.sweeper = self.socketio.start_background_task(self._sweep)

    def forget(self, sid):
        for hashed, sids in list(self.by_session.items()):
            sids.discard(sid)
            if not sids:
                del self.by_session[hashed]

    def disconnect_sessions(self, hashes):
        for hashed in hashes:
            for sid in list(self.by_session.pop(hashed, ())):
                self.socketio.server.disconnect(sid, namespace="/")

    def _sweep(self):
        while True:
            self.socketio.sleep(self.SWEEP_SECONDS)
            ended = []
            for hashed in list(self.by_session):
                try:
                    row = self.runtime.store.session(self.runtime.site.id, hashed)
                except StoreUnavailable:
                    break
                if row is None or row["revoked_at"] is not None or \
                        row["expires_at"] <= clock.now():
                    ended.append(hashed)
            self.disconnect_sessions(ended)


def init_realtime(app, runtime):
    """Make the app's Socket.IO server (one per app, so tests can run several) and its handlers."""
    socketio = SocketIO(app, async_mode=app.config["ASYNC_MODE"],
                        message_queue=app.config["MESSAGE_QUEUE"],
                        channel=app.config["SOCKETIO_CHANNEL"],
                        max_http_buffer_size=app.config["MAX_CONTENT_LENGTH"],
                        json=json_limits)
    broadcaster = Broadcaster(app, socketio)
    runtime.subscribe(broadcaster.on_calls, before_sync=True)
    runtime.subscribe(broadcaster.on_change)
    from .ratings.live import RatingLive
    rating_live = RatingLive(runtime, socketio)
    runtime.subscribe(rating_live.on_change)
    rating_live.register(socketio)
    presence = AgentPresence(runtime, socketio, timeout=float(app.config["AGENT_TIMEOUT"]),
                             resend_seconds=60 * float(app.config["PRINT_RESEND_MINUTES"]),
                             base_url=broadcaster.base_url)

    def rt():
        return runtime

    officer_sockets = OfficerSockets(socketio, runtime)
    auth.on_revoke(officer_sockets.disconnect_sessions)

    def signed_in():
        """The officer of this socket, if their session is still open in the store."""
        return session.get("officer") if auth.session_is_live(runtime.store, runtime.site.id) \
            else None

    @socketio.on("connect")
    def connect(auth_data=None):
        if session.get("sid") and signed_in():
            officer_sockets.remember(request.sid, session["sid"])
        # A print agent (or a rating tablet) proves itself with its device token when it connects.
        if isinstance(auth_data, dict) and "device_token" in auth_data:
            kiosk = auth.kiosk_for_token(runtime.store, runtime.site.id,
                                          auth_data.get("device_token"))
            if kiosk is None:
                return False
            if rating_live.connect(kiosk):  # a citizen's rating tablet, not a print agent
                return True
            session["agent_kiosk"] = kiosk
            join_room(f"agent:{kiosk}")
            rt().refresh()
            for job in presence.connected(kiosk, request.sid):
                emit("print_job", job)
        return True

    @socketio.on("disconnect")
    def disconnect(*_):
        officer_sockets.forget(request.sid)
        if session.get("agent_kiosk"):
            presence.disconnected(request.sid)

    # data=None everywhere: an event sent with no payload is refused with a reason
    # (missing field), not a TypeError answered as server_error (found by tests/fuzz).
    @socketio.on("join")
    def join(data=None):
        try:
            p = Payload(data)
            role = p.str("role", max_length=16)
            rt().refresh()  # a joining screen gets the store's latest version, not ours
            state = rt().state
            if role == "display":
                services = p.data.get("services")
                counters = p.data.get("counters")
                services = _list_of(services, str, "services")
                counters = _list_of(counters, int, "counters")
                _known(services, {s.code for s in rt().site.services}, "services")
                _known(counters, {c.number for c in rt().site.counters}, "counters")
                deltas = bool(p.bool("deltas", required=False))
                room = broadcaster.display_room(services, counters, deltas)
                _leave_others("display", room)  # one display view per connection
                join_room(room)
                view = broadcaster.snapshot_for(room) if deltas else None
                if deltas and (view is None or view["seq"] != state.seq):
                    view = public_view(state, services, counters)
                elif view is None:
                    view = public_view(state, services, counters, at=rt().now())
            elif role == "kiosk":
                kiosk = p.str("kiosk", required=False, max_length=32)
                if kiosk:
                    # Each kiosk id costs a view per change: bound them against junk joins
                    # (one per connection, freed when no connection uses it).
                    if kiosk not in broadcaster.kiosks and len(broadcaster.kiosks) >= MAX_KIOSKS:
                        broadcaster.prune()
                    if kiosk not in broadcaster.kiosks and len(broadcaster.kiosks) >= MAX_KIOSKS:
                        raise bad_input("Quá nhiều kiosk.", "Too many kiosk ids.", "too_many_kiosks")
                    broadcaster.kiosks.add(kiosk)
                _leave_others("kiosk", f"kiosk:{kiosk}" if kiosk else "kiosk")
                join_room(f"kiosk:{kiosk}" if kiosk else "kiosk")
                view = kiosk_view(state, kiosk, at=rt().now())
            elif role == "counter":
                if not signed_in():
                    raise auth.not_signed_in()
                number = p.int("counter", low=1, high=999)
                require_counter(state, number)
                join_room(f"counter:{number}")
                view = counter_view(state, number, at=rt().now())
            elif role == "ticket":
                found = ticket_by_ref(state, p.str("ticket", max_length=64))
                if found is None:
                    raise unknown_ticket()
                join_room(f"ticket:{found.id}")
                view = {"seq": state.seq, "ticket": tracking_view(state, found, broadcaster.base_url,
                                                                    at=rt().now())}
            else:
                raise bad_input("Vai trò không hợp lệ (display, counter, kiosk, ticket).",
                                "role must be display, counter, kiosk or ticket.")
        except Refused as exc:
            return _refusal(exc)
        emit("state", view)
        return {"ok": True, "seq": view["seq"]}

    @socketio.on("snapshot")
    def snapshot(data=None):
        """A client that saw a gap in `seq` asks again; answered like a join."""
        return join(data)

    @socketio.on("act")
    def act(data=None):
        """An officer action: {"action": "call_next", "counter": 3, ...} -> ack with result."""
        officer = signed_in()
        try:
            p = Payload(data)
            name = p.str("action", max_length=32)
            if name not in actions.OFFICER_ACTIONS:
                raise bad_input(f"Không có thao tác «{name}».", f"Unknown action {name!r}.",
                                "unknown_action", 404)
            if not officer:
                raise auth.not_signed_in()
            return actions.perform(rt(), name, p, officer, broadcaster.base_url)
        except Refused as exc:
            return _refusal(exc)

    def agent_event(handler):
        """A print agent's report: only a connection that showed a device token may send it;
        the handler gets the agent's kiosk and the checked payload, and its refusals come back
        in the acknowledgement."""
        def checked(data=None):
            kiosk = session.get("agent_kiosk")
            try:
                if kiosk is None:
                    raise Refused("not_an_agent", "Chỉ máy in kiosk được gửi báo cáo này.",
                                  "Only a kiosk print agent may send this.", 403)
                for job in presence.heard_from(kiosk, request.sid):
                    emit("print_job", job)
                handler(kiosk, Payload(data))
            except Refused as exc:
                return _refusal(exc)
            return {"ok": True}
        return checked

    def print_result(kiosk, p):
        rt().execute(ReportPrint(p.int("ticket_id", low=1, high=2**31 - 1),
                                 p.int("job", low=1, high=10**6), p.bool("printed"),
                                 rt().now(), p.str("reason", required=False, max_length=200) or "",
                                 kiosk=kiosk))

    def print_claim(kiosk, p):
        events = rt().execute(ClaimPrint(kiosk, p.int("ticket_id", low=1, high=2**31 - 1),
                                         p.int("job", low=1, high=10**6), rt().now(),
                                         presence.resend_seconds))
        skipped = [e for e in events if e["type"] == "print_skipped"]
        if skipped:
            raise Refused("print_not_wanted", "Không in phiếu này nữa.", skipped[0]["reason"], 409)

    def printer_status(kiosk, p):
        rt().execute(ReportPrinter(kiosk, p.str("status", max_length=16),
                                   p.str("message", required=False, max_length=200) or "",
                                   rt().now()))

    def heartbeat(kiosk, p):
        """Nothing to do but be heard (agent_event did that): see agent_presence."""

    socketio.on_event("heartbeat", agent_event(heartbeat))
    socketio.on_event("print_claim", agent_event(print_claim))
    socketio.on_event("print_result", agent_event(print_result))
    socketio.on_event("printer_status", agent_event(printer_status))

    @socketio.on_error_default
    def on_error(exc):
        # An unwritable store is refused over Socket.IO as over HTTP (503 there): the officer
        # reads "cannot save, try again", not a generic server error (tests/faults).
        if isinstance(exc, StoreUnavailable):
            current_app.logger.error("store unavailable: %s", exc)
            return {"ok": False, "error": {
                "code": "store_unavailable",
                "message": "Hệ thống tạm thời không ghi được dữ liệu. Vui lòng thử lại.",
                "message_en": "The store cannot be written right now; try again."}}
        current_app.logger.exception("socket handler failed")
        return {"ok": False, "error": {"code": "server_error", "message": "Lỗi máy chủ.",
                                        "message_en": "Server error."}}

    return socketio



def _leave_others(kind, keep):
    """A connection watches one display view and one kiosk at a time: joining another leaves
    the one before, so one socket cannot hold many table entries."""
    from flask_socketio import leave_room, rooms
    for room in rooms():
        if room != keep and (room == kind or room.startswith(kind + ":")):
            leave_room(room)


def _list_of(value, kind, name):
    if value is None:
        return None
    if not isinstance(value, list) or len(value) > 100 or not all(
            isinstance(v, kind) and not isinstance(v, bool) for v in value):
        raise bad_input(f"«{name}» phải là danh sách.", f"{name!r} must be a list of {kind.__name__}.")
    return set(value)


def _known(chosen, known, name):
    """A display filter names only what the site has: each filter costs a view per change."""
    if chosen is not None and not chosen <= known:
        unknown = ", ".join(sorted(map(str, chosen - known)))
        raise bad_input(f"«{name}» có giá trị không tồn tại: {unknown}.",
                        f"Unknown {name}: {unknown}.", "unknown_filter")
