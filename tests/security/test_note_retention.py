"""Free text officers type is erased after the site's retention period (issue 9, Decree
13/2023). The server writes a note and a cancel reason; the test then ages those events in the
store by 100 days (the demo site keeps notes 90) and starts the server again."""
import sqlite3

import requests

from support.server_process import Officer, ServerProcess, take_ticket


def test_notes_and_cancel_reasons_are_erased_after_retention(tmp_path):
    folder = tmp_path / "instance"
    with ServerProcess(folder) as server:
        officer = Officer(server.url)
        officer.post("/api/counters/1/open")
        done = take_ticket(server.url, "CCCD").json()["ticket"]
        gone = take_ticket(server.url, "CCCD").json()["ticket"]
        assert officer.post("/api/counters/1/call-next").status_code == 200
        assert officer.post(f"/api/tickets/{done['id']}/complete", json={
            "outcome": "accepted", "note": "Nguyễn Văn A, CCCD 001099012345"}).status_code == 200
        assert officer.post(f"/api/tickets/{gone['id']}/cancel", json={
            "reason": "bà Trần Thị B về sớm"}).status_code == 200
    db = sqlite3.connect(folder / "qms.sqlite3")
    db.execute("UPDATE events SET at = at - 100 * 86400")
    db.commit()
    bodies = [b for (b,) in db.execute("SELECT body FROM events")]
    assert any("Nguyễn Văn A" in b for b in bodies) and any("Trần Thị B" in b for b in bodies)
    db.close()
    with ServerProcess(folder) as server:
        assert requests.get(server.url + "/healthz", timeout=10).ok
    db = sqlite3.connect(folder / "qms.sqlite3")
    bodies = [b for (b,) in db.execute("SELECT body FROM events")]
    db.close()
    # Before: kept forever.
    assert not any("Nguyễn Văn A" in b or "Trần Thị B" in b for b in bodies)
    assert any('"type":"ticket_cancelled"' in b and '"reason":"cancelled"' in b for b in bodies)
