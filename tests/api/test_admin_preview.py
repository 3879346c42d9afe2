"""The admin ticket preview: the virtual printer's drawing of the real ESC/POS bytes."""
import io

from support import inprocess as web
from PIL import Image
from pyzbar.pyzbar import decode

from support.server_process import Officer, take_ticket


def test_admin_sees_a_real_tickets_preview_with_a_working_qr(shared_site):
    base = shared_site.url
    ticket = take_ticket(base, "VNEID", priority="pregnant").json()["ticket"]
    admin = Officer(base, "admin", "admin123")
    assert "Xem trước phiếu" in admin.http.get(base + "/admin/preview").text
    for paper, width in (("58mm", 384), ("80mm", 576)):
        answer = admin.http.get(f"{base}/admin/preview/ticket.png",
                                params={"paper": paper, "ticket_id": ticket["id"]})
        assert answer.status_code == 200 and answer.headers["Content-Type"] == "image/png"
        image = Image.open(io.BytesIO(answer.content))
        assert image.width == width
        payloads = {symbol.data.decode() for symbol in decode(image.convert("L"))}
        assert ticket["track_url"] in payloads


def test_preview_is_for_admins_only_and_checks_its_input(shared_site):
    base = shared_site.url
    assert web.get(base + "/admin/preview/ticket.png").status_code == 401
    officer = Officer(base)
    assert officer.http.get(base + "/admin/preview/ticket.png").status_code == 403
    admin = Officer(base, "admin", "admin123")
    bad = admin.http.get(base + "/admin/preview/ticket.png", params={"paper": "A4"})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "bad_preview"
    missing = admin.http.get(base + "/admin/preview/ticket.png", params={"ticket_id": 99999})
    assert missing.status_code == 404


def test_admin_typed_by_hand_leads_to_the_settings_page(shared_site):
    base = shared_site.url
    for path in ("/admin", "/admin/"):
        answer = web.get(base + path, allow_redirects=False)
        assert answer.status_code in (301, 302, 308), (path, answer.status_code)
        assert answer.headers["Location"].endswith("/admin/settings")
