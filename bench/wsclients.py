"""Many light Socket.IO display clients in one process (asyncio, raw WebSocket).

python-socketio's own client runs two threads per connection; 2000 of them on a 2-core box
would measure the harness, not the server. This speaks just enough of Engine.IO 4 /
Socket.IO 5 over a WebSocket (no polling, no compression): open, connect to "/", emit
`join`, answer pings, and record the arrival time (time.monotonic(): CLOCK_MONOTONIC, one
clock for every process on the machine) and `seq` of every `state` push.

Driven by its parent over stdin/stdout, one command per line:
  -> READY <connected> <failed> <first_push_bytes>   (after connecting, once)
  <- WAIT <seq>      -> DONE <seq> <clients_reached> (all clients have seen seq >= <seq>)
  <- LAT <in> <out>  calls file (JSON [[seq, t0], ...]) -> latencies file (float64, NaN =
                     missed), client-major; -> LATDONE
  <- QUIT
"""
import argparse
import array
import asyncio
import base64
import json
import math
import os
import re
import struct
import sys
import threading
import time

SEQ = re.compile(rb'"seq":\s*(\d+)')
STATE_PREFIX = b'42["state",'


class Client(asyncio.Protocol):
    def __init__(self, owner, index):
        self.owner, self.index = owner, index
        self.buf = bytearray()
        self.handshaken = False
        self.fragments = None
        self.transport = None
        self.joined = asyncio.get_running_loop().create_future()
        self.seqs = array.array("q")
        self.times = array.array("d")
        self.max_seq = -1
        self.closed = False

    # -- connection ------------------------------------------------------------------------
    def connection_made(self, transport):
        self.transport = transport
        key = base64.b64encode(os.urandom(16)).decode()
        headers = [f"GET {self.owner.path}?EIO=4&transport=websocket HTTP/1.1",
                   f"Host: {self.owner.host}:{self.owner.port}", "Upgrade: websocket",
                   "Connection: Upgrade", f"Sec-WebSocket-Key: {key}",
                   "Sec-WebSocket-Version: 13"]
        if self.owner.cookie:
            headers.append(f"Cookie: {self.owner.cookie}")
        transport.write(("\r\n".join(headers) + "\r\n\r\n").encode())

    def connection_lost(self, exc):
        self.closed = True
        if not self.joined.done():
            self.joined.set_result(False)  # closed before joining

    def send_text(self, text):
        payload = text.encode()
        mask = os.urandom(4)
        n = len(payload)
        if n < 126:
            header = struct.pack("!BB", 0x81, 0x80 | n)
        elif n < 65536:
            header = struct.pack("!BBH", 0x81, 0x80 | 126, n)
        else:
            header = struct.pack("!BBQ", 0x81, 0x80 | 127, n)
        masked = bytes(b ^ mask[i & 3] for i, b in enumerate(payload))
        self.transport.write(header + mask + masked)

    def send_control(self, opcode, payload=b""):
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i & 3] for i, b in enumerate(payload))
        self.transport.write(struct.pack("!BB", 0x80 | opcode, 0x80 | len(payload)) + mask + masked)

    # -- receiving -------------------------------------------------------------------------
    def data_received(self, data):
        now = time.monotonic()
        self.buf += data
        if not self.handshaken:
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            status = bytes(self.buf[:self.buf.find(b"\r\n")])
            if b" 101 " not in status:
                self.transport.close()
                return
            del self.buf[:end + 4]
            self.handshaken = True
        while True:
            frame = self._frame()
            if frame is None:
                return
            opcode, payload = frame
            if opcode in (0x1, 0x2):
                self.on_message(payload, now)
            elif opcode == 0x9:
                self.send_control(0xA, payload)
            elif opcode == 0x8:
                self.transport.close()
                return

    def _frame(self):
        buf = self.buf
        while True:
            if len(buf) < 2:
                return None
            b0, b1 = buf[0], buf[1]
            n, at = b1 & 0x7F, 2
            if n == 126:
                if len(buf) < 4:
                    return None
                n, at = struct.unpack_from("!H", buf, 2)[0], 4
            elif n == 127:
                if len(buf) < 10:
                    return None
                n, at = struct.unpack_from("!Q", buf, 2)[0], 10
            if b1 & 0x80:
                at += 4  # a server never masks; tolerate it anyway
            if len(buf) < at + n:
                return None
            payload = bytes(buf[at:at + n])
            if b1 & 0x80:
                mask = buf[at - 4:at]
                payload = bytes(b ^ mask[i & 3] for i, b in enumerate(payload))
            del buf[:at + n]
            opcode, fin = b0 & 0x0F, b0 & 0x80
            if opcode == 0x0:
                self.fragments += payload
                if fin:
                    payload, opcode, self.fragments = bytes(self.fragments), self.frag_op, None
                    return opcode, payload
                continue
            if not fin:
                self.fragments, self.frag_op = bytearray(payload), opcode
                continue
            return opcode, payload

    def on_message(self, msg, now):
        kind = msg[:1]
        if kind == b"4":  # Engine.IO message carrying a Socket.IO packet
            if msg.startswith(STATE_PREFIX):
                found = SEQ.findall(msg, 0, len(msg))
                seq = max(int(s) for s in found) if found else -1
                self.seqs.append(seq)
                self.times.append(now)
                self.owner.last_bytes = len(msg)
                if not self.joined.done():
                    self.owner.first_bytes = self.owner.first_bytes or len(msg)
                    self.joined.set_result(True)
                if seq > self.max_seq:
                    self.owner.advanced(self.max_seq, seq)
                    self.max_seq = seq
            elif msg.startswith(b"40"):
                self.send_text("42" + json.dumps(["join", self.owner.join], separators=(",", ":")))
            elif msg.startswith(b"44"):
                self.joined.done() or self.joined.set_result(False)  # connect refused
        elif kind == b"0":  # Engine.IO open: connect to the default namespace
            self.send_text("40")
        elif kind == b"2":  # ping -> pong
            self.send_text("3")
        elif kind == b"1":
            self.transport.close()


