"""The OpenAPI 3.1 description of the HTTP API, served at /api/openapi.json."""
from flask import Blueprint, jsonify

bp = Blueprint("openapi", __name__)

ERROR = {"$ref": "#/components/schemas/Error"}


def _error_responses(*codes):
    return {str(code): {"description": "Refused", "content": {"application/json": {"schema": ERROR}}}
            for code in codes}


def _json(schema, description="OK"):
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _officer_post(summary, request_schema=None, path_params=(), extra_errors=()):
    op = {
        "summary": summary,
        "security": [{"session": [], "csrf": []}],
        "parameters": [{"name": n, "in": "path", "required": True,
                        "schema": {"type": "integer", "minimum": 1, "maximum": 2147483647}}
                       for n in path_params],
        "responses": {"200": _json({"$ref": "#/components/schemas/ActionResult"}),
                      **_error_responses(400, 401, 403, 404, 409, 413, 415, 422, 503,
                                         *extra_errors)},
    }
    if request_schema:
        op["requestBody"] = {"required": False, "content": {"application/json": {"schema": request_schema}}}
    return {"post": op}


def _admin_op(summary, name):
    return {"summary": summary, "security": [{"session": [], "csrf": []}],
            "parameters": [{"name": name, "in": "path", "required": True,
                            "schema": {"type": "string", "maxLength": 64}}],
            "responses": {"200": _json({"type": "object"}),
                          **_error_responses(400, 401, 403, 404, 503)}}


TICKET = {
    "type": "object",
    "required": ["id", "number", "service", "priority", "status", "position", "eta_minutes",
                 "issued_at", "track_url"],
    "properties": {
        "id": {"type": "integer"}, "number": {"type": "string"}, "service": {"type": "string"},
        "service_name_vi": {"type": "string"}, "service_name_en": {"type": "string"},
        "priority": {"type": ["string", "null"]},
        "priority_name_vi": {"type": ["string", "null"]},
        "priority_name_en": {"type": ["string", "null"]},
        "status": {"enum": ["waiting", "called", "serving", "done", "no_show", "transferred",
                            "cancelled"]},
        "counter": {"type": ["integer", "null"]},
        "position": {"type": "integer", "minimum": 0},
        "eta_minutes": {"type": ["integer", "null"]},
        "eta": {"oneOf": [{"type": "null"}, {"$ref": "#/components/schemas/Wait"}]},
        "issued_at": {"type": "string"}, "called_at": {"type": ["string", "null"]},
        "transferred_to": {"type": ["integer", "null"]},
        "booked": {"type": "boolean"}, "slot_start": {"type": ["string", "null"]},
        # checked in before its slot: in no line until it begins (position 0 is not "next")
        "before_slot": {"type": "boolean"},
        "track_url": {"type": "string"},
    },
}

WAIT = {
    "type": "object", "required": ["kind", "minutes", "low", "high", "text_vi", "text_en"],
    "properties": {
        "kind": {"enum": ["closed", "soon", "minutes", "long"]},
        "minutes": {"type": ["number", "null"]}, "low": {"type": ["integer", "null"]},
        "high": {"type": ["integer", "null"]},
        "text_vi": {"type": "string"}, "text_en": {"type": "string"},
    },
}

SCHEMAS = {
    "Wait": WAIT,
    "Error": {"type": "object", "required": ["error"], "properties": {"error": {
        "type": "object", "required": ["code", "message"],
        "properties": {"code": {"type": "string"}, "message": {"type": "string"},
                       "message_en": {"type": "string"}}}}},
    "Ticket": TICKET,
    "TicketAnswer": {"type": "object", "required": ["ticket"],
                     "properties": {"ticket": {"$ref": "#/components/schemas/Ticket"}}},
    "TicketRequest": {"type": "object", "required": ["service", "request_id"], "properties": {
        "service": {"type": "string", "maxLength": 32},
        "priority": {"type": ["string", "null"], "maxLength": 32},
        "request_id": {"type": "string", "minLength": 1, "maxLength": 64},
        "kiosk": {"type": ["string", "null"], "maxLength": 32}}},
    "State": {"type": "object", "required": ["seq", "site", "services", "counters", "recent_calls"],
              "properties": {"seq": {"type": "integer"}, "site": {"type": "object"},
                             "day": {"type": ["string", "null"]}, "day_open": {"type": "boolean"},
                             "services": {"type": "array"}, "counters": {"type": "array"},
                             "recent_calls": {"type": "array"}}},
    "ActionResult": {"type": "object", "required": ["ok", "seq"], "properties": {
        "ok": {"const": True}, "seq": {"type": "integer"}, "events": {"type": "array"},
        "ticket": {"$ref": "#/components/schemas/Ticket"}, "counter": {"type": "object"},
        "summary": {"type": "object"}}},
}

