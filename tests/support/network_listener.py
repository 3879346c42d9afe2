"""A python-socketio client over the network (a real server process) that keeps every `state`
push it receives: for tests with several server processes, nginx, or commands run beside."""
import queue

import socketio

WAIT = 10


class Listener:
    def __init__(self, url, join, headers=None):
        self.states = queue.Queue()
        self.seqs = []
        self.client = socketio.Client(reconnection=False)
        self.client.on("state", self._on_state)
        self.client.connect(url, headers=headers or {}, transports=["websocket"], wait_timeout=WAIT)
        self.join_answer = self.client.call("join", join, timeout=WAIT)

    def _on_state(self, data):
        self.seqs.append(data["seq"])
        self.states.put(data)

    def wait_for(self, predicate):
        while True:
            state = self.states.get(timeout=WAIT)
            if predicate(state):
                return state

    def close(self):
        self.client.disconnect()
