"""The real `qms kiosk-agent`, made to kill itself with SIGKILL at a chosen moment, so the tests
can crash it exactly where at-most-once printing is at stake (no test hooks in the agent):

    QMS_TEST_CRASH_AT=mid-send    half of the first ticket's bytes reach the printer, then -9
                                  (after the journal said "started", before "done" and the ack)
    QMS_TEST_CRASH_AT=before-ack  the whole ticket is printed and journaled "done", then -9
                                  (before the server heard about it)
"""
import os
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

from kiosk import agent as agent_module  # noqa: E402
from kiosk import journal as journal_module  # noqa: E402


def die():
    sys.stdout.flush()
    sys.stderr.flush()
    os.kill(os.getpid(), signal.SIGKILL)


point = os.environ["QMS_TEST_CRASH_AT"]
if point == "mid-send":
    real_open = agent_module.open_printer

    def open_printer(url, **options):
        printer = real_open(url, **options)
        real_send = printer.send

        def send(data):
            if len(data) <= 3:  # a DLE EOT status query
                return real_send(data)
            real_send(data[: len(data) // 2])
            die()

        printer.send = send
        return printer

    agent_module.open_printer = open_printer
elif point == "before-ack":
    real_mark = journal_module.PrintJournal.mark

    def mark(self, key, state, reason=""):
        real_mark(self, key, state, reason)
        if state == journal_module.DONE:
            die()

    journal_module.PrintJournal.mark = mark
else:
    raise SystemExit(f"unknown crash point {point!r}")

from server.cli import main  # noqa: E402

main(args=["kiosk-agent", *sys.argv[1:]])
