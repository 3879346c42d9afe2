"""The life of a counter: its states, every allowed move, and what each needs.

Like the ticket's table (lifecycle.py), this table decides both whether a counter action is
allowed and which state it leads to; decide.py refuses what is not in it, state.py sets the
state from it, and the counter view lists the actions it allows so the tablet does not work
them out again.

    closed --open--> open --pause--> paused --resume--> open
    open/paused --close--> closed
    open --call_next / call_ticket--> open (with a citizen at the counter)

A counter with a citizen called or served at it cannot pause, close or call another: the
citizen would be left at a counter that no longer serves them.
"""
from .lifecycle import Refused

CLOSED, OPEN, PAUSED = "closed", "open", "paused"

# (state, action) -> state after
COUNTER_MOVES = {
    (CLOSED, "open_counter"): OPEN,
    (OPEN, "pause_counter"): PAUSED,
    (PAUSED, "resume_counter"): OPEN,
    (OPEN, "close_counter"): CLOSED,
    (PAUSED, "close_counter"): CLOSED,
    (OPEN, "call_next"): OPEN,
    (OPEN, "call_ticket"): OPEN,
}

# Actions refused while a citizen is called or served at the counter.
NEEDS_NO_CITIZEN = frozenset({"pause_counter", "close_counter", "call_next", "call_ticket"})

STATE_VI = {CLOSED: "đang đóng", OPEN: "đang mở", PAUSED: "đang tạm dừng"}

_REFUSALS = {
    # action: (code, Vietnamese, English) for a move from a state not in the table
    "open_counter": ("counter_already_open", "Quầy {n} đã mở.", "Counter {n} is already open."),
    "resume_counter": ("counter_not_paused", "Quầy {n} không tạm dừng.",
                       "Counter {n} is not paused."),
}


def counter_move(counter, action, current_label=None):
    """The state `action` leads counter `counter` to, or Refused. `current_label`: the label
    of the citizen called or served there, if any."""
    after = COUNTER_MOVES.get((counter.state, action))
    if after is None:
        code, vi, en = _REFUSALS.get(action, (
            "counter_not_open", "Quầy {n} {state}.", "Counter {n} is {state_en}."))
        raise Refused(code, vi.format(n=counter.number, state=STATE_VI[counter.state]),
                      en.format(n=counter.number, state_en=counter.state))
    if action in NEEDS_NO_CITIZEN and counter.current is not None:
        raise Refused("counter_busy",
                      f"Quầy {counter.number} đang phục vụ số {current_label}; hãy hoàn tất, "
                      "chuyển hoặc báo vắng trước.",
                      f"Counter {counter.number} still has ticket {current_label}.")
    return after


def allowed_counter_actions(counter):
    """The counter actions the table allows now, in table order."""
    return [action for (state, action) in COUNTER_MOVES
            if state == counter.state and not (
                action in NEEDS_NO_CITIZEN and counter.current is not None)]
