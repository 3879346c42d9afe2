"""The `qms` command for operators: serve a site, manage officers, devices and the day.

Imports stay light at the top: `qms serve` must monkey-patch for eventlet/gevent before the
app (and with it threading, sockets and the database driver) is imported.
"""
import logging
import sys
import warnings

import click

# Eventlet prints a ten-line deprecation notice whenever it is imported (engineio imports it
# too, in every command). It is in bugfix-only mode upstream and still the chosen server; the
# notice tells an operator nothing they can act on.
warnings.filterwarnings("ignore", message=r"(?s).*Eventlet is deprecated")

DEMO_OFFICERS = (("canbo", "canbo123", "Cán bộ tiếp dân", "officer"),
                 ("truongdiem", "truongdiem123", "Trưởng điểm cấp", "chief"),
                 ("admin", "admin123", "Quản trị điểm cấp", "admin"))
# The demo passwords above are published (the banner prints them), so their hashes are too:
# made once with werkzeug's generate_password_hash (scrypt, its default cost). Hashing them at
# every `qms serve --demo` on a fresh store cost ~0.2-0.5 CPU-s of a ~1.3 s start.
DEMO_PASSWORD_HASHES = {
    "canbo": "scrypt:32768:8:1$jLQ9pxbgG1lTpB3P$4f947bc28e9b42c943c337c812f88c8d515666f0698c30"
             "738103d42dfd712be1799f003a5cdf3ba8bb647bec9a8c03e47c1c3fbdcdb2f5eced757c6ab063eb05",
    "truongdiem": "scrypt:32768:8:1$vIjdQP7YoyCgBUJf$c3e783b66730ffbcd0c19618906f2ebc38816f19187"
                  "aa52574b02b0c3504618845ad5a8276ae8fcc3c7023fece92c0f751e37f5e1ef57661bd18fd05"
                  "01ca1777",
    "admin": "scrypt:32768:8:1$MbZnDq4gO1nilPR0$5b1f17717458f3e2307ad7c34efca8d795b9f25b81f09e1c"
             "cb61c224b8a5a4df29e5104c05276f276b454de59724235e445c4ef0c60e6f2c2f70ae42ec919b68",
}


def _refuse(lines):
    """Stop a command with its reasons, one line each on stderr, no traceback."""
    for line in lines:
        click.echo(line, err=True)
    sys.exit(1)


def _place(site, store, instance, **more):
    """Where the command acts (docs/operations.md): refused with a reason when unknown."""
    from .deployment import NotDeployable, SiteFileProblem, resolve
    try:
        return resolve(site, store, instance, **more)
    except (NotDeployable, SiteFileProblem) as exc:
        _refuse(exc.lines)


def _make_app(place, **config):
    from .app import create_app
    from .site_file import SiteFileProblem
    try:
        return create_app(dict(place.app_config(), **config), instance_path=place.instance)
    except SiteFileProblem as exc:
        _refuse(exc.lines)


def _runtime(site, store, instance):
    """The runtime (site and store) an operator command acts on."""
    return _make_app(_place(site, store, instance)).extensions["qms.runtime"]


site_option = click.option("--site", "site", type=click.Path(dir_okay=False),
                           help="Site file (TOML); default: $QMS_CONFIG, else /etc/qms/site.toml.")
store_option = click.option("--store", "store",
                            help="Store URL; default: [server] store in the site file, else "
                                 "SQLite in the instance folder.")
instance_option = click.option("--instance", "instance", type=click.Path(file_okay=False),
                               help="Instance folder (store, secret key, caches); default: "
                                    "[server] instance in the site file.")


def place_options(command):
    """--site, --store, --instance: each overrides the config file (QMS_CONFIG or
    /etc/qms/site.toml) and its [server] table."""
    return site_option(store_option(instance_option(command)))


# `pip install qms-cccd` alone is a kiosk PC's print agent; the server needs the `server` extra.
AGENT_COMMANDS = {"kiosk-agent"}
SERVER_MODULES = ("flask", "flask_socketio", "eventlet", "sqlalchemy", "pydantic", "alembic")


@click.group()
@click.version_option(package_name="qms-cccd", prog_name="qms")
@click.pass_context
def main(ctx):
    """Hàng đợi CCCD / VNeID — site server."""
    if ctx.invoked_subcommand in AGENT_COMMANDS or ctx.resilient_parsing:
        return
    import importlib.util
    missing = [m for m in SERVER_MODULES if importlib.util.find_spec(m) is None]
    if missing:
        _refuse([f"qms {ctx.invoked_subcommand}: thiếu gói của máy chủ ({', '.join(missing)}); "
                 "cài: pip install 'qms-cccd[server]' / the server's packages are not installed "
                 "(this install is for a kiosk print agent): pip install 'qms-cccd[server]'"])


def _presize_wal(store):
    """An SQLite store's WAL at full size before the first call: each commit's fsync then
    overwrites and never grows the file (server/store/sql.py, docs/performance.md)."""
    from .store import StoreUnavailable
    log = logging.getLogger("qms.store")
    try:
        size = store.presize_wal()
    except StoreUnavailable as exc:  # a read-only store still serves its screens
        log.warning("could not make the WAL full size: %s", exc)
        return
    if size:
        log.info("WAL made full size (%d bytes): commits overwrite it", size, extra={"wal": size})


@main.command()
@place_options
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; 0.0.0.0 to serve the site's LAN.")
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--async-mode", type=click.Choice(["eventlet", "gevent", "threading"]),
              default="eventlet", show_default=True)
@click.option("--demo", is_flag=True, help="The demo site: seed its officers, open today.")
@click.option("--message-queue", default=None, help="e.g. redis://127.0.0.1:6379/0")
@click.option("--public-base-url", envvar="QMS_PUBLIC_BASE_URL", default=None,
              help="Base of the QR links printed on tickets, e.g. https://qms.example.vn "
                   "(or env QMS_PUBLIC_BASE_URL); default: this server's LAN address.")
