"""The real `qms kiosk-agent` as a Windows kiosk PC has it, run on Linux:

- only the agent's own dependency set: importing any package of the site server (Flask,
  eventlet, SQLAlchemy, pydantic, …) fails, as it would after `pip install qms-cccd[agent]`;
- no POSIX-only module of Python's standard library (fcntl, termios, pwd, grp, resource):
  Windows' Python has none of them, so a call into one on the agent's path fails here too;
- pywin32's win32print is the fake of tests/support/fake_win32print.py, which writes each RAW
  document to $QMS_FAKE_SPOOL_DIR.

Everything else is real: the command line, the agent, the journal, rendering, the transport.
"""
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SERVER_ONLY = ("flask", "flask_socketio", "eventlet", "sqlalchemy", "pydantic", "alembic",
               "openpyxl", "pygal", "psycopg", "redis", "gevent", "werkzeug", "jinja2")
POSIX_ONLY = ("fcntl", "termios", "pwd", "grp", "resource", "posix_ipc", "tty", "pty")


# None in sys.modules is how Python spells "not installed": `import flask` raises
# ModuleNotFoundError and importlib.util.find_spec("flask") answers None.
for name in SERVER_ONLY + POSIX_ONLY:
    sys.modules[name] = None
sys.path[:0] = [ROOT, os.path.join(ROOT, "tests")]

from support import fake_win32print  # noqa: E402

fake_win32print.install()

if __name__ == "__main__":
    from server.cli import main
    main(["kiosk-agent", *sys.argv[1:]], prog_name="qms")
