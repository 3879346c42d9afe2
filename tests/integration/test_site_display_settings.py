"""The site file's [display] settings reach the wall display and its announcements."""
import wave

from display.announce import Announcer
from server.app import DEMO_SITE
from support import inprocess as web
from support.inprocess import InProcessSite


def _record_clips(folder, number_reading):
    """Every clip the site must record, as a short silent WAV (what a site supplies)."""
    folder.mkdir()
    needed = Announcer(clips_dir=str(folder), cache_dir=str(folder / "cache"),
                       number_reading=number_reading).missing_clips(counters=range(1, 6))
    for name in needed:
        with wave.open(str(folder / f"{name}.wav"), "wb") as clip:
            clip.setnchannels(1)
            clip.setsampwidth(2)
            clip.setframerate(16000)
            clip.writeframes(b"\x00\x00" * 800)
    return needed


def test_site_file_sets_notice_reading_and_clips(tmp_path):
    _record_clips(tmp_path / "clips", "words")
    text = open(DEMO_SITE, encoding="utf-8").read()
    text = text.replace('number_reading = "digits"', 'number_reading = "words"')
    text = text.replace('# clips_dir = "clips"', 'clips_dir = "clips"')
    text = text.replace('notice = "Vui lòng giữ phiếu',
                        'notice = "Hôm nay làm việc đến 17 giờ. Vui lòng giữ phiếu')
    site = tmp_path / "site.toml"
    site.write_text(text, encoding="utf-8")
    with InProcessSite(tmp_path / "instance", site=site) as server:
        assert "Hôm nay làm việc đến 17 giờ" in web.get(server.url + "/display").text
        answer = web.get(server.url + "/display/announcement.wav",
                              params={"number": "A025", "counter": "3"})
        assert answer.status_code == 200 and answer.content[:4] == b"RIFF"
        # The clips folder named in the site file (next to it) was used…
        assert answer.headers["X-Announcement-Source"] == "clips"
        clips = answer.headers["X-Announcement-Clips"].split(",")
        # …and the number was read in words, "A, hai mươi lăm", not digit by digit.
        assert "word_lam" in clips and "digit_0" not in clips
