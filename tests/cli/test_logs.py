"""The server's log: JSON lines in the site's time zone, one access line per HTTP request."""
import json

import requests

from support.server_process import ServerProcess, take_ticket
from support.waiting import wait_until


def json_lines(log):
    found = []
    for line in log.splitlines():
        if line.startswith("{"):
            found.append(json.loads(line))
    return found


def test_access_log_as_json_lines_in_the_site_time_zone(tmp_path):
    with ServerProcess(tmp_path / "instance") as server:
        assert requests.get(server.url + "/kiosk", timeout=10).status_code == 200
        assert take_ticket(server.url, "CCCD").status_code == 201
        assert requests.post(server.url + "/api/tickets", json={"service": "NOPE"},
                             timeout=10).status_code == 400

        def access():
            lines = [x for x in json_lines(server.log()) if x.get("logger") == "qms.access"]
            return lines if len(lines) >= 3 and any(x["status"] == 400 for x in lines) else None
        lines = wait_until(access, timeout=10, message="access lines")
    by_path = {(x["method"], x["path"], x["status"]): x for x in lines}
    assert ("GET", "/kiosk", 200) in by_path
    assert ("POST", "/api/tickets", 201) in by_path and ("POST", "/api/tickets", 400) in by_path
    ticket = by_path[("POST", "/api/tickets", 201)]
    assert ticket["client"] == "127.0.0.1" and ticket["ms"] >= 0
    assert ticket["time"].endswith("+07:00")  # the demo site: Vietnam, UTC+7
    assert ticket["level"] == "INFO" and ticket["message"] == "POST /api/tickets 201"
