"""Ratings over Socket.IO: completions pushed to the counter's rating tablet, and the live tally
pushed to the site chief's page."""
from flask import session
from flask_socketio import emit, join_room

from .. import auth
from . import prompt, tablet_counter, tally

CHIEF_ROOM = "ratings:chief"


class RatingLive:
    def __init__(self, runtime, socketio):
        self.runtime, self.socketio = runtime, socketio

    def officer_name(self, username):
        officer = self.runtime.store.officer(self.runtime.site.id, username) if username else None
        return officer["display_name"] if officer else ""

    def names(self):
        return {o["username"]: o["display_name"] for o in self.runtime.store.all_officers(
            self.runtime.site.id)}

    def on_change(self, events, state):
        rated = False
        for event in events:
            if event["type"] == "ticket_completed":
                ticket = state.tickets.get(event["ticket_id"])
                if ticket is not None and ticket.done_counter is not None:
                    self.socketio.emit("rate_prompt",
                                       prompt(state, ticket, self.officer_name(ticket.done_officer)),
                                       to=f"rating:{ticket.done_counter}")
            elif event["type"] == "ticket_rated":
                rated = True
                self.socketio.emit("rated", {"ticket_id": event["ticket_id"]},
                                   to=f"rating:{event['counter']}")
        if rated or any(e["type"] == "day_opened" for e in events):
            self.socketio.emit("ratings_tally", tally(state, self.names()), to=CHIEF_ROOM)

    def connect(self, device):
        """A rating tablet's connection (True), or not a tablet's device (False)."""
        counter = tablet_counter(device)
        if counter is None:
            return False
        session["rating_counter"] = counter
        join_room(f"rating:{counter}")
        return True

    def register(self, socketio):
        @socketio.on("ratings_tally")
        def join_tally(data=None):
            live = auth.session_is_live(self.runtime.store, self.runtime.site.id)
            if not live or session.get("role") not in auth.ALLOWED["chief"]:
                return {"ok": False, "error": {
                    "code": "chief_only", "message": "Chỉ trưởng điểm hoặc quản trị viên được xem.",
                    "message_en": "Only the site chief or an administrator may see this."}}
            join_room(CHIEF_ROOM)
            emit("ratings_tally", tally(self.runtime.state, self.names()))
            return {"ok": True}
