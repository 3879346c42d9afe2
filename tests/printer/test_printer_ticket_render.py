"""render_ticket's bytes, decoded back with an independent decoder."""

from dataclasses import replace

import pytest
from pyzbar.pyzbar import decode as read_barcodes

from escpos_decoder import decode, of_kind, paper_image, text_lines
from printer_drivers import DEFAULT_PROFILE, UnencodableText, get_profile, render_ticket

PAPERS = {"58mm": 384, "80mm": 576}
TEXT_PROFILES = ["epson-tm-t82", "epson-tm-t82-tcvn3"]
IMAGE_QR = replace(DEFAULT_PROFILE, name="epson-image-qr", native_qr=False)


def _number_was_printed_large(ops, number):
    """The number is native text, preceded by a GS ! size of at least 6x."""
    size = (1, 1)
    for op in ops:
        if op.kind == "size":
            size = op.value
        if op.kind == "text" and op.value == number:
            return min(size) >= 6
    return False


@pytest.mark.parametrize("paper", PAPERS)
def test_raster_ticket_has_number_qr_images_and_cut(ticket, site, paper):
    ops = decode(render_ticket(ticket, site, paper=paper))
    assert ops[0].kind == "init"
    assert ops[-1].kind == "cut"
    assert _number_was_printed_large(ops, "A025")
    assert of_kind(ops, "qr_store") == ["http://10.0.0.2:5000/t/17"]
    assert [op.kind for op in ops].index("qr_print") > [op.kind for op in ops].index("qr_store")
    rasters = of_kind(ops, "raster")
    assert rasters, "Vietnamese lines are drawn as raster images"
    assert all(image.width <= PAPERS[paper] for image in rasters)
    inked = [image for image in rasters if image.convert("L").getextrema()[0] == 0]
    assert len(inked) >= 5  # header, site, service, priority, waiting lines, footer
    # No Vietnamese goes out as code-page text in raster mode: only the ASCII number.
    assert text_lines(ops) == ["A025"]


@pytest.mark.parametrize("paper", PAPERS)
def test_image_qr_decodes_from_the_raster(ticket, site, paper):
    profile = get_profile("generic-58mm-clone") if paper == "58mm" else IMAGE_QR
    ops = decode(render_ticket(ticket, site, paper=paper, profile=profile))
    assert not of_kind(ops, "qr_store")
    found = read_barcodes(paper_image(ops, PAPERS[paper]))
    assert [symbol.data.decode() for symbol in found] == [ticket["track_url"]]


def test_raster_rows_never_exceed_the_paper_with_long_text(ticket, site):
    site["name"] = "Công an " + "Thành phố Hồ Chí Minh " * 6 + "— Điểm cấp CCCD lưu động"
    ticket["service_name_vi"] = "Xácthựcđiệntửmứcđộhaiquáđỗidàikhôngcókhoảngtrắng" * 2
    ticket["track_url"] = "http://10.0.0.2:5000/t/" + "9" * 300
    for paper, dots in PAPERS.items():
        ops = decode(render_ticket(ticket, site, paper=paper,
                                   profile=IMAGE_QR))
        assert max(image.width for image in of_kind(ops, "raster")) <= dots


@pytest.mark.parametrize("profile_name", TEXT_PROFILES)
@pytest.mark.parametrize("paper", PAPERS)
def test_text_mode_decodes_back_to_the_exact_vietnamese(ticket, site, paper, profile_name):
    ops = decode(render_ticket(ticket, site, paper=paper, mode="text",
                               profile=get_profile(profile_name)))
    assert not of_kind(ops, "raster")
    text = " ".join(text_lines(ops))  # lines may wrap on 58 mm
    for expected in ["CÔNG AN THÀNH PHỐ HÀ NỘI", "Công an phường X", "Điểm cấp CCCD",
                     "ƯU TIÊN: Người cao tuổi", "23/11/2026 08:15",
                     "Số người chờ trước: 4", "Thời gian chờ dự kiến: khoảng 12 phút",
                     "Vui lòng giữ phiếu đến khi được gọi"]:
        assert expected in text
    assert "Cấp, đổi thẻ Căn cước" in text
    assert "A025" in text_lines(ops)
    assert of_kind(ops, "qr_store") == [ticket["track_url"]]
    assert ops[-1].kind == "cut"


def test_text_mode_without_priority_or_eta(ticket, site):
    ticket.update(priority=None, priority_name_vi=None, eta_minutes=None, eta=None)
    text = " ".join(text_lines(decode(render_ticket(ticket, site, mode="text"))))
    assert "ƯU TIÊN" not in text and "Thời gian chờ" not in text
    assert "Số người chờ trước: 4" in text


def test_text_mode_refuses_what_the_code_page_lacks(ticket, site):
    site["footer_lines"] = ["Hotline ☎ 113"]
    with pytest.raises(UnencodableText, match="U\\+260E.*mode='raster'"):
        render_ticket(ticket, site, mode="text")


def test_printer_without_vietnamese_page_refuses_text_mode(ticket, site):
    with pytest.raises(UnencodableText):
        render_ticket(ticket, site, paper="58mm", mode="text",
                      profile=get_profile("generic-58mm-clone"))


def test_ascii_mode_strips_diacritics_only_when_asked(ticket, site):
    ops = decode(render_ticket(ticket, site, paper="58mm", mode="ascii",
                               profile=get_profile("generic-58mm-clone")))
    text = " ".join(text_lines(ops))
    assert "So nguoi cho truoc: 4" in text
    assert "Diem cap CCCD" in text
    assert all(ch.isascii() for ch in text)


def test_unknown_mode_and_paper_are_refused(ticket, site):
    with pytest.raises(ValueError):
        render_ticket(ticket, site, mode="utf8")
    with pytest.raises(ValueError):
        render_ticket(ticket, site, paper="110mm")