class Owner:
    def __init__(self, args):
        self.host, self.port = args.host, args.port
        self.path = args.path
        self.cookie = args.cookie
        self.join = json.loads(args.join)
        self.clients = []
        self.first_bytes = 0
        self.last_bytes = 0
        self.target = None
        self.reached = 0

    def advanced(self, old, new):
        if self.target is not None and old < self.target <= new:
            self.reached += 1
            if self.reached == len(self.clients):
                self.say(f"DONE {self.target} {self.reached}")
                self.target = None

    def wait(self, seq):
        live = [c for c in self.clients if not c.closed]
        self.reached = sum(1 for c in self.clients if c.max_seq >= seq)
        if self.reached >= len(self.clients) or not live:
            self.say(f"DONE {seq} {self.reached}")
            self.target = None
        else:
            self.target = seq

    def say(self, line):
        sys.stdout.write(line + "\n")
        sys.stdout.flush()

    def latencies(self, path_in, path_out):
        with open(path_in) as fh:
            calls = json.load(fh)
        out = array.array("d")
        for c in self.clients:
            first = {}
            for s, t in zip(c.seqs, c.times):
                first.setdefault(s, t)
            for seq, t0 in calls:
                t = first.get(seq)
                out.append(t - t0 if t is not None else math.nan)
        with open(path_out, "wb") as fh:
            out.tofile(fh)
        self.say(f"LATDONE {self.last_bytes}")


async def connect_all(owner, count, parallel, timeout, deadline):
    loop = asyncio.get_running_loop()
    gate = asyncio.Semaphore(parallel)
    failed = 0

    async def one(i):
        nonlocal failed
        async with gate:
            for attempt in range(3):
                try:
                    _, client = await asyncio.wait_for(loop.create_connection(
                        lambda: Client(owner, i), owner.host, owner.port), timeout)
                    if await asyncio.wait_for(asyncio.shield(client.joined), timeout):
                        owner.clients.append(client)
                        return
                    raise ConnectionError("not joined")
                except (OSError, asyncio.TimeoutError, ConnectionError):
                    try:
                        client.transport.close()
                    except Exception:
                        pass
                    await asyncio.sleep(0.2 * (attempt + 1))
            failed += 1

    tasks = [asyncio.ensure_future(one(i)) for i in range(count)]
    _, pending = await asyncio.wait(tasks, timeout=deadline)
    for t in pending:  # never accepted (e.g. the server's connection cap): give up on them
        t.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    return count - len(owner.clients)


async def main(args):
    owner = Owner(args)
    loop = asyncio.get_running_loop()
    failed = await connect_all(owner, args.clients, args.parallel, args.timeout,
                               args.connect_deadline)
    owner.say(f"READY {len(owner.clients)} {failed} {owner.first_bytes}")
    commands = asyncio.Queue()

    def read_stdin():
        for line in sys.stdin:
            loop.call_soon_threadsafe(commands.put_nowait, line.split())
        loop.call_soon_threadsafe(commands.put_nowait, ["QUIT"])

    threading.Thread(target=read_stdin, daemon=True).start()
    deadline = time.monotonic() + args.max_seconds
    while time.monotonic() < deadline:
        try:
            cmd = await asyncio.wait_for(commands.get(), 5)
        except asyncio.TimeoutError:
            continue
        if not cmd:
            continue
        if cmd[0] == "WAIT":
            owner.wait(int(cmd[1]))
        elif cmd[0] == "LAT":
            owner.latencies(cmd[1], cmd[2])
        elif cmd[0] == "QUIT":
            break
    for c in owner.clients:
        if c.transport is not None:
            c.transport.close()
    await asyncio.sleep(0.1)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--path", default="/socket.io/")
    ap.add_argument("--clients", type=int, required=True)
    ap.add_argument("--join", default='{"role":"display"}')
    ap.add_argument("--cookie", default="")
    ap.add_argument("--parallel", type=int, default=8, help="connections opened at once")
    ap.add_argument("--timeout", type=float, default=15.0, help="per connection attempt")
    ap.add_argument("--connect-deadline", type=float, default=60.0,
                    help="give up on clients not connected by then")
    ap.add_argument("--max-seconds", type=float, default=1800, help="hard bound on the run")
    args = ap.parse_args()
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        sys.exit("benchmarks talk to the loopback only")
    asyncio.run(main(args))