@click.option("--kiosk-printer", "kiosk_printers", multiple=True, metavar="KIOSK=URL",
              help="Print KIOSK's tickets from this server to a network printer, "
                   "e.g. K1=tcp://10.0.0.5:9100 (repeatable).")
@click.option("--paper", type=click.Choice(["58mm", "80mm"]), default="80mm", show_default=True,
              help="Paper of the --kiosk-printer printers.")
@click.option("--max-connections", default=4096, show_default=True,
              type=click.IntRange(64, 65536),
              help="Connections served at once (eventlet); every display and tablet holds one.")
@click.option("--trusted-proxy", "trusted_proxies", multiple=True, metavar="ADDRESS",
              help="A reverse proxy (address or network) whose X-Forwarded-* headers are "
                   "believed, e.g. 127.0.0.1 for nginx on this machine (repeatable; "
                   "docs/operations.md).")
@click.option("--max-per-address", default=64, show_default=True, type=click.IntRange(1, 65536),
              help="Connections one client address may hold (eventlet); trusted proxies "
                   "are exempt.")
@click.option("--header-timeout", default=10.0, show_default=True, type=click.FloatRange(0.5, 600),
              help="Seconds a new connection has to send its whole request (eventlet).")
@click.option("--idle-timeout", default=30.0, show_default=True, type=click.FloatRange(0.5, 3600),
              help="Seconds a keep-alive connection may wait between requests (eventlet).")
def serve(site, store, instance, host, port, async_mode, demo, message_queue, public_base_url,
          kiosk_printers, paper, max_connections, trusted_proxies, max_per_address, header_timeout,
          idle_timeout):
    """Run the site server."""
    # Patch first: nothing of the app (Flask, threading, sockets, the database driver) may be
    # imported before, or eventlet cannot make its locks and sockets green.
    if async_mode == "eventlet":
        import eventlet
        eventlet.monkey_patch()
    elif async_mode == "gevent":
        from gevent import monkey
        monkey.patch_all()
    from .direct_printing import parse_kiosk_printer
    try:
        kiosk_printers = [parse_kiosk_printer(spec) for spec in kiosk_printers]
    except ValueError as exc:
        raise click.UsageError(str(exc))
    from . import deployment
    place = _place(site, store, instance, demo=demo, public_base_url=public_base_url,
                   message_queue=message_queue)
    extra = {}
    proxies = list(trusted_proxies) or list(place.trusted_proxies)  # option, else [server]
    if proxies:
        from .proxy import trusted_networks
        try:
            trusted_networks(proxies)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--trusted-proxy / trusted_proxies")
        extra["TRUSTED_PROXIES"] = proxies
    for problem in (_backends_missing(place), deployment.port_taken(host, port)):
        if problem:
            _refuse(problem.lines)
    listener = _listen(host, port) if async_mode == "eventlet" else None

    everywhere = host in ("0.0.0.0", "::")
    lan = deployment.lan_addresses() if everywhere else []
    shown = lan[0] if lan else "localhost" if everywhere or host == "127.0.0.1" else host
    # Printed QR codes must open the tracking page from a citizen's phone: an absolute URL.
    base = place.public_base_url or f"http://{shown}:{port}"
    app = _make_app(place, ASYNC_MODE=async_mode, PUBLIC_BASE_URL=base, **extra)
    runtime = app.extensions["qms.runtime"]
    from .engine.stranded import stranded_reasons
    stranded = stranded_reasons(runtime.site, runtime.state)
    if stranded:  # the day's open tickets of a removed or re-lettered service
        _refuse([f"{place.site_file}: {line}" for line in stranded])
    from . import logs
    logs.configure(runtime.site)  # JSON lines, the site's time zone
    app.wsgi_app = logs.AccessLog(app.wsgi_app)
    kiosk_link = f"{base}/kiosk"
    if demo:
        _seed_demo(app)
        kiosk_link += "#device_token=" + _pair_demo_kiosk(app)
    click.echo(f"Site «{runtime.site.name}» — store {deployment.mask_url(place.store)}")
    click.echo(f"  Kiosk (lấy số):        {kiosk_link}")
    click.echo(f"  Display (màn hình):    {base}/display")
    click.echo(f"  Counter (quầy):        {base}/counter")
    click.echo(f"  Reports (báo cáo):     {base}/reports")
    click.echo(f"  API:                   {base}/api/openapi.json")
    for other in lan[1:]:
        click.echo(f"  Also (cũng mở được):   http://{other}:{port}")
    if demo:
        click.echo("  Demo sign-in: canbo / canbo123 (officer), truongdiem / truongdiem123 (chief), "
                   "admin / admin123 (admin)")
    if kiosk_printers:
        from .direct_printing import start_direct_agents
        local = f"http://127.0.0.1:{port}" if everywhere or host == "127.0.0.1" else base
        start_direct_agents(app, kiosk_printers, local, paper=paper)
        for kiosk, url in kiosk_printers:
            click.echo(f"  Kiosk {kiosk} prints from this server to {url}")
    sys.stdout.flush()
    socketio = app.extensions["socketio"]
    _presize_wal(runtime.store)
    from . import checkpoints
    checkpoints.start(runtime, socketio)  # SQLite's WAL copied back between calls, not in one
    from .store_watch import start_store_watch
    start_store_watch(app, socketio)  # other processes' and commands' writes, pushed at once
    # Last of start-up: freeze what lives as long as the process, collect between calls.
    from . import collector
    _, settings = collector.start(runtime, socketio)
    logging.getLogger("qms.collector").info(
        "start-up heap frozen (%d objects); collection thresholds %s; full collections run "
        "between calls", settings["frozen"], settings["thresholds"], extra={"gc": settings})
    _raise_open_files(max_connections + 256)
    if listener is not None:
        import eventlet.wsgi
        # eventlet.wsgi.server alone would wait forever for headers and stop accepting at its
        # cap: the guard times out half-sent and idle connections, caps each address and makes
        # room for newcomers (docs/security.md).
        from .connection_guard import ConnectionGuard
        guard = ConnectionGuard(max_connections, per_address=max_per_address,
                                header_timeout=header_timeout, idle_timeout=idle_timeout,
                                exempt=app.config["TRUSTED_PROXIES"])
        app.wsgi_app = guard.wrap(app.wsgi_app)
        app.extensions["qms.connection_guard"] = guard
        # socket_timeout bounds each read and write; above Socket.IO's 25 s ping interval so
        # an idle WebSocket is never cut.
        eventlet.wsgi.server(listener, app, log_output=False, custom_pool=guard,
                             socket_timeout=60, keepalive=idle_timeout)
        return
    run_options = {"host": host, "port": port, "use_reloader": False, "log_output": False}
    if async_mode == "threading":
        run_options["allow_unsafe_werkzeug"] = True
    socketio.run(app, **run_options)


