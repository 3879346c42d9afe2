"""The wall display page (`/display`) and its call announcements (`/display/announcement.wav`).

The page is static HTML + JS: it joins the `display` room over Socket.IO and renders every
`state` push (server/views.py `public_view`). Query parameters:

- `services=CCCD,VNEID`  only these services (waiting counts and calls)
- `counters=1,2`         only these counters
- `notice=...`           a scrolling notice (else app config `DISPLAY_NOTICE`, else the site
                         file's [display] notice, else none)

Announcement audio is made here by `display.announce.Announcer` (clips, espeak-ng, or chime),
cached under `<instance>/announcements`. See docs/display-and-counter.md.
"""
import os
import re
import time

from flask import Blueprint, current_app, jsonify, render_template, request, send_file

bp = Blueprint("display", __name__, template_folder="templates", static_folder="static",
               static_url_path="/display/static")

_SERVICE_CODE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


def _runtime():
    return current_app.extensions["qms.runtime"]


def _csv(raw, convert, check):
    """Parse `a,b,c` into a list, keeping only well-formed items (a bad item is ignored)."""
    out = []
    for part in (raw or "").split(","):
        part = part.strip()
        if not part or not check(part):
            continue
        value = convert(part)
        if value not in out:
            out.append(value)
    return out[:100]


@bp.get("/display")
def display_page():
    site = _runtime().site
    known_services = {s.code for s in site.services}
    services = _csv(request.args.get("services"), lambda s: s.upper(),
                    lambda s: bool(_SERVICE_CODE.match(s)) and s.upper() in known_services)
    counters = _csv(request.args.get("counters"), int,
                    lambda s: s.isdigit() and len(s) <= 3 and site.counter(int(s)) is not None)
    notice = request.args.get("notice")
    if notice is None:
        notice = current_app.config.get("DISPLAY_NOTICE") or site.display.notice
    config = {
        "services": services or None,
        "counters": counters or None,
        "notice": notice[:500],
        # A notice given in the URL or the app config stays; the site's follows its changes.
        "notice_fixed": bool(request.args.get("notice") is not None or
                             current_app.config.get("DISPLAY_NOTICE")),
        "site_name": site.name,
        "site_name_en": site.name_en,
        "utc_offset_minutes": site.utc_offset_minutes,
        "server_now_ms": int(time.time() * 1000),
        "announcement_url": "/display/announcement.wav",
        "silence_url": "/display/silence.wav",
    }
    return render_template("display/display.html", config=config, site=site)


def announcer():
    """One Announcer per app, made on first use from the app's config, else the site file."""
    app = current_app
    found = app.extensions.get("qms.announcer")
    if found is None:
        from display.announce import Announcer
        site = app.extensions["qms.runtime"].site
        clips_dir = app.config.get("ANNOUNCEMENT_CLIPS_DIR") or site.display.clips_dir
        ready = None
        if not clips_dir:
            # No folder of its own: the set recorded on /admin/recording, once complete.
            recorded = recorded_set(app)
            clips_dir, ready = recorded.folder, lambda: recorded.active
        found = Announcer(
            clips_dir=clips_dir,
            cache_dir=os.path.join(app.instance_path, "announcements"),
            number_reading=app.config.get("NUMBER_READING") or site.display.number_reading,
            espeak=app.config.get("ANNOUNCEMENT_ESPEAK", "espeak-ng") or None,
            clips_ready=ready,
        )
        app.extensions["qms.announcer"] = found
    return found


def recorded_set(app=None):
    """The clips recorded on the site's recording page, in its instance folder."""
    from display.announce.recording import RecordedSet
    app = app or current_app
    return RecordedSet(os.path.join(app.instance_path, "recorded_clips"))


@bp.get("/display/silence.wav")
def silence_clip():
    """A real, short, silent clip: the "Bật âm thanh" touch plays it to unlock the player (an
    empty player's play() stays pending and would later pause the first real call)."""
    from display.announce.pcm import silence, wav_bytes
    response = current_app.response_class(wav_bytes(silence(8000, 0.3)), mimetype="audio/wav")
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


@bp.get("/display/announcement.wav")
def announcement():
    number = request.args.get("number", "")
    counter = request.args.get("counter", "")
    form = request.args.get("form", "full")
    chime = request.args.get("chime", "1")
    try:
        if chime not in ("0", "1"):
            raise ValueError(f"chime must be 0 or 1, got {chime!r}")
        result = announcer().audio_for_call(number, counter, form=form, chime=chime == "1")
    except ValueError as exc:
        return jsonify(error={"code": "bad_announcement",
                              "message": "Số thứ tự hoặc số quầy không hợp lệ.",
                              "message_en": str(exc)}), 400
    response = send_file(result.path, mimetype="audio/wav", max_age=300, conditional=True)
    response.headers["X-Announcement-Source"] = result.source
    # The phrase as clip names (ASCII): what was said, for the site's own checks and tests.
    response.headers["X-Announcement-Clips"] = ",".join(result.clips)
    return response
