"""A paced UDP flood that counts every query it sends and every reply it gets, per (source socket,
ID), so a test can say exactly how many were lost (test_handover.py, test_sighup_reload.py,
test_tcp_stall.py). Stdlib only; all traffic to 127.0.0.1."""

import select
import socket
import struct
import threading
import time

import harness
from harness import WireError, build_query, parse_message


class Flood:
    """Queries for `name` at `rate` a second from `sockets` source ports, each with its own ID
    space, and the replies counted per (socket, ID). A reply with an answer section counts as
    answered; `replies` keeps, per sent query in send order, (status, answer rdata tuple) of its
    reply (None while none came), so a test can follow how the answers changed over time."""

    def __init__(self, port, rate=2000, sockets=16, name="www.example.test", qtype="A"):
        self.port = port
        self.rate = rate
        self.name, self.qtype = name, qtype
        self.socks = []
        for _ in range(sockets):
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
            s.bind((harness.HOST, 0))
            s.setblocking(False)
            self.socks.append(s)
        self.index = {s.fileno(): i for i, s in enumerate(self.socks)}
        self.sent = set()
        self.answered = set()
        self.order = {}    # (socket, ID) -> its position in send order
        self.replies = []  # by send order: None or (status, rdata tuple)
        self.unparsable = 0
        self.stop_sending = threading.Event()
        self.done = threading.Event()
        self.lock = threading.Lock()
        self.sender = threading.Thread(target=self._send, daemon=True)
        self.receiver = threading.Thread(target=self._receive, daemon=True)
        self.started_at = self.stopped_at = None

    def start(self):
        self.receiver.start()
        self.sender.start()
        return self

    def _send(self):
        qid = 0
        t0 = self.started_at = time.monotonic()
        n = 0
        while not self.stop_sending.is_set():
            # Pace to the rate in small bursts.
            due = int((time.monotonic() - t0) * self.rate)
            while n < due:
                # IDs repeat only after 65535 queries: a key names one query for runs shorter
                # than 65535 / rate seconds (32 s at 2000 a second), which every user keeps to.
                qid = (qid % 65535) + 1
                i = n % len(self.socks)
                q = build_query(self.name, self.qtype, qid=qid)
                with self.lock:
                    self.sent.add((i, qid))
                    self.order[(i, qid)] = len(self.replies)
                    self.replies.append(None)
                try:
                    self.socks[i].sendto(q, (harness.HOST, self.port))
                except BlockingIOError:
                    pass
                n += 1
            time.sleep(0.002)
        self.stopped_at = time.monotonic()

    def _receive(self):
        while not self.done.is_set():
            ready, _, _ = select.select(self.socks, [], [], 0.05)
            for s in ready:
                i = self.index[s.fileno()]
                while True:
                    try:
                        data = s.recv(4096)
                    except BlockingIOError:
                        break
                    try:
                        r = parse_message(data)
                    except WireError:
                        self.unparsable += 1
                        continue
                    key = (i, r["id"])
                    with self.lock:
                        if r["answer"]:
                            self.answered.add(key)
                        pos = self.order.get(key)
                        if pos is not None:
                            self.replies[pos] = (r["status"],
                                                 tuple(sorted(str(a["rdata"])
                                                              for a in r["answer"])))

    def counts(self):
        """(sent, answered) so far."""
        with self.lock:
            return len(self.sent), len(self.answered)

    def finish(self, linger=1.5):
        """Stops sending, waits `linger` s for the last replies; returns (sent, lost)."""
        self.stop_sending.set()
        self.sender.join()
        time.sleep(linger)  # the last replies
        self.done.set()
        self.receiver.join()
        for s in self.socks:
            s.close()
        with self.lock:
            return len(self.sent), len(self.sent - self.answered)

    def answered_rate(self):
        """Answered queries a second over the sending time (after finish())."""
        return len(self.answered) / max(1e-9, self.stopped_at - self.started_at)
