"""The wall display on patches (issue 15): after its snapshot a display gets each change as a
patch of the view before (server/view_patch.py, QMS.applyPatch); a push that never arrives
is a gap, and the display asks for a snapshot instead of applying the next patch.

Real parts only: the server subprocess, Debian's chromium, the display page's own socket.
Playwright's WebSocket routing sits between page and server to read the frames and to drop
one push on purpose (a real lost message, as a flaky Wi-Fi loses one). Next to the display,
the page holds a second socket that joins for whole views, as before patches: after every
change the patched state must equal that whole view, field for field.
"""
import json
import re

import pytest

from browser_helpers import DISPLAY_SIZE, free_counter
from support.server_process import ServerProcess, take_ticket

pytestmark = pytest.mark.browser

COUNTER = 2

WHOLE_VIEWS = """() => {
  const s = io({forceNew: true});
  window.__whole = null;
  s.on("connect", () => s.emit("join", {role: "display"}));
  s.on("state", v => { if (!window.__whole || v.seq >= window.__whole.seq) window.__whole = v; });
}"""


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with ServerProcess(tmp_path_factory.mktemp("instance")) as proc:
        yield proc


class Wire:
    """The display's WebSocket, routed: every frame seen, the pushes of one change dropped on
    request (a change can come as two patches: its call, then its waits)."""

    def __init__(self):
        self.from_server, self.from_page, self.dropped = [], [], []
        self.drop_next_push = False
        self.dropping = None  # the seq whose patches are lost

    def route(self, ws):
        server = ws.connect_to_server()

        def to_page(message):
            if isinstance(message, str) and message.startswith('42["state"'):
                self.from_server.append(message)
                if '"patch"' in message:
                    seq = json.loads(message[2:])[1]["seq"]
                    if self.drop_next_push:
                        self.drop_next_push, self.dropping = False, seq
                    if seq == self.dropping:
                        self.dropped.append(message)
                        return
            ws.send(message)

        def to_server(message):
            self.from_page.append(message)
            server.send(message)

        server.on_message(to_page)
        ws.on_message(to_server)

    def pushes(self):
        return [json.loads(m[2:])[1] for m in self.from_server]


def wait_seq(page, seq):
    page.wait_for_function(f"window.__displayState && window.__displayState.seq >= {seq} && "
                           f"window.__whole && window.__whole.seq >= {seq}")


def same_as_whole(page, seq):
    wait_seq(page, seq)
    shown, whole = page.evaluate("[window.__displayState, window.__whole]")
    assert shown["seq"] == whole["seq"] == seq
    assert shown == whole


def test_patches_then_a_gap_then_a_snapshot(site, new_page, artifacts):
    officer = free_counter(site.url, COUNTER)
    for _ in range(3):
        assert take_ticket(site.url, "CCCD").status_code == 201
    wire = Wire()
    page = new_page(DISPLAY_SIZE)
    page.route_web_socket(re.compile(r".*/socket\.io/.*"), wire.route)
    page.goto(site.url + "/display")
    page.wait_for_function("window.__snapshots >= 1")
    page.evaluate(WHOLE_VIEWS)
    # Pushes go over the WebSocket once the page has upgraded to it (polling comes first).
    page.wait_for_function("window.__displaySocket.io.engine.transport.name === 'websocket' "
                           "&& window.__whole !== null")

    # 1. A call: the first push after the joins is whole, later ones are patches.
    first = officer.post(f"/api/counters/{COUNTER}/call-next").json()
    same_as_whole(page, first["seq"])
    done = officer.post(f"/api/tickets/{first['ticket']['id']}/complete", {"outcome": "accepted"})
    same_as_whole(page, done.json()["seq"])
    second = officer.post(f"/api/counters/{COUNTER}/call-next").json()
    same_as_whole(page, second["seq"])
    assert page.inner_text("#hero-number") == second["ticket"]["number"]
    # (the whole-view socket's pushes pass the same route: the display's are the patches)
    index, patch = next((i, p) for i, p in enumerate(wire.pushes())
                        if p["seq"] == second["seq"] and "patch" in p)
    assert patch["base"] == done.json()["seq"]
    raw = wire.from_server[index]
    whole = json.dumps(["state", page.evaluate("window.__whole")], ensure_ascii=False,
                       separators=(",", ":"))
    assert "description_vi" not in raw and "name_vi" not in raw  # static parts: once, at join
    assert len(raw.encode()) < len(whole.encode()) / 2, (len(raw), len(whole))
    assert page.evaluate("window.__whole.recent_calls[0].seq") in page.evaluate("window.__announced")

    # 2. One push lost: the display holds the older view until the next push shows the gap.
    wire.drop_next_push = True
    lost = officer.post(f"/api/tickets/{second['ticket']['id']}/complete", {"outcome": "accepted"})
    page.wait_for_function("window.__whole.seq >= %d" % lost.json()["seq"])
    assert wire.dropped and wire.dropping == lost.json()["seq"]
    assert page.evaluate("window.__displayState.seq") == second["seq"]
    snapshots_asked = sum('"snapshot"' in m for m in wire.from_page)

    # 3. The next call's patch names the lost push as its base: the page asks for a snapshot
    #    (once) and shows the right state, the new call on top, announced as new.
    third = officer.post(f"/api/counters/{COUNTER}/call-next").json()
    same_as_whole(page, third["seq"])
    assert sum('"snapshot"' in m for m in wire.from_page) == snapshots_asked + 1
    assert page.inner_text("#hero-number") == third["ticket"]["number"]
    tile = page.inner_text(f"#counters .tile[data-counter='{COUNTER}']")
    assert third["ticket"]["number"] in tile and second["ticket"]["number"] not in tile
    chips = page.eval_on_selector_all("#recent li.chip", "els => els.map(e => +e.dataset.seq)")
    assert chips == [c["seq"] for c in page.evaluate("window.__whole.recent_calls")][:len(chips)]
    assert chips[0] > second["seq"]
    assert chips[0] in page.evaluate("window.__announced")

    # 4. Patches apply again after the snapshot.
    after = officer.post(f"/api/tickets/{third['ticket']['id']}/complete", {"outcome": "accepted"})
    same_as_whole(page, after.json()["seq"])
    last = next(p for p in wire.pushes() if p["seq"] == after.json()["seq"] and "patch" in p)
    assert last["base"] == third["seq"]
    assert sum('"snapshot"' in m for m in wire.from_page) == snapshots_asked + 1
    assert page.console_errors == []
    page.screenshot(path=f"{artifacts}/display-after-gap.png")