def _backends_missing(place):
    from .deployment import NotDeployable, check_backends
    try:
        check_backends(place)
    except NotDeployable as exc:
        return exc
    return None


def _listen(host, port):
    """Eventlet's listening socket without SO_REUSEPORT (eventlet.listen sets it by default on
    Linux, and a second server on the same port would then silently share the clients)."""
    import socket

    import eventlet
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        return eventlet.listen((host, port), family, reuse_port=False)
    except OSError as exc:
        from .deployment import port_in_use
        _refuse(port_in_use(host, port, exc).lines)


def _raise_open_files(wanted):
    """Each connection is a file descriptor: lift the soft limit towards the hard one."""
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        new = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (new, hard))


def _seed_demo(app):
    from .engine import Refused
    from .engine.commands import OpenDay
    runtime = app.extensions["qms.runtime"]
    app.config["DEMO"] = True  # demo accounts sign in only on a server started with --demo
    for username, _password, name, role in DEMO_OFFICERS:
        if runtime.store.officer(runtime.site.id, username) is None:
            # A new officer has no sessions to end: stored as auth.create_officer would.
            runtime.store.add_officer(runtime.site.id, username, DEMO_PASSWORD_HASHES[username],
                                      name, role, demo=True)
    if runtime.state.day == runtime.today():
        return  # today is open, or an officer closed it: closed stays closed
    try:
        # A demo store may sit unused for weeks: confirm the gap since the last day.
        runtime.execute(OpenDay(None, runtime.now(), confirm=True))
    except Refused:
        pass  # the store's last day is after today (see qms repair-day)


DEMO_KIOSK = "DEMO"


def _pair_demo_kiosk(app):
    """The demo's kiosk device token, so the banner's kiosk link takes tickets (a browser without
    one is a phone, refused at a site that issues at its kiosks only). Derived from the site's
    secret, it stays the same across restarts: a kiosk browser that kept it keeps working."""
    import base64
    import hashlib
    import hmac

    from . import auth
    runtime = app.extensions["qms.runtime"]
    digest = hmac.new(str(app.config["SECRET_KEY"]).encode(), b"demo kiosk device token",
                      hashlib.sha256)
    token = base64.urlsafe_b64encode(digest.digest()).decode().rstrip("=")
    if auth.kiosk_for_token(runtime.store, runtime.site.id, token) is None:
        runtime.store.add_device(runtime.site.id, DEMO_KIOSK, auth.token_hash(token),
                                 runtime.now())
    return token


@main.command("check-site")
@click.argument("path", type=click.Path(dir_okay=False))
def check_site(path):
    """Check a site file without serving it: every mistake, one line each."""
    from .site_file import SiteFileProblem, load_site
    try:
        site = load_site(path)
    except SiteFileProblem as exc:
        _refuse(exc.lines)
    click.echo(f"{path}: OK — «{site.name}»: {len(site.services)} dịch vụ / services, "
               f"{len(site.counters)} quầy / counters")


@main.command("create-officer")
@click.argument("username")
@click.option("--name", default=None, help="Name shown on the counter tablet.")
@click.option("--role", type=click.Choice(["officer", "chief", "admin"]), default="officer",
              show_default=True, help="chief: also reads reports and ratings; admin: also settings.")
@click.password_option()
@place_options
def create_officer(username, name, role, password, site, store, instance):
    """Create (or reset) an officer account; a reset ends the officer's open sessions."""
    from . import audit, auth
    runtime = _runtime(site, store, instance)
    try:
        auth.create_officer(runtime.store, username, password, name, role, site_id=runtime.site.id)
    except ValueError as exc:
        raise click.UsageError(str(exc))
    audit.record(runtime.store, runtime.site.id, "officer_saved", actor="cli", target=username,
                 detail={"role": role})
    click.echo(f"Officer {username} ({role}) saved.")


@main.command("unlock-officer")
@click.argument("username")
@place_options
def unlock_officer(username, site, store, instance):
    """Lift the sign-in lockout of USERNAME (after too many wrong passwords)."""
    from . import audit, sign_in_throttle
    runtime = _runtime(site, store, instance)
    lifted = sign_in_throttle.unlock(runtime.store, runtime.site.id, username)
    audit.record(runtime.store, runtime.site.id, "officer_unlocked", actor="cli", target=username)
    click.echo(f"Officer {username} unlocked." if lifted else f"Officer {username} was not locked.")


@main.group()
def officers():
    """List officers, disable or enable one, reset a password."""


@officers.command("list")
@place_options
def officers_list(site, store, instance):
    """Every officer: username, role, state, name."""
    runtime = _runtime(site, store, instance)
    for officer in runtime.store.all_officers(runtime.site.id):
        state = "đã khóa / disabled" if officer["disabled"] else "hoạt động / active"
        click.echo(f"{officer['username']:<20} {officer['role']:<8} {state:<20} "
                   f"{officer['display_name']}")


