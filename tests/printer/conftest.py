import pytest


@pytest.fixture
def ticket():
    return {
        "id": 17, "number": "A025", "service": "CCCD",
        "service_name_vi": "Cấp, đổi thẻ Căn cước", "service_name_en": "ID card",
        "priority": "elderly", "priority_name_vi": "Người cao tuổi",
        "issued_at": "2026-11-23T08:15:02+07:00", "position": 4, "eta_minutes": 12,
        "eta": {"kind": "minutes", "minutes": 12.0, "low": 10, "high": 14,
                "text_vi": "khoảng 12 phút", "text_en": "about 12 min"},
        "track_url": "http://10.0.0.2:5000/t/17",
    }


@pytest.fixture
def site():
    return {
        "name": "Công an phường X — Điểm cấp CCCD",
        "header_lines": ["CÔNG AN THÀNH PHỐ HÀ NỘI"],
        "footer_lines": ["Cảm ơn quý công dân!", "Vui lòng giữ phiếu đến khi được gọi"],
    }
