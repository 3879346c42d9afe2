"""`qms hub`: one hub process under eventlet (several may share a port with --reuse-port)."""
import sys

import click


def serve_hub(store, host, port, message_queue, channel, reuse_port, max_connections,
              async_commit=False):
    # Patch first: nothing of Flask, sockets or the database driver may be imported before.
    import eventlet
    eventlet.monkey_patch()
    import os
    import socket
    # psycopg waits on its socket in C (poll), which eventlet cannot make green: one query
    # would hold every connection of the process. With select.select (green once patched) a
    # query waits like any socket read, so one process works on many sites' batches at once.
    os.environ.setdefault("PSYCOPG_WAIT_FUNC", "wait_select")

    import eventlet.wsgi

    from ..cli import _raise_open_files, _refuse
    from ..deployment import mask_url
    from .app import create_hub_app
    if not store.startswith("postgresql"):
        _refuse([f"{mask_url(store)}: máy chủ tỉnh cần PostgreSQL — the hub needs a "
                 "postgresql:// store"])
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        listener = eventlet.listen((host, port), family, reuse_port=reuse_port)
    except OSError as exc:
        from ..deployment import port_in_use
        _refuse(port_in_use(host, port, exc).lines)
    app = create_hub_app(store, {"ASYNC_MODE": "eventlet", "MESSAGE_QUEUE": message_queue,
                                 "SOCKETIO_CHANNEL": channel, "ASYNC_COMMIT": async_commit})
    click.echo(f"Hub — store {mask_url(store)}; listening on http://{host}:{port}"
               + (" (shared port)" if reuse_port else ""))
    sys.stdout.flush()
    _raise_open_files(max_connections + 256)
    eventlet.wsgi.server(listener, app, log_output=False, max_size=max_connections,
                         socket_timeout=60)