def _officer_change(username, site, store, instance, action, done, change):
    """Apply `change(runtime)` to an officer, audit it, say it; refused if there is no such one."""
    from . import audit
    runtime = _runtime(site, store, instance)
    if not change(runtime):
        _refuse([f"{username}: không có cán bộ này — no such officer"])
    audit.record(runtime.store, runtime.site.id, action, actor="cli", target=username)
    click.echo(f"{username}: {done}")


def _officer_switch(disabled, action, done):
    def run(username, site, store, instance):
        from . import auth
        _officer_change(username, site, store, instance, action, done, lambda runtime:
                        auth.set_disabled(runtime.store, username, disabled, runtime.site.id))
    return run


for _name, _disabled, _done, _help in (
        ("disable", True, "đã khóa — disabled: cannot sign in, open sessions ended",
         "Stop USERNAME from signing in (the account and its history stay)."),
        ("enable", False, "đã mở khóa — enabled", "Let a disabled USERNAME sign in again.")):
    officers.command(_name, help=_help)(click.argument("username")(
        place_options(_officer_switch(_disabled, f"officer_{_name}d", _done))))


@officers.command("reset-password")
@click.argument("username")
@click.password_option()
@place_options
def officers_reset_password(username, password, site, store, instance):
    """Give USERNAME a new password (asked twice unless --password); ends their sessions."""
    from . import auth
    try:
        _officer_change(username, site, store, instance, "officer_password_reset",
                        "đã đặt mật khẩu mới — password reset",
                        lambda runtime: auth.reset_password(runtime.store, username, password,
                                                            runtime.site.id))
    except ValueError as exc:
        raise click.UsageError(str(exc))


@main.command("backup")
@click.option("--output", "-o", type=click.Path(dir_okay=False), default=None,
              help="Backup file (default: INSTANCE/backups/qms-YYYYMMDD-HHMMSS.sqlite3 or .pgdump).")
@place_options
def backup_command(output, site, store, instance):
    """Back up the store, safely while the server runs (docs/operations.md)."""
    import datetime
    import os
    from .store.backup import BackupProblem, backup
    place = _place(site, store, instance)
    if output is None:
        stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
        kind = "sqlite3" if place.store.startswith("sqlite") else "pgdump"
        output = os.path.join(place.instance, "backups", f"qms-{stamp}.{kind}")
    try:
        backup(place.store, output)
    except BackupProblem as exc:
        _refuse(exc.lines)
    click.echo(output)


@main.command("restore")
@click.argument("backup_file", type=click.Path(dir_okay=False))
@place_options
def restore_command(backup_file, site, store, instance):
    """Restore BACKUP_FILE into the site's store, which must be empty (a new folder or database)."""
    from .store.backup import BackupProblem, restore
    place = _place(site, store, instance)
    try:
        restore(backup_file, place.store)
    except BackupProblem as exc:
        _refuse(exc.lines)
    click.echo(f"Đã khôi phục vào {place.store} — restored; start the server on it.")


@main.command("add-device")
@click.argument("kiosk")
@place_options
def add_device(kiosk, site, store, instance):
    """Issue a device token for the print agent of kiosk KIOSK (shown once)."""
    from . import audit, auth, clock
    runtime = _runtime(site, store, instance)
    token = auth.issue_device_token(runtime.store, runtime.site.id, kiosk, clock.now())
    audit.record(runtime.store, runtime.site.id, "device_added", actor="cli", target=kiosk)
    click.echo(token)


@main.command("remove-device")
@click.argument("kiosk")
@place_options
def remove_device(kiosk, site, store, instance):
    """Revoke every device token of kiosk KIOSK (a lost or replaced kiosk PC)."""
    from . import audit
    runtime = _runtime(site, store, instance)
    count = runtime.store.remove_devices(runtime.site.id, kiosk)
    audit.record(runtime.store, runtime.site.id, "device_removed", actor="cli", target=kiosk,
                 detail={"tokens": count})
    click.echo(f"Revoked {count} token(s) of kiosk {kiosk}. Restart its agent with a new one.")


def _day_command(name, help_text, make_command, *options):
    """A command on the site's business day: runs through the site runtime like the API."""
    def run(site, store, instance, **chosen):
        from .engine import Refused
        app = _make_app(_place(site, store, instance))
        runtime = app.extensions["qms.runtime"]
        try:
            events = make_command(runtime, **chosen)
        except Refused as exc:
            raise click.ClickException(f"{exc.message_vi} ({exc.message_en})")
        for event in events:
            if event["type"] == "day_closed":
                _print_closed_day(runtime, event, chosen.get("as_json"))
            elif event["type"] == "day_opened":
                click.echo(f"Day {event['day']} is open.")
            elif event["type"] == "days_voided":
                click.echo(f"Void (clock ran ahead): {', '.join(event['days'])}. "
                           f"Today {event['today']} can open.")
    for option in (site_option, store_option, instance_option) + options:
        run = option(run)
    main.command(name, help=help_text)(run)


def _open(runtime, confirm):
    from .engine.commands import OpenDay
    return runtime.execute(OpenDay(None, runtime.now(), confirm=confirm))


def _print_closed_day(runtime, event, as_json):
    """The closed day's figures as the report has them (site name, Vietnamese labels, a requeued
    first no-show still a no-show, cancellations split by officer / day close / citizen), read
    back from the store; --json keeps the engine's summary for scripts."""
    if as_json:
        import json
        click.echo(json.dumps(event["summary"], ensure_ascii=False, indent=2))
        return
    from .reports import period_of
    from .reports.service import document_for
    from .reports.writers import to_text
    click.echo(to_text(document_for(runtime, period_of(event["day"], "day"))))


def _close(runtime, as_json=False):
    from .engine.commands import CloseDay
    return runtime.execute(CloseDay(runtime.now()))


def _repair(runtime):
    return runtime.repair_day()


