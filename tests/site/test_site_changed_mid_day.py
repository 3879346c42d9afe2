"""A site file changed while today's tickets are open: a removed or re-lettered service with
open tickets is refused at start (with the reason), /api/state and `qms close-day` never crash,
and once the day is closed the new file serves."""
import json
import subprocess
import sys

import requests

from site_texts import demo_text
from support import inprocess
from support.server_process import ROOT, ServerProcess, free_port, take_ticket


def without_vehicle():
    text = demo_text()
    start, end = text.index('[[services]]\ncode = "VEHICLE"'), text.index("[[counters]]")
    text = text[:start] + text[end:]
    return text.replace('[[counters]]\nnumber = 5\nname = "Quầy 5"\nservices = ["VEHICLE"]\n', "")


def qms(*args):
    """`qms serve` in its own process (its refusal is the point); other commands run in this
    process (inprocess.qms)."""
    return subprocess.run([sys.executable, "-m", "server.cli", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def test_removed_or_relettered_service_with_open_tickets(tmp_path):
    instance = tmp_path / "instance"
    old, removed, relettered = (tmp_path / n for n in ("old.toml", "removed.toml", "relettered.toml"))
    old.write_text(demo_text(), encoding="utf-8")
    removed.write_text(without_vehicle(), encoding="utf-8")
    relettered.write_text(demo_text().replace('letter = "E"', 'letter = "V"'), encoding="utf-8")
    with ServerProcess(instance, site=old) as server:
        for service in ("VEHICLE", "VEHICLE", "CCCD"):
            assert take_ticket(server.url, service).status_code == 201

    for path, says in ((removed, "dịch vụ VEHICLE (E) có 2 phiếu chưa xong hôm nay"),
                       (relettered, "2 unfinished tickets lettered E; the file says V")):
        refused = qms("serve", "--site", str(path), "--instance", str(instance),
                      "--port", str(free_port()))
        assert refused.returncode == 1 and says in refused.stderr, refused.stderr
        assert "qms close-day" in refused.stderr and "Traceback" not in refused.stderr

    # The in-process app on the changed file (what a second process would load) answers.
    from server.app import create_app
    app = create_app({"SITE_FILE": str(removed)}, instance_path=str(instance))
    state = app.test_client().get("/api/state")
    assert state.status_code == 200
    assert [s["code"] for s in state.get_json()["services"]] == ["CCCD", "VNEID", "PICKUP",
                                                                   "CORRECT"]
    app.extensions["qms.runtime"].store.close()

    closed = inprocess.qms("close-day", "--json", "--site", removed, "--instance", instance)
    assert closed.returncode == 0, closed.stderr
    summary = json.loads(closed.stdout)
    assert summary["services"]["VEHICLE"]["issued"] == 2  # still counted, under its code
    assert summary["totals"]["issued"] == 3

    with ServerProcess(instance, site=removed, demo=False) as server:  # the day is closed
        assert requests.get(server.url + "/api/state", timeout=10).status_code == 200
