"""The admin's officer actions (server/admin/people.py) change only what they name: a new role
or a new password leaves a disabled officer disabled (they once re-created the account, which
enabled it again)."""
from support.server_process import Officer


def test_a_new_role_or_password_keeps_a_disabled_officer_disabled(site):
    admin = Officer(site.url, "admin", "admin123")
    assert admin.post("/api/admin/officers/canbo/disable").status_code == 200
    changed = admin.post("/api/admin/officers/canbo/role", json={"role": "chief"})
    assert changed.status_code == 200, changed.text
    assert changed.json()["officer"] == {"username": "canbo", "display_name": "Cán bộ tiếp dân",
                                         "role": "chief", "disabled": True}
    reset = admin.post("/api/admin/officers/canbo/password", json={"password": "moi-123456"})
    assert reset.status_code == 200 and reset.json()["officer"]["disabled"] is True
    refused = site.post("/api/login", json={"username": "canbo", "password": "moi-123456"})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "officer_disabled"
    assert admin.post("/api/admin/officers/canbo/enable").status_code == 200
    signed_in = Officer(site.url, "canbo", "moi-123456")  # the new password, the new role
    me = signed_in.http.get(site.url + "/api/me").json()["officer"]
    assert me["role"] == "chief"
    short = admin.post("/api/admin/officers/canbo/password", json={"password": "123"})
    assert short.status_code == 422 and short.json()["error"]["code"] == "bad_officer"
