"""The admin ticket preview page in Chromium: sign-in instead of raw JSON, the paper box as wide
as the paper, the ticket asked for by its printed number, a clear message for a wrong one."""
import pytest
import requests

from support.server_process import take_ticket

pytestmark = pytest.mark.browser

DESK = {"width": 1366, "height": 900}


def _sign_in(page, base, username="admin", password="admin123"):
    page.goto(base + "/admin/preview")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("#signin-submit")
    page.wait_for_selector("#choice")


def test_signed_out_shows_the_sign_in_form_not_json(site, new_page):
    answer = requests.get(site.url + "/admin/preview", timeout=10)
    assert answer.status_code == 401
    assert answer.headers["Content-Type"].startswith("text/html")
    assert "Đăng nhập" in answer.text
    page = new_page(DESK)
    _sign_in(page, site.url)
    assert "Xem trước phiếu" in page.inner_text("h1")


def test_paper_box_matches_the_paper_and_the_label_finds_the_ticket(site, new_page, artifacts):
    ticket = take_ticket(site.url, "VNEID").json()["ticket"]
    page = new_page(DESK)
    _sign_in(page, site.url)
    page.wait_for_function("document.getElementById('ticket').naturalWidth > 0")
    mm = page.evaluate("(() => { const d = document.createElement('div'); d.style.width = '100mm';"
                       " document.body.appendChild(d); const w = d.getBoundingClientRect().width;"
                       " d.remove(); return w / 100; })()")
    for paper, paper_mm, printed_mm in (("80mm", 80, 72), ("58mm", 58, 48)):
        page.select_option("#paper", paper)
        page.wait_for_function(f"document.getElementById('paper-box').dataset.paper === '{paper}'")
        page.wait_for_function("document.getElementById('ticket').complete")
        box = page.locator("#paper-box").bounding_box()
        image = page.locator("#ticket").bounding_box()
        assert abs(box["width"] - paper_mm * mm) < 2
        assert abs(image["width"] - printed_mm * mm) < 2
        assert paper in page.inner_text("#paper-caption")
    page.fill("#ticket-wanted", ticket["number"].lower())
    page.click("#choice button[type=submit]")
    page.wait_for_function("document.getElementById('ticket').complete")
    assert page.is_hidden("#preview-error")
    page.screenshot(path=f"{artifacts}/admin-preview-58mm.png", full_page=True)

    page.fill("#ticket-wanted", "Z999")
    page.click("#choice button[type=submit]")
    page.wait_for_selector("#preview-error:not([hidden])")
    assert "Z999" in page.inner_text("#preview-error")
    assert page.is_hidden("#paper-box")  # no earlier ticket left on show under the message
    page.screenshot(path=f"{artifacts}/admin-preview-wrong-number.png", full_page=True)


def test_the_png_route_takes_the_label(site):
    from support.server_process import Officer
    ticket = take_ticket(site.url, "PICKUP").json()["ticket"]
    admin = Officer(site.url, "admin", "admin123")
    by_label = admin.http.get(site.url + "/admin/preview/ticket.png",
                              params={"ticket": ticket["number"]}, timeout=30)
    by_id = admin.http.get(site.url + "/admin/preview/ticket.png",
                           params={"ticket_id": ticket["id"]}, timeout=30)
    assert by_label.status_code == 200 and by_label.content == by_id.content
    missing = admin.http.get(site.url + "/admin/preview/ticket.png", params={"ticket": "Z999"})
    assert missing.status_code == 404 and "Z999" in missing.json()["error"]["message"]
