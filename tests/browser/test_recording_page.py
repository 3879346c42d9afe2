"""The recording page in Chromium with a fake microphone (Chromium plays a WAV file as the
microphone): an admin records clips, the server keeps them trimmed and levelled, the page
shows the progress, and once the set is complete the wall display's announcement is made of
the recorded clips. Officers who are not admins get the page's refusal."""
import io
import math
import os
import shutil
import subprocess
import wave
from array import array

import pytest
import requests

from browser_helpers import sign_in_page
from support.browser import CHROMIUM, CHROMIUM_ARGS
from support.server_process import Officer, ServerProcess

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(shutil.which("sox") is None or shutil.which("espeak-ng") is None,
                                 reason="sox and espeak-ng are needed (tests/run.sh installs them)")]

SHOTS = "/tmp/shots/announce"
SIZES = {"1920x1080": {"width": 1920, "height": 1080}, "1366x768": {"width": 1366, "height": 768},
         "390x844": {"width": 390, "height": 844}}
TARGET_RMS_DB = -20.0


@pytest.fixture(scope="module")
def microphone_file(tmp_path_factory):
    """What the fake microphone hears, looped: 0.6 s of room silence, "năm" spoken quietly
    (about -30 dBFS), 0.6 s of silence. Shorter than a recording (2.6 s), so whenever the
    recording starts in the loop it holds the word at least once."""
    folder = tmp_path_factory.mktemp("mic")
    voice, out = folder / "voice.wav", folder / "mic.wav"
    subprocess.run(["espeak-ng", "-v", "vi", "-w", str(voice), "năm"], check=True)
    subprocess.run(["sox", str(voice), "-r", "48000", "-c", "1", "-b", "16", str(out),
                    "silence", "1", "0.02", "1%", "reverse", "silence", "1", "0.02", "1%", "reverse",
                    "vol", "0.12", "pad", "0.6", "0.6"], check=True)
    return out


@pytest.fixture(scope="module")
def mic_browser(chromium, microphone_file):
    """A second Chromium from the same Playwright driver, with the fake microphone."""
    browser = chromium.browser_type.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS + [
        "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
        f"--use-file-for-fake-audio-capture={microphone_file}"])
    yield browser
    browser.close()


@pytest.fixture(scope="module")
def recording_site(tmp_path_factory):
    with ServerProcess(tmp_path_factory.mktemp("instance")) as server:
        yield server


@pytest.fixture
def mic_page(mic_browser):
    contexts = []

    def make(viewport):
        context = mic_browser.new_context(viewport=viewport, locale="vi-VN",
                                          permissions=["microphone"])
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(20_000)
        page.console_errors = []
        page.on("pageerror", lambda exc: page.console_errors.append(str(exc)))
        return page
    yield make
    for context in contexts:
        context.close()


def level(data: bytes):
    """(first 30 ms, last 30 ms, whole) RMS in dBFS, and the length in seconds."""
    with wave.open(io.BytesIO(data)) as w:
        rate = w.getframerate()
        s = array("h", w.readframes(w.getnframes()))

    def db(v):
        rms = math.sqrt(sum(x * x for x in v) / max(1, len(v)))
        return 20 * math.log10(rms / 32768) if rms else float("-inf")
    n = round(rate * 0.03)
    return db(s[:n]), db(s[-n:]), db(s), len(s) / rate


def record(page, name, seconds=2.6):
    before = page.evaluate("window.__recording.uploads")
    page.click(f".clip[data-name='{name}'] button[data-action=record]")
    page.wait_for_selector(f".clip.recording-now[data-name='{name}']")
    page.wait_for_timeout(int(seconds * 1000))
    page.click(f".clip[data-name='{name}'] button[data-action=record]")
    page.wait_for_function(f"window.__recording.uploads > {before}", timeout=30_000)
    page.wait_for_selector(f".clip.done[data-name='{name}']")


