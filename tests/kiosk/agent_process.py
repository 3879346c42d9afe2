"""The kiosk print agent as a subprocess (`python -m server.cli kiosk-agent`), as on a kiosk PC."""
import os
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


class AgentProcess:
    def __init__(self, server_url, token, printer_url, journal, log_path, crash_at=None,
                 extra_args=(), script=None, env=None):
        self.args = ["--server", server_url, "--token", token, "--printer", printer_url,
                     "--journal", str(journal), "--status-interval", "1", *extra_args]
        self.crash_at = crash_at
        self.script = script  # a wrapper script run instead of `qms kiosk-agent`
        self.env = env or {}
        self.log_path = str(log_path)
        self.proc = None

    def start(self):
        env = dict(os.environ, PYTHONUNBUFFERED="1", **self.env)
        if self.script:
            cmd = [sys.executable, self.script, *self.args]
        elif self.crash_at:
            env["QMS_TEST_CRASH_AT"] = self.crash_at
            cmd = [sys.executable, os.path.join(HERE, "crashing_agent.py"), *self.args]
        else:
            cmd = [sys.executable, "-m", "server.cli", "kiosk-agent", *self.args]
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=self._log,
                                     stderr=subprocess.STDOUT)
        return self

    def log(self):
        with open(self.log_path, errors="replace") as fh:
            return fh.read()

    def wait_for_log(self, text, timeout=15):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.log():
                return True
            if self.proc.poll() is not None:
                break
            time.sleep(0.1)
        return text in self.log()

    def wait_exit(self, timeout=20):
        try:
            return self.proc.wait(timeout=timeout)
        finally:
            self._log.close()

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        return self.wait_exit()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        if not self._log.closed:
            self._log.close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
