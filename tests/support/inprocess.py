"""A site server in the test process: the real app (store, runtime, HTTP API, Socket.IO), with
no subprocess and no socket.

`InProcessSite` builds the app in threading mode on its own instance folder, seeds the demo
officers and opens today like `qms serve --demo`. Its `http` is a requests Session whose
transport is Flask's test client, so a test written against a real server (requests calls,
`Officer`, `take_ticket`) runs unchanged against `site.url`; `socket()` is flask_socketio's
test client. Crash, browser and fault tests keep the subprocess server (server_process.py).
"""
import http.client
import os
import queue
import shutil
import tempfile
import time
from urllib.parse import urlsplit

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

import itertools

_numbers = itertools.count(1)
_SITES = {}  # url -> InProcessSite, so helpers given a base URL find their app


def session(base_url):
    """A requests Session for `base_url`: served in process for an InProcessSite's URL,
    over the network for a real server."""
    for url, site in _SITES.items():
        if base_url.startswith(url):
            return site.http
    return requests.Session()


def get(url, **kw):
    with session(url) as s:
        return s.get(url, **kw)


def post(url, **kw):
    with session(url) as s:
        return s.post(url, **kw)


class _Raw:
    """What requests reads cookies from: the headers as an http.client message."""

    def __init__(self, headers):
        self._original_response = self
        self.msg = http.client.HTTPMessage()
        for name, value in headers:
            self.msg[name] = value

    def release_conn(self):
        pass


class FlaskTransport(BaseAdapter):
    """requests -> Flask's test client -> requests.Response, cookies and all."""

    def __init__(self, app, remote_addr="127.0.0.1"):
        super().__init__()
        self.app = app
        self.remote_addr = remote_addr

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        url = urlsplit(request.url)
        body = request.body
        if isinstance(body, str):
            body = body.encode()
        client = self.app.test_client(use_cookies=False)
        answer = client.open(url.path, query_string=url.query, method=request.method,
                             headers=list(request.headers.items()), data=body or b"",
                             environ_base={"REMOTE_ADDR": self.remote_addr})
        response = requests.Response()
        response.status_code = answer.status_code
        response.reason = answer.status.split(" ", 1)[-1]
        response.headers = CaseInsensitiveDict(answer.headers)
        response._content = answer.get_data()
        response.encoding = answer.mimetype_params.get("charset", "utf-8")
        response.url = request.url
        response.request = request
        response.raw = _Raw(answer.headers.items())
        response.connection = self
        requests.cookies.extract_cookies_to_jar(response.cookies, request, response.raw)
        answer.close()
        return response

    def close(self):
        pass


_template = {}


def _demo_store():
    """A store with the demo officers and nothing else, made once and copied per site."""
    if "path" not in _template:
        from server.app import create_app
        from server.cli import DEMO_OFFICERS, DEMO_PASSWORD_HASHES
        folder = tempfile.mkdtemp(prefix="qms-demo-store-")
        app = create_app({"ASYNC_MODE": "threading", "TESTING": True}, instance_path=folder)
        runtime = app.extensions["qms.runtime"]
        for username, _password, name, role in DEMO_OFFICERS:  # the published hashes
            runtime.store.add_officer(runtime.site.id, username, DEMO_PASSWORD_HASHES[username],
                                      name, role)
        runtime.store.close()
        _template["path"] = os.path.join(folder, "qms.sqlite3")
        _template["site_id"] = runtime.site.id
    return _template["path"]


def _copy_demo_officers(runtime):
    """The template's demo officers for a site of another id (officers belong to a site)."""
    from server.cli import DEMO_OFFICERS
    for username, *_ in DEMO_OFFICERS:
        found = runtime.store.officer(_template["site_id"], username)
        if found and runtime.store.officer(runtime.site.id, username) is None:
            runtime.store.add_officer(runtime.site.id, username, found["password_hash"],
                                      found["display_name"], found["role"], demo=found["demo"])


