"""`qms backup` while a real server takes tickets, `qms restore` into a fresh folder or
database: the restored log is a consistent prefix of the live one (nothing torn, nothing
invented) holding at least what was acknowledged before the backup began, on both stores.
The commands run in this process (CliRunner): what they do to the stores is the point."""
import threading

import pytest

from server.site_file import DEMO_SITE
from server.store import open_store
from support.databases import fresh_store
from support import inprocess
from support.server_process import ServerProcess, take_ticket

SITE_ID = "demo-ben-nghe"


def qms(*args):
    return inprocess.qms(*args, "--site", DEMO_SITE)


def events_of(url):
    store = open_store(url)
    try:
        return store.events_after(SITE_ID, 0)
    finally:
        store.close()


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_backup_while_serving_and_restore_into_a_fresh_store(kind, tmp_path):
    with fresh_store(kind, tmp_path / "live") as live, \
            fresh_store(kind, tmp_path / "restored") as restored:
        (tmp_path / "live").mkdir()
        with ServerProcess(tmp_path / "instance", store=live) as server:
            for _ in range(10):
                assert take_ticket(server.url).status_code == 201
            before = len(events_of(live))
            stop, taken = threading.Event(), []

            def keep_taking():  # the server goes on writing during the backup
                while not stop.is_set() and len(taken) < 200:
                    taken.append(take_ticket(server.url, "VNEID").status_code)

            writer = threading.Thread(target=keep_taking)
            writer.start()
            try:
                target = tmp_path / "backups" / f"site.{kind}"
                made = qms("backup", "--store", live, "--instance", str(tmp_path / "instance"),
                           "--output", str(target))
            finally:
                stop.set()
                writer.join()
            assert made.returncode == 0, made.stderr
            assert set(taken) == {201}
        everything = events_of(live)

        done = qms("restore", str(target), "--store", restored,
                   "--instance", str(tmp_path / "fresh-instance"))
        assert done.returncode == 0, done.stderr
        back = events_of(restored)
        assert len(back) >= before
        assert back == everything[:len(back)]  # a consistent snapshot: a prefix of the log
        again = qms("restore", str(target), "--store", restored,
                    "--instance", str(tmp_path / "fresh-instance"))
        assert again.returncode == 1  # never over a store that has data
