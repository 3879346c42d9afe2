"""Changing a site's settings on the admin pages while it runs (ChangeSite): the new settings
checked by the site file's rules and against today's tickets, so a change never strands a
citizen who holds a ticket. (A site file edited between restarts is checked by stranded.py.)"""
from .lifecycle import OPEN_STATUSES, Refused
from .site import SiteFileError, site_from_dict


def checked_site(state, data):
    """The new Site from `data`, or Refused saying what is wrong or what it would break."""
    if not isinstance(data, dict):
        raise Refused("bad_site", "Cấu hình phải là một đối tượng.", "Settings must be an object.", 400)
    try:
        new = site_from_dict(data)
    except SiteFileError as exc:
        where = "; ".join(f"{'.'.join(map(str, m.loc))}: {m.vi}" for m in exc.mistakes)
        where_en = "; ".join(f"{'.'.join(map(str, m.loc))}: {m.en}" for m in exc.mistakes)
        raise Refused("bad_site", f"Cấu hình không hợp lệ — {where}", f"Invalid settings — {where_en}",
                      422) from None
    old = state.site
    if new.id != old.id:
        raise Refused("site_id_changed", "Không được đổi mã điểm (site id).",
                      "The site id cannot change.", 422)
    _check_tickets(state, old, new)
    return new


def _conflict(vi, en):
    return Refused("conflicts_with_today", vi, en, 409)


def _check_tickets(state, old, new):
    today = list(state.tickets.values()) if state.day_open else []
    open_tickets = [t for t in today if t.status in OPEN_STATUSES]
    for service in old.services:
        changed = new.service(service.code)
        live = [t for t in open_tickets if t.service == service.code]
        if changed is None and live:
            raise _conflict(f"Dịch vụ «{service.name_vi}» còn {len(live)} số đang chờ hoặc đang "
                            "phục vụ hôm nay; hãy xóa sau khi kết thúc ngày.",
                            f"Service {service.code} still has {len(live)} open tickets today.")
        if changed is None:
            continue
        issued = state.issued_today.get(service.code, 0) if state.day_open else 0
        numbering = (changed.letter, changed.number_start, changed.number_end) != \
            (service.letter, service.number_start, service.number_end)
        if numbering and issued:
            raise _conflict(f"Dịch vụ «{service.name_vi}» đã cấp {issued} số hôm nay: chữ cái và "
                            "dãy số chỉ đổi được từ ngày mai.",
                            f"Service {service.code} issued {issued} tickets today: its letter and "
                            "number range can change from tomorrow.")
        if changed.daily_cap is not None and changed.daily_cap < issued:
            raise _conflict(f"Dịch vụ «{service.name_vi}» đã cấp {issued} số hôm nay, nhiều hơn "
                            f"giới hạn mới {changed.daily_cap}.",
                            f"Service {service.code} already issued {issued} today, above the new "
                            f"cap {changed.daily_cap}.")
    for counter in old.counters:
        live = state.counters.get(counter.number)
        busy = live is not None and (live.state != "closed" or live.current is not None)
        reserved = [t for t in open_tickets if t.reserved_counter == counter.number]
        if new.counter(counter.number) is None and (busy or reserved):
            raise _conflict(f"Quầy {counter.number} đang mở hoặc có số được chuyển riêng; hãy đóng "
                            "quầy trước khi xóa.",
                            f"Counter {counter.number} is open or has tickets reserved for it.")
    for ticket in open_tickets:
        if ticket.priority and new.priority_group(ticket.priority) is None:
            raise _conflict(f"Nhóm ưu tiên «{ticket.priority}» còn số đang chờ hôm nay.",
                            f"Priority group {ticket.priority} still has open tickets today.")
