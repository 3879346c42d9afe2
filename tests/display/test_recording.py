"""The site's own voice: the recording API (admins only), sox trimming and levelling, the
recorded set switching the display's announcements over once complete."""
from __future__ import annotations

import io
import math
import os
import shutil
import subprocess
import wave
from array import array

import pytest

from display.announce import site_clip_names
from display.announce.recording import MAX_UPLOAD_BYTES, TARGET_RMS_DB
from support.inprocess import session
from support.server_process import Officer

pytestmark = pytest.mark.skipif(shutil.which("sox") is None,
                                reason="sox is not installed (tests/run.sh installs it)")


def sox_wav(path, *effects, seconds=0.6, rate=16000, volume=0.03):
    """A quiet 'word' (a gliding tone, -33 dBFS RMS) with 0.5 s of silence before and
    0.7 s after, as a headset left open before and after speaking would record it."""
    subprocess.run(["sox", "-n", "-r", str(rate), "-b", "16", "-c", "1", str(path), "synth",
                    str(seconds), "sine", "300-600", "vol", str(volume), "pad", "0.5", "0.7",
                    *effects],
                   check=True, capture_output=True)
    return path.read_bytes()


def samples_of(data: bytes):
    with wave.open(io.BytesIO(data)) as w:
        assert (w.getnchannels(), w.getsampwidth()) == (1, 2)
        rate = w.getframerate()
        s = array("h", w.readframes(w.getnframes()))
    return rate, s


def db(values) -> float:
    rms = math.sqrt(sum(v * v for v in values) / max(1, len(values)))
    return 20 * math.log10(rms / 32768) if rms else float("-inf")


def edge_levels(data: bytes, window=0.03):
    """RMS level (dBFS) of the first and last ``window`` seconds, and the whole clip's."""
    rate, s = samples_of(data)
    n = round(rate * window)
    return db(s[:n]), db(s[-n:]), db(s), len(s) / rate


def admin(site):
    return Officer(site.url, "admin", "admin123")


def put(who, site, name, data, content_type="audio/wav", csrf=True):
    headers = {"Content-Type": content_type}
    if csrf:
        headers["X-CSRF-Token"] = who.csrf
    return who.http.put(f"{site.url}/api/admin/recording/{name}", data=data, headers=headers,
                        timeout=30)


def recorded_folder(site):
    return os.path.join(site.instance, "recorded_clips")


def test_the_list_is_the_announcement_codes_list(site):
    """The page's clips are exactly what the announcer joins for this site: its reading,
    its counters, the letters of its services (nothing to keep in step by hand)."""
    who = admin(site)
    body = who.http.get(site.url + "/api/admin/recording", timeout=10).json()
    rt = site.app.extensions["qms.runtime"]
    expected = site_clip_names(rt.site.display.number_reading,
                               counters=[c.number for c in rt.site.counters],
                               letters="".join(s.letter for s in rt.site.services))
    assert [c["name"] for c in body["clips"]] == expected
    assert body["done"] == 0 and body["total"] == len(expected) and body["active"] is False
    words = {c["name"]: c["words"] for c in body["clips"]}
    assert words["den_quay_so"] == "đến quầy số" and words["digit_5"] == "năm"
    assert words["letter_b"] == "bê" and "letter_z" not in words  # only the site's letters


def test_an_upload_is_trimmed_and_levelled(site, tmp_path):
    who = admin(site)
    raw = sox_wav(tmp_path / "in.wav")
    head, tail, whole, seconds = edge_levels(raw)
    assert head < -80 and tail < -80 and seconds == pytest.approx(1.8, abs=0.01)
    answer = put(who, site, "digit_5", raw)
    assert answer.status_code == 200, answer.text
    clip = answer.json()["clip"]
    assert clip["name"] == "digit_5" and clip["recorded"] is True
    stored = open(os.path.join(recorded_folder(site), "digit_5.wav"), "rb").read()
    head, tail, whole, seconds = edge_levels(stored)
    # The 0.5 s and 0.7 s of silence are gone: the clip starts and ends in the sound.
    assert seconds == pytest.approx(0.6, abs=0.06)
    assert head > whole - 12 and tail > whole - 20
    # Levelled: the quiet recording (-33 dBFS) is brought to the target, not clipped.
    assert abs(whole - TARGET_RMS_DB) < 1.5
    assert max(abs(v) for v in samples_of(stored)[1]) < 32767
    assert samples_of(stored)[0] == 22050
    # What the page plays back is what was kept.
    back = who.http.get(f"{site.url}/api/admin/recording/digit_5.wav", timeout=10)
    assert back.status_code == 200 and back.content == stored


def test_loud_and_quiet_recordings_end_up_alike(site, tmp_path):
    who = admin(site)
    levels = []
    for name, volume in (("digit_1", 0.008), ("digit_2", 0.7)):  # -45 and -6 dBFS peaks
        data = sox_wav(tmp_path / f"{name}.wav", volume=volume)
        assert put(who, site, name, data).status_code == 200
        levels.append(edge_levels(open(os.path.join(recorded_folder(site), f"{name}.wav"), "rb").read())[2])
    assert abs(levels[0] - levels[1]) < 1.0