_day_command("open-day", "Open today's business day.", _open,
             click.option("--confirm", is_flag=True,
                          help="Open even though the last business day is more than one "
                               "working day ago (after a long closure)."))
_day_command("close-day", "Close the day: end open tickets, print the day's report.", _close,
             click.option("--json", "as_json", is_flag=True,
                          help="Print the engine's summary as JSON (English keys) instead."))
_day_command("repair-day", "After the server's clock ran ahead: make the business days after "
             "today void (their open tickets end) so today's day can open. See docs/operations.md.",
             _repair)


def report_period_options(command):
    """The period and file options of a report, the same for a site's and the province's."""
    options = [
        click.option("--day", default=None, help="A business day YYYY-MM-DD (default: today)."),
        click.option("--week", "kind", flag_value="week", help="The week (Monday-Sunday) of --day."),
        click.option("--month", "kind", flag_value="month", help="The month of --day."),
        click.option("--from", "first", default=None, help="First day of a range (with --to)."),
        click.option("--to", "last", default=None, help="Last day of a range (with --from)."),
        click.option("--format", "fmt", type=click.Choice(["text", "csv", "xlsx"]),
                     default="text", show_default=True),
        click.option("--output", "-o", type=click.Path(dir_okay=False), default=None,
                     help="Write to this file (default: standard output; a file name for xlsx)."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


@main.command("report")
@report_period_options
@site_option
@store_option
@instance_option
def report(day, kind, first, last, fmt, output, site, store, instance):
    """The report of a day, week, month or date range, from the event store."""
    from .engine import Refused
    from .reports import period_of
    from .reports.service import document_for
    from .reports.writers import write
    if (first is None) != (last is None):
        raise click.UsageError("--from and --to go together.")
    app = _make_app(_place(site, store, instance))
    runtime = app.extensions["qms.runtime"]
    try:
        if first is not None:
            period = period_of(kind="range", first=first, last=last)
        else:
            period = period_of(day or runtime.today(), kind or "day")
    except Refused as exc:
        raise click.UsageError(f"{exc.message_vi} ({exc.message_en})")
    data, _, ext = write(document_for(runtime, period), fmt)
    if output is None and fmt == "xlsx":
        output = f"bao-cao-{runtime.site.id}-{period.slug}.xlsx"
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    with open(output, "wb") as fh:
        fh.write(data)
    click.echo(f"Đã ghi báo cáo {period.label_vi} vào {output} (report written).", err=True)


def _site_only(site):
    from .site_file import DEMO_SITE, SiteFileProblem, load_site
    try:
        return load_site(site or DEMO_SITE)
    except SiteFileProblem as exc:
        _refuse(exc.lines)


def _profile_for(site_obj, profile, learn_from, learn_to, per_hour, counters, opens,
                 store, instance, site):
    """The profile asked for: a file, the site's past days, or a flat day of per_hour."""
    from .simulate import load_profile, uniform_profile
    from .simulate.profile import CounterPlan
    if profile:
        try:
            chosen = load_profile(profile)
        except (OSError, ValueError) as exc:
            _refuse([f"{profile}: {exc}"])
    elif learn_from:
        from .simulate.learn import learn_profile
        app = _make_app(_place(site, store, instance))
        try:
            chosen = learn_profile(site_obj, app.extensions["qms.runtime"].store, learn_from,
                                   learn_to or learn_from)
        except ValueError as exc:
            _refuse([f"Không học được từ dữ liệu cũ — cannot learn: {exc}"])
    else:
        chosen = uniform_profile(site_obj, per_hour)
    if counters or opens:
        numbers = [int(n) for n in counters.split(",")] if counters else \
            [c.number for c in site_obj.counters]
        chosen = chosen.model_copy(update={"counters": tuple(
            CounterPlan(number=n, opens=opens) for n in numbers)})
    try:
        return chosen.check_against(site_obj)
    except ValueError as exc:
        _refuse([str(exc)])


def profile_options(command):
    for option in reversed((
            click.option("--profile", default=None, type=click.Path(exists=True, dir_okay=False),
                         help="Profile file (TOML, docs/simulation.md)."),
            click.option("--learn-from", default=None,
                         help="Learn the profile from the store's days from YYYY-MM-DD..."),
            click.option("--learn-to", default=None, help="...to YYYY-MM-DD (default: the same)."),
            click.option("--per-hour", default=40.0, show_default=True, type=float,
                         help="Without a profile: citizens per hour, shared by the services."),
            click.option("--counters", default=None, help="Counters that work, e.g. 1,2,3."),
            click.option("--opens", default=None, help="Those counters open at HH:MM."),
            click.option("--days", default=5, show_default=True, type=click.IntRange(1, 1000)),
            click.option("--seed", default=1, show_default=True, type=int),
            site_option, store_option, instance_option)):
        command = option(command)
    return command


@main.command("simulate")
@profile_options
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
def simulate(profile, learn_from, learn_to, per_hour, counters, opens, days, seed, site, store,
             instance, as_json):
    """Simulate site-days through the real engine: waits, queues, counters (docs/simulation.md)."""
    import json
    from .simulate import simulate_days
    from .simulate.summary import summarize, summary_text
    site_obj = _site_only(site)
    chosen = _profile_for(site_obj, profile, learn_from, learn_to, per_hour, counters, opens,
                          store, instance, site)
    figures = summarize(site_obj, simulate_days(site_obj, chosen, days=days, seed=seed))
    if as_json:
        click.echo(json.dumps(figures, ensure_ascii=False, indent=1))
    else:
        click.echo(summary_text(site_obj, figures))


@main.group("plan")
def plan():
    """Staffing planner: waits with given counters, and campaigns (docs/simulation.md)."""


@plan.command("day")
@profile_options
@click.option("--target", default=30.0, show_default=True, type=float,
              help="The p90 wait (minutes) the counters should keep under.")
@click.option("--svg-dir", default=None, type=click.Path(file_okay=False),
              help="Also write the charts there as SVG files.")
def plan_day_command(profile, learn_from, learn_to, per_hour, counters, opens, days, seed, site,
                     store, instance, target, svg_dir):
    """With these counters, what waits will citizens see, and how many counters are needed?"""
    import os
    from .simulate.charts import day_charts
    from .simulate.plan import plan_day
    site_obj = _site_only(site)
    chosen = _profile_for(site_obj, profile, learn_from, learn_to, per_hour, counters, opens,
                          store, instance, site)
    result = plan_day(site_obj, chosen, days=days, seed=seed, target_p90=target)
    click.echo(f"{days} ngày mô phỏng · simulated days; {result.issued:.0f} số mỗi ngày · "
               f"tickets a day; chờ trung vị/median {result.wait_median or 0:.0f} phút, "
               f"p90 {result.wait_p90 or 0:.0f} phút (mục tiêu · target {target:.0f}); "
               f"chưa được phục vụ khi đóng cửa · not served by closing: {result.not_served:.1f}/ngày")
    click.echo(f"{'giờ':>4}{'đến':>7}{'chờ TB':>8}{'trung vị':>10}{'p90':>6}{'quầy mở':>9}"
               f"{'quầy cần':>10}")
    click.echo(f"{'hour':>4}{'come':>7}{'queue':>8}{'median':>10}{'p90':>6}{'open':>9}"
               f"{'needed':>10}")
    for h in result.hours:
        click.echo(f"{h.hour:>4}{h.arrivals:>7.1f}{h.queue_mean:>8.1f}"
                   f"{(h.wait_median or 0):>10.0f}{(h.wait_p90 or 0):>6.0f}"
                   f"{h.counters_open:>9.1f}{h.counters_needed:>10}")
    click.echo("quầy cần · needed: Erlang C (M/M/c) cho giờ đó, coi mọi quầy phục vụ mọi dịch vụ "
               "(cận dưới) · for that hour, every counter serving every service (a lower bound)")
    if svg_dir:
        os.makedirs(svg_dir, exist_ok=True)
        for name, svg in day_charts(result).items():
            with open(os.path.join(svg_dir, f"plan-{name}.svg"), "w", encoding="utf-8") as fh:
                fh.write(svg)
        click.echo(f"SVG: {svg_dir}", err=True)


@plan.command("campaign")
@click.option("--citizens", required=True, type=click.IntRange(1, 10_000_000))
@click.option("--start", required=True, help="First day, YYYY-MM-DD.")
@click.option("--deadline", required=True, help="Last day, YYYY-MM-DD.")
@click.option("--counters", "counter_count", required=True, type=click.IntRange(0, 100),
              help="Counters on the campaign every working day.")
@click.option("--mobile-per-week", default=0, show_default=True, type=click.IntRange(0, 10))
@click.option("--mobile-counters", default=2, show_default=True, type=click.IntRange(1, 20))
@click.option("--mobile-hours", default=4.0, show_default=True, type=float)
@click.option("--service", default="CCCD", show_default=True)
@site_option
def plan_campaign_command(citizens, start, deadline, counter_count, mobile_per_week,
                          mobile_counters, mobile_hours, service, site):
    """N citizens before a deadline: when do we finish, and what must we add?"""
    from .simulate.plan import plan_campaign
    site_obj = _site_only(site)
    if site_obj.service(service) is None:
        _refuse([f"Không có dịch vụ «{service}» — unknown service {service!r}"])
    try:
        result = plan_campaign(site_obj, citizens, start, deadline, counter_count,
                               mobile_per_week, service=service, mobile_counters=mobile_counters,
                               mobile_hours=mobile_hours)
    except ValueError as exc:
        _refuse([f"Ngày không hợp lệ — bad date: {exc}"])
    click.echo(campaign_text(result))


def campaign_text(result):
    lines = [f"{result.citizens} công dân · citizens, {result.counters} quầy · counters, "
             f"{result.mobile_per_week} buổi lưu động/tuần · mobile sessions a week",
             f"Một quầy phục vụ {result.per_counter_day:.0f} người/ngày · one counter serves "
             f"{result.per_counter_day:.0f} a day; một buổi lưu động · a mobile session "
             f"{result.per_mobile_session:.0f}"]
    if result.finish is None:
        lines.append("Không xong trong hai năm · not finished within two years")
    else:
        lines.append(f"Xong ngày · finished on {result.finish} ({result.working_days} ngày làm "
                     f"việc · working days): " + ("kịp hạn · on time" if result.on_time else
                                                  f"TRỄ HẠN · LATE (hạn · deadline {result.deadline})"))
    if not result.on_time:
        if result.extra_counters is not None:
            k = result.extra_counters
            lines.append(f"- thêm {k} quầy · {k} more counter{'s' if k > 1 else ''} a day")
        if result.extra_mobile_per_week is not None:
            m = result.extra_mobile_per_week
            lines.append(f"- hoặc thêm {m} buổi lưu động/tuần · or {m} more mobile "
                         f"session{'s' if m > 1 else ''} a week")
        if result.with_saturdays:
            lines.append(f"- làm thêm sáng thứ Bảy: xong ngày {result.with_saturdays} · with "
                         f"Saturday mornings: finished on {result.with_saturdays}")
    return "\n".join(lines)


@main.command("sync")
@place_options
@click.option("--hub-url", default=None, help="The hub, e.g. https://hub.example.vn "
              "(default: [hub] url in the site file).")
@click.option("--key", envvar="QMS_HUB_KEY", default=None,
              help="This site's key from `qms hub add-site` (or env QMS_HUB_KEY; default: "
                   "[hub] key in the site file).")
@click.option("--batch", "batch_size", default=500, show_default=True,
              type=click.IntRange(1, 1000), help="Events per request.")
@click.option("--poll", default=0.5, show_default=True, type=click.FloatRange(0.05, 60),
              help="Seconds between looks at an SQLite store (PostgreSQL notifies at once).")
@click.option("--idle", default=30.0, show_default=True, type=click.FloatRange(1, 3600),
              help="With nothing to send, report to the hub this often (seconds).")
@click.option("--max-backoff", default=60.0, show_default=True, type=click.FloatRange(1, 3600),
              help="Longest wait between tries while the hub is down (seconds).")
@click.option("--once", is_flag=True, help="Send what the hub lacks, then exit (0 when done).")
def sync(site, store, instance, hub_url, key, batch_size, poll, idle, max_backoff, once):
    """Send this site's events to the provincial hub, in order, resuming where it stopped."""
    import logging
    from .hub.agent import HubLink, SyncAgent
    from .site_file import SiteFileProblem, load_hub_link, load_site
    from .store import open_store
    place = _place(site, store, instance)
    try:
        site_obj, link = load_site(place.site_file), load_hub_link(place.site_file)
    except SiteFileProblem as exc:
        _refuse(exc.lines)
    hub_url = hub_url or (link.url if link else None)
    key = key or (link.key if link else None)
    if not hub_url or not key:
        _refuse([f"{place.site_file}: chưa có [hub] url và key (hoặc --hub-url, --key / "
                 "QMS_HUB_KEY) — no hub to send to: add [hub] url and key, or pass --hub-url "
                 "and --key (docs/hub.md)"])
    logging.basicConfig(level=logging.INFO, format="%(asctime)s qms sync %(levelname)s %(message)s")
    campaign = {"eligible_citizens": link.eligible_citizens, "deadline": link.deadline} \
        if link else None
    agent = SyncAgent(open_store(place.store), site_obj, HubLink(hub_url, site_obj.id, key),
                      batch_size=batch_size, poll=poll, idle=idle, max_backoff=max_backoff,
                      campaign=campaign)
    click.echo(f"qms sync: site {site_obj.id} → {hub_url}", err=True)
    try:
        agent.run(until_caught_up=once)
    except KeyboardInterrupt:
        pass


@main.group("hub", invoke_without_command=True)
@click.option("--store", "store", envvar="QMS_HUB_STORE", required=True,
              help="The hub's PostgreSQL, e.g. postgresql://qms@127.0.0.1/qms_hub "
                   "(or env QMS_HUB_STORE).")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5100, show_default=True, type=int)
@click.option("--message-queue", default=None,
              help="redis://… when several hub processes serve one hub.")
@click.option("--channel", default="qms-hub", show_default=True,
              help="Redis channel of this hub (hubs sharing one Redis need their own).")
@click.option("--reuse-port", is_flag=True,
              help="Share --port with other hub processes (SO_REUSEPORT): the kernel spreads "
                   "connections over them (docs/hub.md).")
@click.option("--max-connections", default=4096, show_default=True,
              type=click.IntRange(64, 65536))
@click.option("--async-commit", is_flag=True,
              help="Do not wait for PostgreSQL's WAL flush at each batch (faster; a database "
                   "crash takes back the last moments, which the sites send again: docs/hub.md).")
@click.pass_context
def hub(ctx, store, host, port, message_queue, channel, reuse_port, max_connections,
        async_commit):
    """The provincial hub: `qms hub --store URL` serves it; its commands manage sites and users."""
    ctx.obj = {"store": store}
    if ctx.invoked_subcommand is not None:
        return
    from .hub.serve import serve_hub
    serve_hub(store, host, port, message_queue, channel, reuse_port, max_connections,
              async_commit)


def _hub_store(ctx):
    from .hub.store import HubStore
    return HubStore(ctx.obj["store"])


@hub.command("add-site")
@click.argument("site_id")
@click.option("--name", required=True, help="The site's name, e.g. 'Công an phường Bến Nghé'.")
@click.option("--district", default="", help="District (huyện/quận) for the dashboard's filter.")
@click.option("--eligible-citizens", type=click.IntRange(0, 100_000_000), default=None,
              help="Campaign target: citizens to serve.")
@click.option("--deadline", default=None, help="Campaign deadline, YYYY-MM-DD.")
@click.pass_context
def hub_add_site(ctx, site_id, name, district, eligible_citizens, deadline):
    """Register SITE_ID and print its key once (the hub keeps only a hash)."""
    import re
    import time
    from sqlalchemy.exc import IntegrityError
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,32}", site_id):
        raise click.UsageError("SITE_ID: the [site] id of the site file (letters, digits, - _)")
    if deadline and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", deadline):
        raise click.UsageError("--deadline: YYYY-MM-DD")
    store = _hub_store(ctx)
    try:
        key = store.add_site(site_id, name, district, time.time(), eligible_citizens, deadline)
    except IntegrityError:
        _refuse([f"{site_id}: điểm cấp đã có; cấp khóa mới: qms hub rotate-key {site_id} — "
                 f"already registered; for a new key: qms hub rotate-key {site_id}"])
    click.echo(key)
    click.echo(f"Khóa của {site_id}: đặt vào [hub] key của tệp điểm cấp; chỉ hiện một lần — "
               "put it in the site file's [hub] key; shown once.", err=True)


