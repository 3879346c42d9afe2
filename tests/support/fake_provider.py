"""A local fake of a messaging provider's HTTP API (brand-name SMS, Zalo ZNS): a real HTTP
server on a free port that records every request and answers from a script, so tests send
real requests and no real message leaves the machine."""
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeProvider:
    """`answers`: a list of (status, body dict) served in turn, the last one repeated.
    `hold`: an Event the handler waits on before answering (a provider that hangs)."""

    def __init__(self, answers=((200, {"CodeResult": "100"}),), hold=None):
        self.answers = list(answers)
        self.hold = hold
        self.received = []
        self.arrived = threading.Event()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                fake.received.append({"path": self.path, "headers": dict(self.headers),
                                      "json": body})
                fake.arrived.set()
                if fake.hold is not None:
                    fake.hold.wait(30)
                index = min(len(fake.received), len(fake.answers)) - 1
                status, answer = fake.answers[index]
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/MainService.svc/json/SendMultipleMessage_V4_post_json/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def texts(self):
        return [r["json"].get("Content") for r in self.received]

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        if self.hold is not None:
            self.hold.set()
        self.server.shutdown()
        self.server.server_close()
