"""A real provincial hub (`qms hub`) in a subprocess, for hub tests and benchmarks."""
import os
import sys

import requests

from .server_process import ServerProcess
from .waiting import wait_until


class HubProcess(ServerProcess):
    """`qms hub` in a subprocess (eventlet), on its own port or a shared one (--reuse-port)."""

    def __init__(self, folder, store, port=None, message_queue=None, channel=None,
                 reuse_port=False, extra_args=()):
        super().__init__(folder, port=port)
        self.hub_store, self.message_queue, self.channel = store, message_queue, channel
        self.reuse_port = reuse_port
        self.hub_args = list(extra_args)
        self.log_path = os.path.join(self.instance, f"hub-{self.port}-{id(self)}.log")

    def command(self):
        cmd = [sys.executable, "-m", "server.cli", "hub", "--store", self.hub_store,
               "--port", str(self.port)]
        if self.message_queue:
            cmd += ["--message-queue", self.message_queue, "--channel", self.channel]
        if self.reuse_port:
            cmd.append("--reuse-port")
        return cmd + self.hub_args

    @property
    def pid(self):
        return self.proc.pid

    def start(self, timeout=60):
        """Start, and wait until this process (not another on a shared port) answers."""
        super().start(timeout)

        def answers():
            try:
                return requests.get(self.url + "/healthz", timeout=2).json()["process"] == self.pid
            except requests.RequestException:
                return False
        wait_until(answers, timeout=timeout, message=f"hub process {self.pid} to answer")
        return self
