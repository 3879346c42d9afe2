"""The print agent's journal: what happened to each print job, on disk, fsync'd.

A job is printed at most once, also across crashes of the agent or of the kiosk PC. The rule:

    nothing   -> the job was never sent: print it
    started   -> written (and fsync'd) BEFORE the first byte goes to the printer; if the agent
                 finds a job still "started" after a restart it cannot know whether the ticket
                 came out, so it does NOT print again: it reports the job as failed
                 ("may have printed") and staff look at the printer and reprint if needed
    done      -> written after the printer took every byte: acknowledge again, never reprint
    failed    -> bytes may have gone out but the job is known not to have completed (a send
                 error, or a "started" job reported after a restart): report the failure again

One JSON object per line, appended; the last line for a key wins. A torn last line (power cut
during the write) is ignored: the write of "started" finishes (fsync) before any byte is sent,
so a torn "started" means nothing was printed. On opening, the file is compacted: one line per
job, jobs older than `keep_days` dropped, rewritten atomically (temp file, fsync, rename).
"""
from __future__ import annotations

import json
import os
import threading
import time

STARTED, DONE, FAILED = "started", "done", "failed"
STATES = (STARTED, DONE, FAILED)


def job_key(job: dict) -> str:
    """(ticket id, job number) names a print job; the issue time guards against a server whose
    store was reset and hands out ticket ids again."""
    ticket = job.get("ticket") or {}
    return f"{int(job['ticket_id'])}/{int(job['job'])}/{ticket.get('issued_at') or ''}"


class PrintJournal:
    def __init__(self, path: str, keep_days: float = 14.0):
        self.path = os.path.abspath(path)
        self.keep_seconds = keep_days * 86400
        self._lock = threading.Lock()
        self._entries: dict[str, dict] = {}
        directory = os.path.dirname(self.path)
        os.makedirs(directory, exist_ok=True)
        self._load()
        self._compact()
        self._fh = open(self.path, "a", encoding="utf-8")

    # -- reading ---------------------------------------------------------------------------
    def get(self, key: str) -> dict | None:
        with self._lock:
            entry = self._entries.get(key)
            return dict(entry) if entry else None

    def state(self, key: str) -> str | None:
        entry = self.get(key)
        return entry["state"] if entry else None

    def __len__(self):
        return len(self._entries)

    # -- writing ---------------------------------------------------------------------------
    def mark(self, key: str, state: str, reason: str = "") -> None:
        """Record a job's new state; returns only when it is on disk."""
        if state not in STATES:
            raise ValueError(f"state must be one of {STATES}")
        entry = {"key": key, "state": state, "at": round(time.time(), 3)}
        if reason:
            entry["reason"] = reason
        line = json.dumps(entry, ensure_ascii=False) + "\n"
        with self._lock:
            self._fh.write(line)
            self._fh.flush()
            os.fsync(self._fh.fileno())
            self._entries[key] = entry

    def close(self):
        with self._lock:
            if not self._fh.closed:
                self._fh.close()

    # -- internals -------------------------------------------------------------------------
    def _load(self):
        try:
            fh = open(self.path, encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return
        with fh:
            for line in fh:
                try:
                    entry = json.loads(line)
                except ValueError:
                    continue  # a torn line from a power cut
                if isinstance(entry, dict) and entry.get("state") in STATES and entry.get("key"):
                    self._entries[entry["key"]] = entry

    def _compact(self):
        cutoff = time.time() - self.keep_seconds
        # Tickets live for one business day, so a job older than keep_days is never sent again.
        self._entries = {k: e for k, e in self._entries.items()
                         if float(e.get("at", 0)) >= cutoff}
        tmp = self.path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as fh:
            for entry in self._entries.values():
                fh.write(json.dumps(entry, ensure_ascii=False) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.path)
        _fsync_dir(os.path.dirname(self.path))


def _fsync_dir(directory):
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