@pytest.mark.parametrize("case", ["type", "not_wav", "float_wav", "silence", "too_long", "empty"])
def test_bad_uploads_are_refused_and_change_nothing(site, tmp_path, case):
    who = admin(site)
    good = sox_wav(tmp_path / "good.wav")
    assert put(who, site, "digit_3", good).status_code == 200
    path = os.path.join(recorded_folder(site), "digit_3.wav")
    before = open(path, "rb").read()
    kind, data, status = "audio/wav", good, 422
    if case == "type":
        kind, status = "audio/webm", 415
    elif case == "not_wav":
        data = b"RIFF\x00\x00\x00\x00WAVEjunk" + b"\x00" * 100
    elif case == "float_wav":
        subprocess.run(["sox", str(tmp_path / "good.wav"), "-e", "floating-point", "-b", "32",
                        str(tmp_path / "f.wav")], check=True)
        data = (tmp_path / "f.wav").read_bytes()
    elif case == "silence":
        subprocess.run(["sox", "-n", "-r", "16000", "-b", "16", "-c", "1",
                        str(tmp_path / "s.wav"), "trim", "0", "2"], check=True)
        data = (tmp_path / "s.wav").read_bytes()
    elif case == "too_long":
        data = sox_wav(tmp_path / "long.wav", seconds=16)
    elif case == "empty":
        data = b""
    answer = put(who, site, "digit_3", data, content_type=kind)
    assert answer.status_code == status, answer.text
    error = answer.json()["error"]
    assert error["message"] and error["message_en"]
    assert open(path, "rb").read() == before
    assert sorted(os.listdir(recorded_folder(site))) == ["digit_3.wav"]  # no leftovers


def test_size_limit_and_unknown_clip(site, tmp_path):
    who = admin(site)
    big = b"RIFF" + b"\x00" * (MAX_UPLOAD_BYTES + 10)
    answer = put(who, site, "digit_4", big)
    assert answer.status_code == 413 and answer.json()["error"]["message"]
    answer = put(who, site, "letter_z", sox_wav(tmp_path / "a.wav"))  # the demo has no Z service
    assert answer.status_code == 404
    answer = put(who, site, "..%2Fqms", sox_wav(tmp_path / "a.wav"))
    assert answer.status_code == 404
    assert not os.path.exists(recorded_folder(site)) or os.listdir(recorded_folder(site)) == []


def test_only_admins_record(site, tmp_path):
    data = sox_wav(tmp_path / "a.wav")
    officer = Officer(site.url)  # canbo, an officer
    assert officer.http.get(site.url + "/api/admin/recording", timeout=10).status_code == 403
    assert put(officer, site, "digit_0", data).status_code == 403
    assert officer.http.get(site.url + "/admin/recording", timeout=10).status_code == 403
    citizen = session(site.url)  # the site's HTTP session, its cookies dropped: signed out
    citizen.cookies.clear()
    assert citizen.get(site.url + "/api/admin/recording", timeout=10).status_code == 401
    assert citizen.put(site.url + "/api/admin/recording/digit_0", data=data,
                       headers={"Content-Type": "audio/wav"}, timeout=10).status_code == 401
    page = citizen.get(site.url + "/admin/recording", timeout=10)
    assert page.status_code == 401 and 'id="signin"' in page.text
    who = admin(site)
    assert put(who, site, "digit_0", data, csrf=False).status_code == 403  # no CSRF token
    assert not os.path.exists(os.path.join(recorded_folder(site), "digit_0.wav"))


def test_display_switches_when_the_set_is_complete(site, tmp_path):
    """Until every clip is recorded the display keeps espeak-ng (or the chime), even for a call
    whose own clips exist; the last upload switches it to the recorded voice."""
    who = admin(site)
    names = [c["name"] for c in who.http.get(site.url + "/api/admin/recording", timeout=10).json()["clips"]]
    first = put(who, site, names[0], sox_wav(tmp_path / "a.wav"))
    assert first.status_code == 200
    folder = recorded_folder(site)
    for name in names[1:-1]:  # as if recorded one by one (sox on each would only take longer)
        shutil.copyfile(os.path.join(folder, f"{names[0]}.wav"), os.path.join(folder, f"{name}.wav"))
    params = {"number": "A025", "counter": "3"}
    before = site.http.get(site.url + "/display/announcement.wav", params=params, timeout=60)
    assert before.status_code == 200 and before.headers["X-Announcement-Source"] != "clips"
    last = put(who, site, names[-1], sox_wav(tmp_path / "b.wav"))
    assert last.status_code == 200 and last.json()["active"] is True
    assert last.json()["done"] == last.json()["total"]
    after = site.http.get(site.url + "/display/announcement.wav", params=params, timeout=60)
    assert after.headers["X-Announcement-Source"] == "clips"
    assert after.headers["X-Announcement-Clips"] == (
        "chime,moi_cong_dan_co_so_thu_tu,letter_a,digit_0,digit_2,digit_5,den_quay_so,number_3")
    # A service added after the set was made (its letter not recorded yet): its calls alone
    # fall back to espeak-ng; the others keep the recorded voice.
    os.remove(os.path.join(folder, "letter_a.wav"))
    again = site.http.get(site.url + "/display/announcement.wav",
                          params={"number": "A026", "counter": "3"}, timeout=60)
    assert again.headers["X-Announcement-Source"] in ("espeak", "chime")
    other = site.http.get(site.url + "/display/announcement.wav",
                          params={"number": "B026", "counter": "3"}, timeout=60)
    assert other.headers["X-Announcement-Source"] == "clips"


def test_a_server_without_sox_says_so(site, tmp_path, monkeypatch):
    data = sox_wav(tmp_path / "a.wav")
    who = admin(site)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))  # sox (and everything else) not found
    answer = put(who, site, "digit_0", data)
    assert answer.status_code == 503 and answer.json()["error"]["code"] == "sox_missing"
    assert not os.path.exists(os.path.join(recorded_folder(site), "digit_0.wav"))
