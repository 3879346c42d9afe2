"""Officers and devices on a page (`/admin/people`, admins): create an officer, reset a
password, change a role, disable or enable, end their sessions; list the paired kiosks and rating tablets, pair
and revoke. Each change is written to the audit log with who and when (GET /api/audit)."""
from flask import Blueprint, current_app, g, jsonify, render_template, session

from .. import audit, auth, clock
from ..api import body
from ..engine import Refused
from ..ratings import tablet_counter

bp = Blueprint("admin_people", __name__, template_folder="templates")


def _runtime():
    return current_app.extensions["qms.runtime"]


@bp.get("/admin/people")
def people_page():
    rt = _runtime()
    signed_in = auth.session_is_live(rt.store, rt.site.id)
    forbidden = signed_in and session.get("role") != "admin"
    status = 401 if not signed_in else 403 if forbidden else 200
    response = current_app.make_response((render_template(
        "admin_settings/people.html", site=rt.site, signed_in=signed_in, forbidden=forbidden,
        csrf=session.get("csrf"), roles=auth.ROLES), status))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/api/admin/officers")
@auth.officer_required(role="admin")
def officers():
    rt = _runtime()
    return jsonify(officers=rt.store.all_officers(rt.site.id), roles=list(auth.ROLES))


def _known(username):
    rt = _runtime()
    officer = rt.store.officer(rt.site.id, username)
    if officer is None:
        raise Refused("unknown_officer", f"Không có cán bộ «{username}».",
                      f"No officer {username!r}.", 404)
    return officer


def _made(action, username, detail=None):
    rt = _runtime()
    audit.record(rt.store, rt.site.id, action, actor=g.officer, target=username, detail=detail)


def _checked(fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except ValueError as exc:
        raise Refused("bad_officer", "Tên đăng nhập 1–64 ký tự, mật khẩu ít nhất 6 ký tự, vai "
                      "trò: officer, chief hoặc admin.", str(exc), 422) from None


@bp.post("/api/admin/officers")
@auth.officer_required(role="admin")
def create():
    p = body()
    username = p.str("username", max_length=64).strip()
    rt = _runtime()
    if rt.store.officer(rt.site.id, username) is not None:
        raise Refused("officer_exists", f"Đã có cán bộ «{username}».",
                      f"Officer {username!r} already exists.", 409)
    role = p.str("role", max_length=16)
    _checked(auth.create_officer, rt.store, username, p.str("password", max_length=200),
             p.str("display_name", required=False, max_length=128), role, site_id=rt.site.id)
    _made("officer_created", username, {"role": role})
    return jsonify(officer=_public(_known(username))), 201


@bp.post("/api/admin/officers/<username>/password")
@auth.officer_required(role="admin")
def reset_password(username):
    _known(username)
    rt = _runtime()
    # The password only: role, name and a disabled flag stay; open sessions end.
    _checked(auth.reset_password, rt.store, username, body().str("password", max_length=200),
             rt.site.id)
    _made("officer_password_reset", username)
    return jsonify(officer=_public(_known(username)))


@bp.post("/api/admin/officers/<username>/role")
@auth.officer_required(role="admin")
def change_role(username):
    officer = _known(username)
    role = body().str("role", max_length=16)
    if role not in auth.ROLES:
        raise Refused("bad_role", "Vai trò: officer, chief hoặc admin.",
                      "role must be officer, chief or admin.", 422)
    if username == g.officer and role != "admin":
        raise Refused("own_role", "Không thể tự bỏ quyền quản trị của mình.",
                      "You cannot take away your own admin role.", 409)
    rt = _runtime()
    # Only the role changes (a disabled officer stays disabled).
    rt.store.update_officer(rt.site.id, username, role=role)
    auth.revoke_sessions(rt.store, rt.site.id, username=username)  # the new role from next sign-in
    _made("officer_role_changed", username, {"from": officer["role"], "to": role})
    return jsonify(officer=_public(_known(username)))


@bp.post("/api/admin/officers/<username>/<switch>")
@auth.officer_required(role="admin")
def disable(username, switch):
    """`disable` (ends their sessions; the account and its history stay) or `enable`."""
    if switch not in ("disable", "enable"):
        raise Refused("not_found", "Không có thao tác này.", f"No action {switch!r}.", 404)
    _known(username)
    if username == g.officer:
        raise Refused("own_account", "Không thể tự khóa tài khoản của mình.",
                      "You cannot disable your own account.", 409)
    rt = _runtime()
    auth.set_disabled(rt.store, username, switch == "disable", rt.site.id)
    _made("officer_disabled" if switch == "disable" else "officer_enabled", username)
    return jsonify(officer=_public(_known(username)))


def _public(officer):
    return {k: officer.get(k) for k in ("username", "display_name", "role", "disabled")}


@bp.get("/api/admin/devices")
@auth.officer_required(role="admin")
def devices():
    rt = _runtime()
    rows = []
    for device in rt.store.all_devices(rt.site.id):
        counter = tablet_counter(device["kiosk"])
        rows.append({"device": device["kiosk"], "tokens": device["tokens"],
                     "kind": "rating_tablet" if counter is not None else "kiosk",
                     "counter": counter, "paired_at": clock.iso(rt.site, device["paired_at"])})
    return jsonify(devices=rows)