def document():
    ticket_verbs = {
        "recall": ("Recall (announce again) a called ticket", None),
        "start": ("The citizen has arrived: start serving", None),
        "no-show": ("Mark a called ticket as no-show (requeued once or dropped, by policy)", None),
        "transfer": ("Transfer to another service or to a given counter", {
            "type": "object", "properties": {
                "to_service": {"type": ["string", "null"], "maxLength": 32},
                "to_counter": {"type": ["integer", "null"], "minimum": 1, "maximum": 999}}}),
        "complete": ("Complete with an outcome", {
            "type": "object", "required": ["outcome"], "properties": {
                "outcome": {"enum": ["accepted", "returned_missing_info", "returned_wrong_info",
                                     "other"]},
                "note": {"type": ["string", "null"], "maxLength": 500}}}),
        "cancel": ("Cancel a ticket", {"type": "object", "properties": {
            "reason": {"type": ["string", "null"], "maxLength": 200}}}),
        "reprint": ("Ask the kiosk to print the ticket again", None),
    }
    counter_verbs = {
        "call-next": "Call the next citizen by the site's policy",
        "call": "Call a given ticket",
        "open": "Open the counter (the officer sits down)",
        "close": "Close the counter",
        "pause": "Pause the counter",
        "resume": "Resume a paused counter",
    }
    paths = {
        "/healthz": {"get": {"summary": "Health", "responses": {"200": _json({"type": "object"}),
                                                                  **_error_responses(503)}}},
        "/api/services": {"get": {"summary": "Services and priority groups",
                                  "responses": {"200": _json({"type": "object"}),
                                                **_error_responses(503)}}},
        "/api/state": {"get": {
            "summary": "Public snapshot (no personal data)",
            "parameters": [
                {"name": "services", "in": "query", "schema": {"type": "string"},
                 "description": "comma-separated service codes"},
                {"name": "counters", "in": "query", "schema": {"type": "string", "pattern": "^[0-9,]*$"},
                 "description": "comma-separated counter numbers"}],
            "responses": {"200": _json({"$ref": "#/components/schemas/State"}),
                          **_error_responses(400, 503)}}},
        "/api/tickets": {"post": {
            "summary": "Take a ticket (idempotent per request_id)",
            "requestBody": {"required": True, "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/TicketRequest"}}}},
            "responses": {"201": _json({"$ref": "#/components/schemas/TicketAnswer"}, "Issued"),
                          "200": _json({"$ref": "#/components/schemas/TicketAnswer"},
                                       "Already issued for this request_id"),
                          **_error_responses(400, 401, 403, 404, 409, 413, 415, 422, 429,
                                             503)}}},
        "/api/checkin": {"post": {
            "summary": "Kiosks: check a booked citizen in by booking code or CCCD card QR "
                       "(docs/appointments.md); idempotent per request_id",
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["request_id"], "properties": {
                    "request_id": {"type": "string", "maxLength": 64},
                    "code": {"type": "string", "maxLength": 40},
                    "cccd_qr": {"type": "string", "maxLength": 400},
                    "kiosk": {"type": "string", "maxLength": 32}}}}}},
            "responses": {"201": _json({"$ref": "#/components/schemas/TicketAnswer"}, "Checked in"),
                          "200": _json({"$ref": "#/components/schemas/TicketAnswer"},
                                       "Already checked in for this request_id"),
                          **_error_responses(400, 403, 404, 409, 413, 415, 422, 503)}}},
        "/api/tickets/{token}/notify": {"post": {
            "summary": "A citizen asks to be told when the turn nears, by text (phone) and/or "
                       "Web Push on this phone (push: the browser's PushSubscription JSON); the "
                       "ticket's public token (docs/appointments.md)",
            "parameters": [{"name": "token", "in": "path", "required": True,
                            "schema": {"type": "string", "minLength": 16, "maxLength": 64}}],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "minProperties": 1, "properties": {
                    "phone": {"type": "string", "maxLength": 20},
                    "push": {"type": "object", "required": ["endpoint", "keys"], "properties": {
                        "endpoint": {"type": "string", "format": "uri", "maxLength": 1024},
                        "keys": {"type": "object", "required": ["p256dh", "auth"],
                                 "properties": {"p256dh": {"type": "string"},
                                                "auth": {"type": "string"}}}}}}}}}},
            "responses": {"200": _json({"type": "object", "properties": {
                "ok": {"type": "boolean"},
                "notify": {"type": "object", "properties": {
                    "phone": {"type": ["string", "null"]}, "push": {"type": "boolean"}}},
                "ahead": {"type": "integer"}}}),
                          **_error_responses(400, 404, 413, 415, 422, 503)}}},
        "/api/push/key": {"get": {
            "summary": "The site's VAPID public key (base64url) for the tracking page's Web Push "
                       "subscription; 404 notify_off when the site sends no push",
            "responses": {"200": _json({"type": "object", "required": ["key"], "properties": {
                "key": {"type": "string"}}}), **_error_responses(404, 503)}}},
        "/api/tickets/{ticket_id}": {"get": {
            "summary": "Officers: a ticket's status and position (today) by its id; citizens "
                       "follow their ticket by its public token at the same place",
            "security": [{"session": []}],
            "parameters": [{"name": "ticket_id", "in": "path", "required": True,
                            "schema": {"type": "integer", "minimum": 1, "maximum": 2147483647}}],
            "responses": {"200": _json({"$ref": "#/components/schemas/TicketAnswer"}),
                          **_error_responses(401, 404, 503)}}},
        "/api/login": {"post": {
            "summary": "Officer sign-in: sets the session cookie, returns the CSRF token",
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["username", "password"], "properties": {
                    "username": {"type": "string", "maxLength": 64},
                    "password": {"type": "string", "maxLength": 200}}}}}},
            "responses": {"200": _json({"type": "object"}),
                          **_error_responses(400, 401, 413, 415, 423, 429, 503)}}},
        "/api/logout": {"post": {"summary": "Sign out", "responses": {
            "200": _json({"type": "object"})}}},
        "/api/me": {"get": {"summary": "The signed-in officer and CSRF token",
                            "security": [{"session": []}],
                            "responses": {"200": _json({"type": "object"}), **_error_responses(401)}}},
        "/api/day/open": _officer_post("Open the business day", {
            "type": "object", "properties": {"day": {"type": ["string", "null"],
                                                     "pattern": r"^\d{4}-\d{2}-\d{2}$"},
                                             "confirm": {"type": ["boolean", "null"]}}}),
        "/api/day/close": _officer_post("Close the day: end every open ticket, day summary"),
        "/api/devices": _officer_post("Admin: issue a kiosk print agent's device token", {
            "type": "object", "required": ["kiosk"], "properties": {
                "kiosk": {"type": "string", "maxLength": 32}}}),
        "/api/devices/{kiosk}": {"delete": _admin_op(
            "Admin: revoke every device token of a kiosk", "kiosk")},
        "/api/officers/{username}/unlock": {"post": _admin_op(
            "Admin: lift an officer's sign-in lockout", "username")},
        "/api/officers/{username}/sign-out": {"post": _admin_op(
            "Admin: end every open session of an officer", "username")},
        "/api/audit": {"get": {
            "summary": "Admin: the audit log, newest first (sign-ins, admin actions, devices)",
            "security": [{"session": []}],
            "parameters": [
                {"name": "limit", "in": "query", "schema": {"type": "string", "pattern": "^[0-9]+$"}},
                {"name": "before", "in": "query", "schema": {"type": "string", "pattern": "^[0-9]+$"}}],
            "responses": {"200": _json({"type": "object"}), **_error_responses(400, 401, 403, 503)}}},
        "/api/counters": {"get": {
            "summary": "Every counter, its state and the officer who holds it (counter picker)",
            "security": [{"session": []}],
            "responses": {"200": _json({"type": "object"}), **_error_responses(401)}}},
        "/api/counters/{counter}/view": {"get": {
            "summary": "What the counter tablet shows",
            "security": [{"session": []}],
            "parameters": [{"name": "counter", "in": "path", "required": True,
                            "schema": {"type": "integer", "minimum": 1, "maximum": 999}}],
            "responses": {"200": _json({"type": "object"}), **_error_responses(401, 404)}}},
    }
    paths.update(_ratings_and_admin_paths())
    for verb, summary in counter_verbs.items():
        schema = ({"type": "object", "required": ["ticket_id"], "properties": {
            "ticket_id": {"type": "integer", "minimum": 1, "maximum": 2147483647}}}
            if verb == "call" else None)
        paths[f"/api/counters/{{counter}}/{verb}"] = _officer_post(summary, schema, ("counter",))
    for verb, (summary, schema) in ticket_verbs.items():
        paths[f"/api/tickets/{{ticket_id}}/{verb}"] = _officer_post(summary, schema, ("ticket_id",))
    return {
        "openapi": "3.1.0",
        "info": {"title": "Hàng đợi CCCD / VNeID — site server API", "version": "1"},
        "paths": paths,
        "components": {"schemas": SCHEMAS, "securitySchemes": {
            "session": {"type": "apiKey", "in": "cookie", "name": "session"},
            "csrf": {"type": "apiKey", "in": "header", "name": "X-CSRF-Token"},
            "device": {"type": "apiKey", "in": "header", "name": "X-Device-Token"}}},
    }