class InProcessSite:
    def __init__(self, instance, site=None, demo=True, config=None):
        self.url = f"http://site-{next(_numbers)}.test"
        self.instance = str(instance)
        self.site_file = site
        self.demo = demo
        self.config = dict(config or {})
        self.app = None
        self.start()

    def start(self):
        """Build the app on the instance folder: a restart reads everything from the store."""
        from server.app import create_app
        config = {"ASYNC_MODE": "threading", "TESTING": True, **self.config}
        if self.site_file:
            config["SITE_FILE"] = str(self.site_file)
        os.makedirs(self.instance, exist_ok=True)
        store = os.path.join(self.instance, "qms.sqlite3")
        if self.demo and "STORE_URL" not in config and not os.path.exists(store):
            # A store with the demo officers, its revisions run once per test run: copied.
            shutil.copyfile(_demo_store(), store)
        self.app = create_app(config, instance_path=self.instance)
        _SITES[self.url] = self
        if self.demo:
            from server.cli import _seed_demo
            if "site_id" in _template:
                _copy_demo_officers(self.runtime)
            _seed_demo(self.app)
        return self

    def stop(self):
        if self.app is not None:
            self.runtime.store.close()
            _SITES.pop(self.url, None)
            self.app = None

    def restart(self):
        self.stop()
        return self.start()

    @property
    def runtime(self):
        return self.app.extensions["qms.runtime"]

    @property
    def http(self):
        """A fresh requests Session (its own cookies) served by this app."""
        session = requests.Session()
        session.mount(self.url, FlaskTransport(self.app))
        return session

    def get(self, path, **kw):
        return self.http.get(self.url + path, **kw)

    def post(self, path, **kw):
        return self.http.post(self.url + path, **kw)

    def socket(self, http_client=None, auth=None):
        """A Socket.IO client of this app (flask_socketio's test client); pass an officer's
        Flask test client to share its sign-in."""
        return self.app.extensions["socketio"].test_client(
            self.app, flask_test_client=http_client, auth=auth)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


class _Pushes:
    """The `state` pushes a test Socket.IO client got, read like a queue.Queue."""

    def __init__(self, listener):
        self.listener = listener
        self.items = []

    def get(self, timeout=10):
        deadline = time.monotonic() + timeout
        while True:
            self.listener.drain()
            if self.items:
                return self.items.pop(0)
            if time.monotonic() > deadline:
                raise queue.Empty
            time.sleep(0.01)  # a push from another thread (a request served meanwhile)


class SocketListener:
    """A Socket.IO client of an InProcessSite (flask_socketio's test client) with the face of
    the network listener of tests/integration: `join_answer`, `states.get()`, `wait_for()`,
    `seqs`, `client.call()`. With `officer`, it carries the officer's signed-in session."""

    def __init__(self, site, join, officer=None):
        flask_client = site.app.test_client()
        for cookie in (officer.http.cookies if officer else ()):
            flask_client.set_cookie(cookie.name, cookie.value)
        self.sio = site.socket(flask_client)
        self.client = self
        self.seqs = []
        self.states = _Pushes(self)
        self.join_answer = self.call("join", join)

    def drain(self):
        for packet in self.sio.get_received():
            if packet["name"] == "state":
                self.seqs.append(packet["args"][0]["seq"])
                self.states.items.append(packet["args"][0])

    def call(self, event, data=None, timeout=None):
        answer = self.sio.emit(event, data, callback=True)
        self.drain()
        return answer

    def wait_for(self, predicate, timeout=10):
        while True:
            state = self.states.get(timeout=timeout)
            if predicate(state):
                return state

    def close(self):
        self.drain()
        if self.sio.is_connected():
            self.sio.disconnect()


class CommandResult:
    """What a `qms` command run in this process did, as subprocess.run reports it."""

    def __init__(self, result):
        self.returncode = result.exit_code
        self.stdout = result.stdout
        self.stderr = result.stderr
        self.exception = result.exception if not isinstance(result.exception, SystemExit) \
            else None


def qms(*args, input=None, env=None):
    """A `qms` command (server/cli.py) run in this process by click's CliRunner: for tests of
    what a command does to a store, where its own process is not the point (an interpreter
    start and the imports cost ~1 CPU-s each). Not `serve` (it monkey-patches for eventlet)."""
    from click.testing import CliRunner

    from server.cli import main
    assert "serve" not in args[:1], "qms serve runs in its own process (ServerProcess)"
    result = CommandResult(CliRunner(env=env).invoke(main, [str(a) for a in args], input=input))
    if result.exception is not None:  # a crash, not a refusal: show its traceback
        raise result.exception
    return result
