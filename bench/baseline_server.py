"""The baseline: a bare python-socketio server on eventlet that broadcasts on request.

    python bench/baseline_server.py --port P --payload-bytes B [--max-size 4096]

`join` puts a client in the `display` room and answers with a `state` push; POST /emit
broadcasts one `state` push to the room ({"seq": n, "pad": "..."}, padded so the Socket.IO
packet weighs B bytes, the size of our server's display push) and answers {"seq": n}.
No database, no views, no Flask: the floor that the real server is compared with.
"""
import argparse
import json
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--payload-bytes", type=int, default=1500)
    ap.add_argument("--max-size", type=int, default=1024,
                    help="eventlet.wsgi max_size: concurrent connections (default 1024)")
    args = ap.parse_args()

    import warnings
    warnings.filterwarnings("ignore", message=".*Eventlet is deprecated.*")
    import eventlet
    eventlet.monkey_patch()
    import eventlet.wsgi
    import socketio

    sio = socketio.Server(async_mode="eventlet", cors_allowed_origins=None)
    counter = {"seq": 0}
    overhead = len('42["state",{"seq":0,"pad":""}]')

    def payload(seq):
        pad = max(0, args.payload_bytes - overhead - len(str(seq)))
        return {"seq": seq, "pad": "x" * pad}

    @sio.on("join")
    def join(sid, data):
        sio.enter_room(sid, "display")
        sio.emit("state", payload(counter["seq"]), to=sid)
        return {"ok": True}

    def http(environ, start_response):
        if environ["PATH_INFO"] == "/emit" and environ["REQUEST_METHOD"] == "POST":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            if length:
                environ["wsgi.input"].read(length)
            counter["seq"] += 1
            seq = counter["seq"]
            sio.emit("state", payload(seq), to="display")
            body = json.dumps({"seq": seq}).encode()
        elif environ["PATH_INFO"] == "/healthz":
            body = b'{"ok": true}'
        else:
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not found"]
        start_response("200 OK", [("Content-Type", "application/json"),
                                  ("Content-Length", str(len(body)))])
        return [body]

    app = socketio.WSGIApp(sio, http)
    sock = eventlet.listen(("127.0.0.1", args.port))
    print(f"baseline listening on {args.port}", flush=True)
    eventlet.wsgi.server(sock, app, log_output=False, max_size=args.max_size)


if __name__ == "__main__":
    sys.exit(main())
