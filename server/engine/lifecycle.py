"""The life of a ticket: every status, every allowed move, and the one error type.

Everything that decides whether a ticket may change status lives in this table, in the spirit
of h11's state machine: a move that is not in the table is refused with `Refused`, never
half-done.

    waiting --call--> called --start--> serving --complete--> done
       ^                |  \\--complete-------------------------^
       |                |--recall--> called (announced again)
       +--no_show(requeue once)--+   no_show (dropped)
    waiting/called/serving --transfer--> transferred (a successor ticket waits elsewhere)
    waiting/called/serving --cancel / close_day--> cancelled
"""

WAITING = "waiting"
CALLED = "called"
SERVING = "serving"
DONE = "done"
NO_SHOW = "no_show"
TRANSFERRED = "transferred"
CANCELLED = "cancelled"

OPEN_STATUSES = frozenset({WAITING, CALLED, SERVING})
FINAL_STATUSES = frozenset({DONE, NO_SHOW, TRANSFERRED, CANCELLED})

# (status, action) -> status after. The engine checks a move against this table before it
# decides (decide.py), and the state takes the new status from it (state.py): one table both
# allows a move and says where it leads. A no-show is "requeue" (back to waiting, the site's
# requeue_once policy) or "no_show" (ended); decide picks which.
TRANSITIONS = {
    (WAITING, "call"): CALLED,
    (CALLED, "recall"): CALLED,
    (CALLED, "start"): SERVING,
    (CALLED, "complete"): DONE,
    (SERVING, "complete"): DONE,
    (CALLED, "no_show"): NO_SHOW,
    (CALLED, "requeue"): WAITING,
    (WAITING, "transfer"): TRANSFERRED,
    (CALLED, "transfer"): TRANSFERRED,
    (SERVING, "transfer"): TRANSFERRED,
    (WAITING, "cancel"): CANCELLED,
    (CALLED, "cancel"): CANCELLED,
    (SERVING, "cancel"): CANCELLED,
    (WAITING, "close_day"): CANCELLED,
    (CALLED, "close_day"): CANCELLED,
    (SERVING, "close_day"): CANCELLED,
}

OUTCOMES = ("accepted", "returned_missing_info", "returned_wrong_info", "other")


class Refused(Exception):
    """A command the rules do not allow. Carries a machine code and a Vietnamese/English reason.

    `status` is the HTTP status the API answers with (409 for a conflict with the current
    state, 404 for an unknown thing, 400/422 for input that can never be right).
    """

    def __init__(self, code, message_vi, message_en, status=409, **details):
        super().__init__(f"{code}: {message_en}")
        self.code = code
        self.message_vi = message_vi
        self.message_en = message_en
        self.status = status
        self.details = details  # e.g. opens_at: what a screen needs to say more than words

    def as_dict(self):
        return {"code": self.code, "message": self.message_vi, "message_en": self.message_en,
                **self.details}


def check_move(ticket, action):
    """The status `action` leads to from the ticket's status, or Refused."""
    target = TRANSITIONS.get((ticket.status, action))
    if target is None:
        raise Refused(
            "bad_ticket_status",
            f"Không thể {ACTION_VI.get(action, action)} số {ticket.label}: số đang ở trạng thái "
            f"«{STATUS_VI[ticket.status]}».",
            f"Cannot {action} ticket {ticket.label} while it is {ticket.status}.",
        )
    return target


def allowed_ticket_actions(ticket):
    """What an officer may do with the ticket now, from the table."""
    return [action for (status, action) in TRANSITIONS
            if status == ticket.status and action not in ("requeue", "close_day")]


STATUS_VI = {
    WAITING: "đang chờ",
    CALLED: "đã gọi",
    SERVING: "đang phục vụ",
    DONE: "đã xong",
    NO_SHOW: "vắng mặt",
    TRANSFERRED: "đã chuyển",
    CANCELLED: "đã hủy",
}

ACTION_VI = {
    "call": "gọi",
    "recall": "gọi lại",
    "start": "bắt đầu phục vụ",
    "complete": "hoàn tất",
    "no_show": "báo vắng",
    "requeue": "xếp lại hàng",
    "transfer": "chuyển",
    "cancel": "hủy",
    "close_day": "kết thúc ngày",
}
