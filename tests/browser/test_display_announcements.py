"""The display's announcements: the WAV route, the play queue, and no re-announcement after a
reconnect."""
import io
import os
import struct
import wave

import pytest
import requests

from browser_helpers import DISPLAY_SIZE, open_display, play_fast
from support.inprocess import InProcessSite
from support.server_process import Officer, ServerProcess, take_ticket

SOUND_ON = "localStorage.setItem('qms.display.sound', '1');"


# -- the route (no browser needed) ------------------------------------------------------
def test_announcement_route_returns_a_wav(site):
    answer = requests.get(site.url + "/display/announcement.wav",
                          params={"number": "A025", "counter": "3"}, timeout=60)
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "audio/wav"
    body = answer.content
    assert body[:4] == b"RIFF" and body[8:12] == b"WAVE"
    with wave.open(io.BytesIO(body)) as wav:
        assert wav.getnframes() / wav.getframerate() > 1.0  # at least the chime
    assert answer.headers["X-Announcement-Source"] in ("clips", "espeak", "chime")
    again = requests.get(site.url + "/display/announcement.wav",
                         params={"number": "A025", "counter": "3"}, timeout=60)
    assert again.content == body  # cached: the same file


@pytest.mark.parametrize("params", [
    {"number": "a025", "counter": "3"},
    {"number": "A025", "counter": "0"},
    {"number": "A025"},
    {"number": "A025\n", "counter": "3"},
    {"number": "../etc/passwd", "counter": "3"},
    {"number": "A025", "counter": "3", "form": "long"},
    {"number": "A025", "counter": "3", "chime": "yes"},
    {},
])
def test_announcement_route_refuses_bad_input(site, params):
    answer = requests.get(site.url + "/display/announcement.wav", params=params, timeout=10)
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["code"] == "bad_announcement" and error["message"]


def _clip(path, value, frames=800, rate=16000):
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(struct.pack("<h", value) * frames)


def _runs(body):
    with wave.open(io.BytesIO(body)) as wav:
        frames = wav.readframes(wav.getnframes())
    samples = struct.unpack(f"<{len(frames) // 2}h", frames)
    runs = []
    for s in samples:
        if not runs or runs[-1] != s:
            runs.append(s)
    return runs


def test_announcement_route_uses_the_sites_clips_in_order(tmp_path, monkeypatch):
    """Clips folder and number reading come from the app config (QMS_* environment). The app
    in this process: what is read from the environment and the WAV it answers are the point,
    not the server process (the module's `site` is a real one)."""
    from display.announce import site_clip_names
    clips = tmp_path / "clips"
    clips.mkdir()
    names = ["chime"] + site_clip_names("words", counters=range(1, 6))
    value_of = {name: 100 + 10 * i for i, name in enumerate(names)}
    for name, value in value_of.items():
        _clip(clips / f"{name}.wav", value)
    monkeypatch.setenv("QMS_ANNOUNCEMENT_CLIPS_DIR", str(clips))
    monkeypatch.setenv("QMS_NUMBER_READING", "words")
    with InProcessSite(tmp_path / "instance") as app_site:
        answer = app_site.get("/display/announcement.wav",
                              params={"number": "A025", "counter": "3"}, timeout=30)
    assert answer.status_code == 200
    assert answer.headers["X-Announcement-Source"] == "clips"
    expected = ["chime", "moi_cong_dan_co_so_thu_tu", "letter_a", "digit_2", "word_muoi_20",
                "word_lam", "den_quay_so", "number_3"]
    assert _runs(answer.content) == [value_of[n] for n in expected]
    assert os.listdir(tmp_path / "instance" / "announcements")  # cached in the instance folder