@hub.command("rotate-key")
@click.argument("site_id")
@click.pass_context
def hub_rotate_key(ctx, site_id):
    """Give SITE_ID a new key (the old one stops working at once); prints it once."""
    from .hub.store import UnknownSite
    try:
        click.echo(_hub_store(ctx).rotate_key(site_id))
    except UnknownSite:
        _refuse([f"{site_id}: không có điểm cấp này — no such site"])


@hub.command("rotate-booking-key")
@click.pass_context
def hub_rotate_booking_key(ctx):
    """Make a new booking HMAC key: new bookings are hashed with it; older ones keep theirs
    until they end (docs/hub.md, "Rotating the booking key")."""
    from .hub.booking_store import BookingStore
    key_id, older = BookingStore(_hub_store(ctx)).rotate()
    click.echo(f"Khóa đặt lịch mới: số {key_id} — new booking key: {key_id}")
    for old_id, uses in sorted(older.items()):
        click.echo(f"Khóa {old_id} giữ đến khi hết {uses} lịch hẹn còn dùng nó — key {old_id} "
                   f"kept until its {uses} booking(s) in use end")


@hub.command("set-target")
@click.argument("site_id")
@click.option("--eligible-citizens", type=click.IntRange(0, 100_000_000), default=None)
@click.option("--deadline", default=None, help="YYYY-MM-DD")
@click.option("--name", default=None)
@click.option("--district", default=None)
@click.pass_context
def hub_set_target(ctx, site_id, eligible_citizens, deadline, name, district):
    """Change a site's campaign target, deadline, name or district."""
    import re
    if deadline and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", deadline):
        raise click.UsageError("--deadline: YYYY-MM-DD")
    values = {k: v for k, v in (("eligible_citizens", eligible_citizens), ("deadline", deadline),
                                ("name", name), ("district", district)) if v is not None}
    if not _hub_store(ctx).update_site(site_id, **values):
        _refuse([f"{site_id}: không có điểm cấp này — no such site"])
    click.echo(f"{site_id}: đã lưu — saved")