ADMIN_ERRORS = (400, 401, 403, 404, 409, 413, 415, 422, 503)


def _admin(method, summary, request_schema=None, path_params=(), status="200"):
    """An admin-only operation (session + CSRF): its path parameters are strings (usernames)
    or counter numbers, its answer a JSON object or a refusal."""
    op = {"summary": summary, "security": [{"session": [], "csrf": []}],
          "parameters": [{"name": name, "in": "path", "required": True, "schema": schema}
                         for name, schema in path_params],
          "responses": {status: _json({"type": "object"}), **_error_responses(*ADMIN_ERRORS)}}
    if request_schema:
        op["requestBody"] = {"required": True,
                             "content": {"application/json": {"schema": request_schema}}}
    return {method: op}


USERNAME = ("username", {"type": "string", "minLength": 1, "maxLength": 64})
OFFICER_ROLE = {"enum": ["officer", "chief", "admin"]}


def _ratings_and_admin_paths():
    """Citizen ratings (docs/ratings.md) and the admin pages' API (docs/admin.md)."""
    counter = ("counter", {"type": "integer", "minimum": 1, "maximum": 999})
    paths = {
        "/api/ratings": {"post": {
            "summary": "A citizen's rating of a completed ticket, from a paired rating tablet",
            "security": [{"device": []}],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["ticket_id", "level"], "properties": {
                    "ticket_id": {"type": "integer", "minimum": 1, "maximum": 2147483647},
                    "level": {"type": "string", "maxLength": 32},
                    "reason": {"type": ["string", "null"], "maxLength": 32}}}}}},
            "responses": {"201": _json({"type": "object"}, "Recorded"),
                          **_error_responses(400, 401, 404, 409, 413, 415, 422, 503)}}},
        "/api/rating-tablets": _admin(
            "post", "Admin: pair a rating tablet with a counter (device token shown once)",
            {"type": "object", "required": ["counter"], "properties": {
                "counter": {"type": "integer", "minimum": 1, "maximum": 999}}}, status="201"),
        "/api/rating-tablets/{counter}/revoke": _admin(
            "post", "Admin: revoke a counter's rating tablet", path_params=(counter,)),
        "/api/admin/site": {
            **_admin("get", "Admin: the site's settings as the admin page edits them"),
            **_admin("put", "Admin: change the site's settings (validated like the site file; "
                            "refused when they conflict with today's tickets)",
                     {"type": "object", "required": ["site"],
                      "properties": {"site": {"type": "object"}}})},
        "/api/admin/officers": {
            **_admin("get", "Admin: every officer and the roles"),
            **_admin("post", "Admin: create an officer", {
                "type": "object", "required": ["username", "password", "role"], "properties": {
                    "username": {"type": "string", "maxLength": 64},
                    "password": {"type": "string", "maxLength": 200},
                    "display_name": {"type": ["string", "null"], "maxLength": 128},
                    "role": OFFICER_ROLE}}, status="201")},
        "/api/admin/officers/{username}/password": _admin(
            "post", "Admin: reset an officer's password", {
                "type": "object", "required": ["password"], "properties": {
                    "password": {"type": "string", "maxLength": 200}}}, (USERNAME,)),
        "/api/admin/officers/{username}/role": _admin(
            "post", "Admin: change an officer's role (from their next sign-in)", {
                "type": "object", "required": ["role"], "properties": {"role": OFFICER_ROLE}},
            (USERNAME,)),
        "/api/admin/devices": _admin("get", "Admin: paired kiosks and rating tablets"),
    }
    for switch in ("disable", "enable"):
        paths[f"/api/admin/officers/{{username}}/{switch}"] = _admin(
            "post", f"Admin: {switch} an officer's account", path_params=(USERNAME,))
    paths.update(_recording_paths())
    return paths


def _recording_paths():
    """The site's own recorded voice (docs/announcements.md): the clips the announcements need,
    each uploaded as WAV, trimmed and levelled by the server."""
    clip = ("name", {"type": "string", "minLength": 1, "maxLength": 64})
    upload = _admin("put", "Admin: record one clip (audio/wav, at most 4 MB); the server trims "
                           "its silence and evens its loudness", path_params=(clip,))
    upload["put"]["requestBody"] = {"required": True, "content": {"audio/wav": {
        "schema": {"type": "string", "format": "binary"}}}}
    playback = _admin("get", "Admin: play a recorded clip back", path_params=(clip,))
    playback["get"]["responses"]["200"] = {"description": "The clip as kept",
                                           "content": {"audio/wav": {"schema": {
                                               "type": "string", "format": "binary"}}}}
    return {
        "/api/admin/recording": _admin("get", "Admin: every clip the announcements need and "
                                              "which are recorded"),
        "/api/admin/recording/{name}": upload,
        "/api/admin/recording/{name}.wav": playback,
    }


@bp.get("/api/openapi.json")
def openapi():
    return jsonify(document())