# -- in the browser ---------------------------------------------------------------------
@pytest.mark.browser
def test_calls_are_announced_one_after_another(site, new_page):
    for _ in range(2):
        take_ticket(site.url, "VEHICLE")
    officer = Officer(site.url)
    officer.post("/api/counters/5/open")
    page = new_page(DISPLAY_SIZE)
    page.add_init_script(SOUND_ON)
    page.goto(site.url + "/display?counters=5")
    page.wait_for_function("window.__snapshots >= 1")
    assert page.is_hidden("#sound")  # remembered: no button to press
    first = officer.post("/api/counters/5/call-next").json()["ticket"]
    assert officer.post(f"/api/tickets/{first['id']}/recall").status_code == 200
    page.wait_for_function("window.__announced.length === 2")
    play_fast(page)
    page.wait_for_function("window.__playLog.length === 2 && window.__playLog[1].end !== null",
                           timeout=60_000)
    log = page.evaluate("window.__playLog")
    assert [e["number"] for e in log] == [first["number"], first["number"]]
    assert log[0]["end"] <= log[1]["start"]  # never overlapping
    assert page.evaluate("window.__played") == page.evaluate("window.__announced")


@pytest.mark.browser
def test_display_filters_by_services_and_counters(site, new_page):
    page = open_display(new_page, site.url, "?services=VNEID,PICKUP,bogus&counters=3,4,99")
    state = page.evaluate("window.__displayState")
    assert [s["code"] for s in state["services"]] == ["VNEID", "PICKUP"]
    assert [c["number"] for c in state["counters"]] == [3, 4]
    assert page.locator("#counters .tile").count() == 2
    assert page.locator("#services li").count() == 2


@pytest.mark.browser
def test_sound_button_is_remembered(site, new_page):
    page = open_display(new_page, site.url)
    assert page.is_visible("#sound")
    page.click("#sound")
    assert page.is_hidden("#sound")
    assert page.evaluate("localStorage.getItem('qms.display.sound')") == "1"
    page.reload()
    page.wait_for_function("window.__snapshots >= 1")
    assert page.is_hidden("#sound")


@pytest.mark.browser
def test_reconnect_does_not_announce_old_calls(tmp_path, new_page, artifacts):
    instance = tmp_path / "instance"
    server = ServerProcess(instance).start()
    try:
        for _ in range(3):
            take_ticket(server.url, "CCCD")
        officer = Officer(server.url)
        officer.post("/api/counters/1/open")
        first = officer.post("/api/counters/1/call-next").json()["ticket"]

        page = new_page(DISPLAY_SIZE)
        page.add_init_script(SOUND_ON)
        page.goto(server.url + "/display")
        page.wait_for_function("window.__snapshots >= 1")
        # The first snapshot shows the last call without announcing it.
        assert page.inner_text("#hero-number") == first["number"]
        assert page.evaluate("window.__announced") == []
        assert "flash" not in page.get_attribute("#hero", "class")

        officer.post(f"/api/tickets/{first['id']}/complete", {"outcome": "accepted"})
        second = officer.post("/api/counters/1/call-next").json()
        page.wait_for_function("window.__announced.length === 1")
        assert page.evaluate("window.__announced") == [second["seq"]]
        play_fast(page)
        page.wait_for_function("window.__playLog.length === 1 && window.__playLog[0].end !== null",
                               timeout=60_000)

        # The server goes away: a discreet mark, then it comes back on the same port.
        port = server.port
        server.stop()
        page.wait_for_selector("#conn:not([hidden])", timeout=15_000)
        assert "kết nối lại" in page.inner_text("#conn")
        page.screenshot(path=os.path.join(artifacts, "display-reconnecting.png"))
        snapshots = page.evaluate("window.__snapshots")
        server = ServerProcess(instance, port=port).start()
        page.wait_for_function(f"window.__snapshots > {snapshots}", timeout=30_000)
        page.wait_for_selector("#conn", state="hidden")

        # Caught up from a fresh snapshot: the old calls are shown, not announced again (the
        # page decides what to announce as it applies a snapshot; an old call announced by a
        # later push would also stand before the recall below).
        assert page.evaluate("window.__announced") == [second["seq"]]
        assert page.evaluate("window.__playLog.length") == 1
        assert page.inner_text("#hero-number") == second["ticket"]["number"]

        # A recall after the reconnect is new: announced once more.
        officer = Officer(server.url)
        recall = officer.post(f"/api/tickets/{second['ticket']['id']}/recall").json()
        page.wait_for_function("window.__announced.length === 2")
        assert page.evaluate("window.__announced") == [second["seq"], recall["seq"]]
        assert page.is_visible("#hero-recall")
    finally:
        server.stop()