@hub.command("sites")
@click.pass_context
def hub_sites(ctx):
    """Every registered site: id, district, acknowledged seq, last seen."""
    import datetime
    for row in _hub_store(ctx).sites():
        seen = datetime.datetime.fromtimestamp(row["last_seen_at"]).isoformat(" ", "seconds") \
            if row["last_seen_at"] else "-"
        click.echo(f"{row['site_id']:<24} {row['district']:<20} seq {row['last_seq']:<8} "
                   f"{seen}  {row['name']}")


@hub.command("add-user")
@click.argument("username")
@click.option("--name", default=None, help="Name shown on the dashboard.")
@click.password_option()
@click.pass_context
def hub_add_user(ctx, username, name, password):
    """Create (or reset) a hub user who may watch the dashboard and read the reports."""
    from .hub.viewers import create_user
    try:
        create_user(_hub_store(ctx), username, password, name)
    except ValueError as exc:
        raise click.UsageError(str(exc))
    click.echo(f"Hub user {username} saved.")


@hub.command("report")
@report_period_options
@click.option("--province", envvar="QMS_HUB_PROVINCE_NAME", default=None,
              help="The province police's name for the heading (or env QMS_HUB_PROVINCE_NAME).")
@click.option("--unit-line", "unit_lines", multiple=True,
              help="A line of the unit's heading, top left (repeat; default: BỘ CÔNG AN and "
                   "the province's name in capitals).")
