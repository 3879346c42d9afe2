"""The print agent of a Windows kiosk PC, tested on Linux (tests/kiosk/windows_agent.py): its
own small dependency set (no server package importable) and the Windows spooler faked; the
server, the agent process, the journal and the ESC/POS bytes are real."""
import os
import subprocess
import sys

from agent_process import AgentProcess
from fake_printer import decoder
from kiosk_helpers import counter_view, issue_token
from support.server_process import take_ticket
from support.waiting import wait_until

HERE = os.path.dirname(os.path.abspath(__file__))
WRAPPER = os.path.join(HERE, "windows_agent.py")


def test_the_agent_imports_without_the_servers_packages():
    probe = (
        "import runpy, sys; sys.argv = ['windows_agent.py']; "
        f"runpy.run_path({WRAPPER!r}, run_name='probe'); "
        "import kiosk.agent, kiosk.journal, printer_drivers, server.cli; "
        "from printer_drivers.transports import TRANSPORTS, open_printer; "
        "[open_printer(u) for u in ('winspool://P', 'tcp://127.0.0.1:9100', 'virtual://')]; "
        "import importlib; [importlib.import_module('printer_drivers.transports.' + m) "
        "for m, _ in TRANSPORTS.values()]; "
        "blocked = [m for m in ('flask', 'eventlet', 'sqlalchemy', 'pydantic', 'fcntl', 'termios') "
        "if sys.modules[m] is not None]; "
        "print('loaded:', blocked)"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert "loaded: []" in done.stdout
    # On such an install a server command says what to install, in one line, no traceback.
    serve = subprocess.run([sys.executable, "-c", (
        f"import runpy; runpy.run_path({WRAPPER!r}, run_name='probe'); "
        "from server.cli import main; main(['serve'], prog_name='qms')")],
        capture_output=True, text=True, timeout=60)
    assert serve.returncode == 1 and "Traceback" not in serve.stderr, serve.stderr
    assert "pip install 'qms-cccd[server]'" in serve.stderr


def test_a_ticket_prints_through_the_windows_spooler(server, tmp_path):
    spool = tmp_path / "spool"
    spool.mkdir()
    agent = AgentProcess(server.url, issue_token(server.url),
                         "winspool://EPSON%20TM-T82%20Receipt", tmp_path / "journal.jsonl",
                         tmp_path / "agent.log", script=WRAPPER,
                         env={"QMS_FAKE_SPOOL_DIR": str(spool)},
                         extra_args=("--mode", "text"))
    with agent:
        # The spooler knows no fault: "unknown" (may print), and the agent is online.
        wait_until(lambda: {p["kiosk"]: p["status"] for p in
                            counter_view(server.url)["printers"]}.get("K1") == "unknown",
                   message="agent online, spooler status reported")
        answer = take_ticket(server.url, kiosk="K1")
        assert answer.status_code == 201, answer.text
        ticket = answer.json()["ticket"]
        wait_until(lambda: list(spool.glob("*.raw")), message="a RAW document spooled")
        assert not any(m in agent.log() for m in ("Traceback", "ModuleNotFoundError")), agent.log()
    documents = sorted(spool.glob("*.raw"))
    assert len(documents) == 1
    data = documents[0].read_bytes()
    if decoder is not None:
        ops = decoder.decode(data)
        assert ticket["number"] in decoder.text_lines(ops)
        assert [op.value for op in ops if op.kind == "qr_store"] == [ticket["track_url"]]
    else:
        assert ticket["number"].encode() in data


def test_the_agent_install_asks_for_nothing_of_the_server():
    """setup.cfg, which pip reads: the base install (a kiosk PC) and its `agent` extra name no
    package of the site server; the extra adds pywin32 on Windows only."""
    import configparser

    from packaging.requirements import Requirement
    # (windows_agent.py's list; not imported from there: importing it hides these packages
    # from this whole test process)
    server_only = ("flask", "flask_socketio", "eventlet", "sqlalchemy", "pydantic", "alembic",
                   "openpyxl", "pygal", "psycopg", "redis", "gevent", "werkzeug", "jinja2",
                   "limits")

    config = configparser.ConfigParser()
    config.read(os.path.join(HERE, "..", "..", "setup.cfg"), encoding="utf-8")

    def names(text):
        return {Requirement(line).name.lower().replace("-", "_"): Requirement(line)
                for line in text.splitlines() if line.strip() and not line.startswith("#")}

    base = names(config["options"]["install_requires"])
    agent = names(config["options.extras_require"]["agent"])
    server_side = set(server_only) | {"qms_cccd"}
    assert not (set(base) | set(agent)) & server_side
    assert set(agent) == {"pywin32"}
    marker = agent["pywin32"].marker
    assert marker.evaluate({"sys_platform": "win32"}) and not marker.evaluate(
        {"sys_platform": "linux"})