def test_record_the_set_in_the_browser(recording_site, mic_page, artifacts):
    base = recording_site.url
    os.makedirs(SHOTS, exist_ok=True)
    page = sign_in_page(mic_page, base + "/admin/recording", "admin", "admin123", SIZES["1366x768"])
    page.wait_for_selector(".clip[data-name='den_quay_so']")
    total = page.evaluate("document.querySelectorAll('.clip').length")
    assert "Đã thu 0/" in page.inner_text("#progress-text")
    page.screenshot(path=os.path.join(SHOTS, "recording-empty-1366x768.png"))

    record(page, "digit_5")
    folder = os.path.join(recording_site.instance, "recorded_clips")
    stored = open(os.path.join(folder, "digit_5.wav"), "rb").read()
    head, tail, whole, seconds = level(stored)
    # 2.6 s were recorded (one or two words in it): the silence is gone from both ends...
    assert 0.15 < seconds < 2.3, seconds
    assert head > whole - 20 and tail > whole - 30, (head, tail, whole)
    # ...and the quiet voice (about -30 dBFS) is brought to the target level.
    assert abs(whole - TARGET_RMS_DB) < 2.0, whole
    assert "Đã thu 1/" in page.inner_text("#progress-text")
    # The page played it back from the server (what was kept) and moved on to the next clip.
    assert page.evaluate("window.__recording.last.name") == "digit_5"
    assert page.evaluate("document.querySelector('.clip.selected').dataset.name") != "digit_5"

    record(page, "den_quay_so")
    assert os.path.exists(os.path.join(folder, "den_quay_so.wav"))
    # Until the set is complete the display keeps the synthetic voice.
    params = {"number": "A025", "counter": "3"}
    early = requests.get(base + "/display/announcement.wav", params=params, timeout=60)
    assert early.headers["X-Announcement-Source"] != "clips"

    # The rest "recorded" (copies of a kept clip), all but one, which is recorded on the page.
    names = page.evaluate("Array.from(document.querySelectorAll('.clip')).map(e => e.dataset.name)")
    last = "number_3"
    for name in names:
        if name not in ("digit_5", "den_quay_so", last):
            shutil.copyfile(os.path.join(folder, "digit_5.wav"), os.path.join(folder, f"{name}.wav"))
    page.reload()
    page.wait_for_selector(f".clip.todo[data-name='{last}']")
    assert f"Đã thu {total - 1}/{total}" in page.inner_text("#progress-text")
    record(page, last)
    page.wait_for_selector("#active.on")
    assert f"Đã thu {total}/{total}" in page.inner_text("#progress-text")

    # The display's announcement is now assembled from the recorded clips.
    answer = requests.get(base + "/display/announcement.wav", params=params, timeout=60)
    assert answer.headers["X-Announcement-Source"] == "clips"
    assert answer.headers["X-Announcement-Clips"].split(",") == [
        "chime", "moi_cong_dan_co_so_thu_tu", "letter_a", "digit_0", "digit_2", "digit_5",
        "den_quay_so", "number_3"]
    with wave.open(io.BytesIO(answer.content)) as w:
        said = w.getnframes() / w.getframerate()
    with wave.open(os.path.join(folder, "number_3.wav")) as w:
        assert said > w.getnframes() / w.getframerate()

    for size, viewport in SIZES.items():
        page.set_viewport_size(viewport)
        page.wait_for_timeout(150)
        page.screenshot(path=os.path.join(SHOTS, f"recording-{size}.png"))
        page.screenshot(path=os.path.join(artifacts, f"recording-{size}.png"))
    assert page.console_errors == []


def test_recording_page_is_for_admins_only(recording_site, mic_page):
    base = recording_site.url
    page = sign_in_page(mic_page, base + "/admin/recording", "canbo", "canbo123", SIZES["1366x768"])
    page.wait_for_selector("p.error:has-text('quản trị viên')")
    assert page.query_selector(".clip") is None
    page.screenshot(path=os.path.join(SHOTS, "recording-refused-1366x768.png"))
    officer = Officer(base)
    assert officer.http.get(base + "/api/admin/recording", timeout=10).status_code == 403