@click.option("--place", envvar="QMS_HUB_PROVINCE_PLACE", default="",
              help="The place written before the date, e.g. 'Đồng Tháp'.")
@click.pass_context
def hub_report(ctx, day, kind, first, last, fmt, output, province, unit_lines, place):
    """The province report: every site's figures, the province's sums by district, service and
    day, and campaign progress per site (docs/hub.md)."""
    import datetime
    from . import clock
    from .engine import Refused
    from .engine.hours import business_day
    from .hub.province import Province, build_province_document, hub_sites
    from .reports import period_of
    from .reports.writers import write
    if (first is None) != (last is None):
        raise click.UsageError("--from and --to go together.")
    heading = Province(name=province or Province.name, unit_lines=tuple(unit_lines), place=place)
    today = business_day(heading, clock.now())
    try:
        if first is not None:
            period = period_of(kind="range", first=first, last=last)
        else:
            period = period_of(day or today, kind or "day")
    except Refused as exc:
        raise click.UsageError(f"{exc.message_vi} ({exc.message_en})")
    store = _hub_store(ctx)
    doc = build_province_document(store, hub_sites(store), period,
                                  datetime.date.fromisoformat(today), heading)
    data, _, ext = write(doc, fmt)
    if output is None and fmt == "xlsx":
        output = f"bao-cao-tinh-{period.slug}.xlsx"
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    with open(output, "wb") as fh:
        fh.write(data)
    click.echo(f"Đã ghi báo cáo {period.label_vi} vào {output} (report written).", err=True)


@main.command("kiosk-agent")
@click.option("--server", "server_url", required=True, help="Site server URL, e.g. http://10.0.0.2:5000")
@click.option("--token", required=True, envvar="QMS_DEVICE_TOKEN",
              help="Device token from `qms add-device KIOSK` (or env QMS_DEVICE_TOKEN).")
@click.option("--printer", required=True,
              help="Printer URL: tcp://HOST:9100, serial:///dev/ttyUSB0?baud=19200, usb://VID:PID, "
                   "file:///dev/usb/lp0, cups://QUEUE, virtual://")
@click.option("--paper", type=click.Choice(["58mm", "80mm"]), default="80mm", show_default=True)
@click.option("--mode", type=click.Choice(["raster", "text", "ascii"]), default="raster",
              show_default=True, help="raster works on any printer; text needs a Vietnamese code page.")
@click.option("--profile", default=None, help="Printer model profile (default epson-tm-t82).")
@click.option("--journal", default=None, type=click.Path(dir_okay=False),
              help="Print journal file (default ~/.local/state/qms/print-journal.jsonl).")
@click.option("--status-interval", default=5.0, show_default=True, type=float,
              help="Seconds between printer status checks.")
@click.option("--heartbeat", default=5.0, show_default=True, type=float,
              help="Seconds between heartbeats (the server's QMS_AGENT_TIMEOUT must be longer).")
def kiosk_agent(server_url, token, printer, paper, mode, profile, journal, status_interval,
                heartbeat):
    """Run the kiosk print agent: print this kiosk's tickets, at most once each."""
    from kiosk.agent import run_agent
    sys.exit(run_agent(server_url, token, printer, paper=paper, mode=mode, profile=profile,
                       journal=journal, status_interval=status_interval,
                       heartbeat_interval=heartbeat))


if __name__ == "__main__":
    main()
