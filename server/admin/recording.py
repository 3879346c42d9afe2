"""The recording page (`/admin/recording`, admins): the site records its own announcement
voice, one clip at a time, from the browser's microphone.

The list of clips comes from the announcement code (display.announce.recording.clips_needed:
the site's number reading, counters and service letters). The page records with
MediaRecorder, decodes to a WAV in the browser and PUTs it; the server checks it, trims the
silence and evens the loudness with sox in the thread pool, and keeps it in
`<instance>/recorded_clips`. Once every clip is there the wall displays announce with them
(docs/announcements.md).
"""
from flask import Blueprint, current_app, jsonify, render_template, request, send_file, session

from display.announce import recording
from display.pages import recorded_set

from .. import audit, auth
from ..blocking import run_blocking
from ..engine import Refused

bp = Blueprint("admin_recording", __name__, template_folder="templates")

WAV_TYPES = ("audio/wav", "audio/x-wav", "audio/wave", "audio/vnd.wave")
GROUP_NAMES = {"phrase": ("Câu cố định", "Fixed phrases"), "letter": ("Chữ cái", "Letters"),
               "digit": ("Chữ số", "Digits"), "word": ("Từ đọc số", "Number words"),
               "counter": ("Số quầy", "Counter numbers")}


def _runtime():
    return current_app.extensions["qms.runtime"]


def needed():
    site = _runtime().site
    reading = current_app.config.get("NUMBER_READING") or site.display.number_reading
    return recording.clips_needed(reading, counters=[c.number for c in site.counters],
                                  letters="".join(s.letter for s in site.services))


def progress():
    clips = needed()
    recorded = recorded_set()
    rows = []
    for clip in clips:
        info = recorded.info(clip.name)
        rows.append({"name": clip.name, "words": clip.words, "group": clip.group,
                     "recorded": info is not None, **(info or {})})
    done = sum(r["recorded"] for r in rows)
    return {"clips": rows, "done": done, "total": len(rows),
            "active": recorded.activate_if_complete(clips),
            "groups": {k: {"vi": v[0], "en": v[1]} for k, v in GROUP_NAMES.items()},
            "target_rms_db": recording.TARGET_RMS_DB, "max_seconds": recording.MAX_SECONDS}


@bp.get("/admin/recording")
def recording_page():
    rt = _runtime()
    signed_in = auth.session_is_live(rt.store, rt.site.id)
    forbidden = signed_in and session.get("role") != "admin"
    status = 401 if not signed_in else 403 if forbidden else 200
    response = current_app.make_response((render_template(
        "admin_settings/recording.html", site=rt.site, signed_in=signed_in, forbidden=forbidden,
        csrf=session.get("csrf")), status))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/api/admin/recording")
@auth.officer_required(role="admin")
def list_clips():
    return jsonify(progress())


def _known(name):
    if name not in {c.name for c in needed()}:
        raise Refused("unknown_clip", f"Không có bản thu «{name[:40]}» trong danh sách.",
                      f"No clip {name[:40]!r} is needed by this site's announcements.", 404)
    return name


@bp.put("/api/admin/recording/<name>")
@auth.officer_required(role="admin")
def upload(name):
    _known(name)
    # A clip is bigger than the app's 16 KiB body limit for JSON; this route alone allows more.
    request.max_content_length = recording.MAX_UPLOAD_BYTES
    kind = (request.mimetype or "").lower()
    if kind not in WAV_TYPES:
        raise Refused("bad_clip_type", "Bản thu phải gửi dạng WAV (audio/wav).",
                      f"Send the clip as audio/wav, not {kind or 'no Content-Type'}.", 415)
    length = request.content_length
    if length is not None and length > recording.MAX_UPLOAD_BYTES:
        raise Refused("clip_too_large", "Bản thu quá lớn (tối đa 4 MB).",
                      f"The clip is larger than {recording.MAX_UPLOAD_BYTES} bytes.", 413)
    data = request.get_data(cache=False)
    try:
        stats = run_blocking(recorded_set().store, name, data)
    except recording.BadClip as exc:
        raise Refused("bad_clip", exc.message_vi, str(exc), 422) from None
    except recording.SoxMissing as exc:
        raise Refused("sox_missing", "Máy chủ chưa cài sox nên chưa xử lý được bản thu.",
                      str(exc), 503) from None
    rt = _runtime()
    audit.record(rt.store, rt.site.id, "clip_recorded", actor=session["officer"], target=name,
                 detail={"seconds": round(stats["seconds"], 2)})
    out = progress()
    out["clip"] = next(c for c in out["clips"] if c["name"] == name)
    out["clip"].update(rms_db=round(stats["rms_db"], 1), peak_db=round(stats["peak_db"], 1))
    return jsonify(out)


@bp.get("/api/admin/recording/<name>.wav")
@auth.officer_required(role="admin")
def play(name):
    _known(name)
    path = recorded_set().path(name)
    if not path.is_file():
        raise Refused("clip_not_recorded", "Bản này chưa được thu.", "Not recorded yet.", 404)
    response = send_file(path, mimetype="audio/wav", max_age=0)
    response.headers["Cache-Control"] = "no-store"
    return response
