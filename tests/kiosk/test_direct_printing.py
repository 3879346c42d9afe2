"""`qms serve --kiosk-printer K=tcp://…`: the server prints a kiosk's tickets itself."""
import subprocess
import sys

from server.site_file import DEMO_SITE
from kiosk_helpers import issue_token
from support.waiting import wait_until
from support import inprocess
from support.server_process import ROOT, ServerProcess, take_ticket


def test_server_prints_to_a_network_printer_directly(tmp_path, printer):
    args = ["--kiosk-printer", f"K2={printer.url}", "--paper", "58mm"]
    with ServerProcess(tmp_path / "instance", extra_args=args) as server:
        ticket = take_ticket(server.url, "CCCD", kiosk="K2").json()["ticket"]
        wait_until(lambda: printer.tickets() == [ticket["number"]], message="printed by the server")
        other = take_ticket(server.url, "CCCD", kiosk="K3").json()["ticket"]
        second = take_ticket(server.url, "VNEID", kiosk="K2").json()["ticket"]
        wait_until(lambda: printer.tickets() == [ticket["number"], second["number"]],
                   message="the second K2 ticket printed")
        assert other["number"] not in printer.tickets()
    # Restarting takes over the same journal: nothing is printed twice.
    with ServerProcess(tmp_path / "instance", port=server.port, extra_args=args) as server:
        third = take_ticket(server.url, "PICKUP", kiosk="K2").json()["ticket"]
        wait_until(lambda: printer.tickets()[-1:] == [third["number"]], message="printed after restart")
        assert printer.tickets() == [ticket["number"], second["number"], third["number"]]


def test_remove_device_revokes_a_kiosks_tokens(tmp_path, printer):
    instance = tmp_path / "instance"
    with ServerProcess(instance) as server:
        import socketio
        token = issue_token(server.url, "K7")
        removed = inprocess.qms("remove-device", "K7", "--site", DEMO_SITE, "--instance", instance)
        assert removed.returncode == 0 and "Revoked 1 token" in removed.stdout
        client = socketio.Client(reconnection=False)
        try:
            client.connect(server.url, auth={"device_token": token}, wait_timeout=5)
            connected = True
        except socketio.exceptions.ConnectionError:
            connected = False
        assert not connected


def test_a_bad_kiosk_printer_option_is_a_usage_error(tmp_path):
    result = subprocess.run([sys.executable, "-m", "server.cli", "serve", "--instance",
                             str(tmp_path), "--kiosk-printer", "no-url-here"], cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "KIOSK=PRINTER_URL" in result.stderr
