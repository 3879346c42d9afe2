"""Officer actions, one table for both doors: the HTTP API and Socket.IO events.

Each action turns a checked payload into an engine command; `perform` runs it through the
site runtime and answers with the ticket or counter it touched.
"""
from .engine import commands as c
from .views import counter_panel, ticket_view

COUNTER = dict(low=1, high=999)
TICKET = dict(low=1, high=2**31 - 1)


def _transfer(p, at):
    return c.Transfer(ticket_id=p.int("ticket_id", **TICKET), at=at,
                      to_service=p.str("to_service", required=False, max_length=32),
                      to_counter=p.int("to_counter", required=False, **COUNTER))


OFFICER_ACTIONS = {
    "open_counter": lambda p, at, who: c.OpenCounter(p.int("counter", **COUNTER), at, who),
    "close_counter": lambda p, at, who: c.CloseCounter(p.int("counter", **COUNTER), at),
    "pause_counter": lambda p, at, who: c.PauseCounter(p.int("counter", **COUNTER), at),
    "resume_counter": lambda p, at, who: c.ResumeCounter(p.int("counter", **COUNTER), at),
    "call_next": lambda p, at, who: c.CallNext(p.int("counter", **COUNTER), at),
    "call_ticket": lambda p, at, who: c.CallTicket(p.int("counter", **COUNTER),
                                                   p.int("ticket_id", **TICKET), at),
    "recall": lambda p, at, who: c.Recall(p.int("ticket_id", **TICKET), at),
    "start": lambda p, at, who: c.StartServing(p.int("ticket_id", **TICKET), at),
    "no_show": lambda p, at, who: c.NoShow(p.int("ticket_id", **TICKET), at),
    "transfer": lambda p, at, who: _transfer(p, at),
    "complete": lambda p, at, who: c.Complete(p.int("ticket_id", **TICKET),
                                              p.str("outcome", max_length=32), at,
                                              p.str("note", required=False, max_length=500) or ""),
    "cancel": lambda p, at, who: c.Cancel(p.int("ticket_id", **TICKET), at,
                                          p.str("reason", required=False, max_length=200) or ""),
    "reprint": lambda p, at, who: c.RequestPrint(p.int("ticket_id", **TICKET), at),
    "open_day": lambda p, at, who: c.OpenDay(p.str("day", required=False, max_length=10) or None,
                                             at, bool(p.bool("confirm", required=False))),
    "close_day": lambda p, at, who: c.CloseDay(at),
}


def perform(runtime, name, payload, officer, base_url=""):
    """Run officer action `name`; returns the answer dict or raises Refused."""
    at = runtime.now()
    events = runtime.execute(OFFICER_ACTIONS[name](payload, at, officer))
    return describe(runtime.state, events, base_url, at)


def describe(state, events, base_url="", at=None):
    # The change's own seq: other changes may have been made while its commit was synced
    # (SiteRuntime.execute), and every view from this seq on includes it.
    answer = {"ok": True, "seq": events[-1]["seq"] if events else state.seq,
              "events": [e["type"] for e in events]}
    for event in reversed(events):
        ticket_id = event.get("new_ticket_id") or event.get("ticket_id")
        if ticket_id and ticket_id in state.tickets:
            answer["ticket"] = ticket_view(state, state.tickets[ticket_id], base_url, at=at)
            break
    for event in events:
        if "counter" in event and event["counter"] in state.counters:
            answer["counter"] = counter_panel(state, event["counter"], at=at)
            break
    summary = next((e["summary"] for e in events if e["type"] == "day_closed"), None)
    if summary:
        answer["summary"] = summary
    return answer
