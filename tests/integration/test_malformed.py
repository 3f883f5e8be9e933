"""Malformed and hostile input over raw UDP (and a little TCP): gslbd answers FORMERR/NOTIMP or
stays silent as the RFCs say, never answers a response, and never crashes: after every case a
valid query must still be answered."""

import random
import socket
import struct
import time
import unittest

from harness import (HOST, GslbdTestCase, build_query, encode_name, opt_record, parse_message,
                     tcp_connect, tcp_read_message)


def header(qid, flags=0, qd=1, an=0, ns=0, ar=0):
    return struct.pack("!HHHHHH", qid, flags, qd, an, ns, ar)


QUESTION = encode_name("www.example.test") + struct.pack("!HH", 1, 1)


class MalformedTestCase(GslbdTestCase):
    ZONES = ("example.test.zone",)

    def expect_silence(self, packets, wait=1.0):
        """Sends every packet from one socket; no reply may come back."""
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            s.bind((HOST, 0))
            for p in packets:
                s.sendto(p, (HOST, self.port))
            deadline = time.monotonic() + wait
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                s.settimeout(left)
                try:
                    data, _ = s.recvfrom(65535)
                except socket.timeout:
                    break
                self.fail("got a reply %r to a packet that must be ignored" % data[:40])
        finally:
            s.close()
        self.assert_alive_and_answering()

    def expect_rcode(self, packet, status, allow_silence=False, what=""):
        data = self.udp(packet, timeout=1.5 if allow_silence else 2.0)
        if data is None:
            self.assertTrue(allow_silence, "no answer to %s (expected %s)" % (what, status))
        else:
            r = parse_message(data)
            self.assertEqual(r["id"], struct.unpack("!H", packet[:2])[0], what)
            self.assertTrue(r["qr"], what)
            self.assertEqual(r["status"], status, what)
            self.assertFalse(r["aa"], what)
            self.assertEqual(r["counts"][1:3], (0, 0), what)
        self.assert_alive_and_answering()
        return data


class DropTests(MalformedTestCase):

    def test_responses_get_no_answer(self):
        packets = []
        for opcode in (0, 4, 5):
            q = bytearray(build_query("www.example.test", "A", opcode=opcode))
            q[2] |= 0x80  # QR=1
            packets.append(bytes(q))
        q = bytearray(build_query("www.example.test", "A", qdcount=0))
        q[2] |= 0x80
        packets.append(bytes(q))
        q = bytearray(build_query("www.example.test", "A", edns=opt_record(1232)))
        q[2] |= 0x84  # QR and AA
        q[3] |= 0x03  # NXDOMAIN
        packets.append(bytes(q))
        self.expect_silence(packets)

    def test_short_packets_get_no_answer(self):
        full = build_query("www.example.test", "A")
        self.expect_silence([full[:n] for n in range(0, 12)])


class FormErrTests(MalformedTestCase):

    def test_qdcount_zero(self):
        self.expect_rcode(header(0x1001, qd=0), "FORMERR", what="QDCOUNT=0, header only")
        self.expect_rcode(header(0x1002, qd=0) + QUESTION, "FORMERR",
                          what="QDCOUNT=0 with a question")

    def test_qdcount_two(self):
        self.expect_rcode(header(0x1003, qd=2) + QUESTION + QUESTION, "FORMERR",
                          what="QDCOUNT=2")
        self.expect_rcode(header(0x1004, qd=2) + QUESTION, "FORMERR",
                          what="QDCOUNT=2 with one question")

    def test_answer_or_authority_in_query(self):
        rr = b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 60, 4) + b"\xc0\x00\x02\x01"
        self.expect_rcode(header(0x1005, an=1) + QUESTION + rr, "FORMERR", allow_silence=True,
                          what="ANCOUNT=1")
        self.expect_rcode(header(0x1006, ns=1) + QUESTION + rr, "FORMERR", allow_silence=True,
                          what="NSCOUNT=1")

    def test_compression_pointer_in_question(self):
        # The question name may not be compressed: nothing precedes it to point at.
        self.expect_rcode(header(0x1101) + b"\xc0\x0c" + struct.pack("!HH", 1, 1), "FORMERR",
                          allow_silence=True, what="pointer to itself in the question")
        self.expect_rcode(header(0x1102) + b"\x03www\xc0\x00" + struct.pack("!HH", 1, 1),
                          "FORMERR", allow_silence=True, what="pointer to the header")
        self.expect_rcode(header(0x1103) + b"\x03www\xc0\x0c" + struct.pack("!HH", 1, 1),
                          "FORMERR", allow_silence=True, what="pointer to the question start")

    def additional(self, qid, name, rtype=1, rdata=b"\x01\x02\x03\x04"):
        return (header(qid, ar=1) + QUESTION + name +
                struct.pack("!HHIH", rtype, 1, 60, len(rdata)) + rdata)

    def test_pointer_loop_in_additional_name(self):
        off = 12 + len(QUESTION)  # where the additional record's name starts
        # a pointer to itself
        self.expect_rcode(self.additional(0x1201, struct.pack("!H", 0xC000 | off)), "FORMERR",
                          allow_silence=True, what="self pointer")
        # a label followed by a pointer back to that label: loops backwards forever
        self.expect_rcode(self.additional(0x1202, b"\x01a" + struct.pack("!H", 0xC000 | off)),
                          "FORMERR", allow_silence=True, what="backward loop")
        # two pointers pointing at each other
        loop = struct.pack("!HH", 0xC000 | (off + 2), 0xC000 | off)
        self.expect_rcode(self.additional(0x1203, loop), "FORMERR", allow_silence=True,
                          what="two-pointer loop")

    def test_out_of_bounds_pointer(self):
        self.expect_rcode(self.additional(0x1301, b"\xff\xff"), "FORMERR", allow_silence=True,
                          what="pointer past the end")
        self.expect_rcode(self.additional(0x1302, b"\x01a\xc0"), "FORMERR", allow_silence=True,
                          what="pointer cut in half")
        pkt = header(0x1303, ar=1) + QUESTION + b"\xc3\xe8"  # to offset 1000, end of packet
        self.expect_rcode(pkt, "FORMERR", allow_silence=True, what="pointer at the very end")

    def test_name_longer_than_255(self):
        long_name = b"".join(bytes([63]) + b"a" * 63 for _ in range(4)) + b"\x00"  # 257 octets
        self.expect_rcode(header(0x1401) + long_name + struct.pack("!HH", 1, 1), "FORMERR",
                          allow_silence=True, what="257-octet name")
        many = b"\x01a" * 130 + b"\x00"  # 261 octets in 1-octet labels
        self.expect_rcode(header(0x1402) + many + struct.pack("!HH", 1, 1), "FORMERR",
                          allow_silence=True, what="130 labels")

    def test_name_of_exactly_255_is_valid(self):
        name = b"".join(bytes([63]) + b"b" * 63 for _ in range(3)) + b"\x3d" + b"c" * 61 + b"\x00"
        self.assertEqual(len(name), 255)
        data = self.udp(header(0x1403) + name + struct.pack("!HH", 1, 1))
        self.assertIsNotNone(data)
        r = parse_message(data)
        self.assertEqual(r["status"], "REFUSED")  # well formed, just not ours
        self.assertEqual(r["question"][0]["wire"], name)

    def test_label_length_64(self):
        name = b"\x40" + b"a" * 64 + b"\x07example\x04test\x00"
        self.expect_rcode(header(0x1501) + name + struct.pack("!HH", 1, 1), "FORMERR",
                          allow_silence=True, what="64-octet label")
        name = b"\x80" + b"a" * 10 + b"\x00"  # reserved label type 10
        self.expect_rcode(header(0x1502) + name + struct.pack("!HH", 1, 1), "FORMERR",
                          allow_silence=True, what="label type 0x80")

    def test_truncated_question(self):
        full = header(0x1600) + QUESTION
        for cut in (13, 15, 16, len(full) - 4, len(full) - 3, len(full) - 1):
            pkt = struct.pack("!H", 0x1600 + cut) + full[2:cut]
            self.expect_rcode(pkt, "FORMERR", allow_silence=True, what="question cut at %d" % cut)

    def test_label_running_past_the_end(self):
        pkt = header(0x1650) + b"\x3fabc"
        self.expect_rcode(pkt, "FORMERR", allow_silence=True, what="label past the end")

    def test_opt_option_overruns_rdata(self):
        rdata = struct.pack("!HH", 65001, 10) + b"\xab\xcd"  # claims 10, carries 2
        q = build_query("www.example.test", "A", qid=0x1701, edns=opt_record(rdata=rdata))
        self.expect_rcode(q, "FORMERR", allow_silence=True, what="option past rdata")
        rdata = struct.pack("!HH", 3, 0) + b"\x00\x08"  # a half option header at the end
        q = build_query("www.example.test", "A", qid=0x1702, edns=opt_record(rdata=rdata))
        self.expect_rcode(q, "FORMERR", allow_silence=True, what="half option header")

    def test_opt_rdata_overruns_packet(self):
        # OPT RDLENGTH (the 2 octets before the 4-octet option) rewritten to 40
        pkt = bytearray(build_query("www.example.test", "A", qid=0x1703,
                                    edns=opt_record(options=[(3, b"")])))
        pkt[-6:-4] = struct.pack("!H", 40)
        self.expect_rcode(bytes(pkt), "FORMERR", allow_silence=True, what="rdlength past end")

    def test_two_opt_records(self):
        q = bytearray(build_query("www.example.test", "A", qid=0x1801,
                                  edns=opt_record(1232) + opt_record(1232)))
        q[10:12] = struct.pack("!H", 2)
        self.expect_rcode(bytes(q), "FORMERR", allow_silence=True, what="two OPT")

    def test_opt_not_at_root(self):
        opt = opt_record(1232)
        q = bytearray(build_query("www.example.test", "A", qid=0x1802,
                                  edns=b"\x01x" + opt[1:]))
        self.expect_rcode(bytes(q), "FORMERR", allow_silence=True, what="OPT owner not root")

    def test_bad_ecs_option(self):
        cases = {
            "family 3": struct.pack("!HBB", 3, 24, 0) + b"\xc0\x00\x02",
            "prefix 33 for IPv4": struct.pack("!HBB", 1, 33, 0) + b"\xc0\x00\x02\x01\x01",
            "address longer than prefix": struct.pack("!HBB", 1, 8, 0) + b"\xc0\x00\x02",
            "bits beyond prefix": struct.pack("!HBB", 1, 20, 0) + b"\xc0\x00\x0f",
            "short option": b"\x00\x01",
        }
        for i, (what, ecs) in enumerate(cases.items()):
            q = build_query("www.example.test", "A", qid=0x1900 + i,
                            edns=opt_record(options=[(8, ecs)]))
            self.expect_rcode(q, "FORMERR", allow_silence=True, what=what)

    def test_opt_in_question_type(self):
        self.expect_rcode(build_query("www.example.test", "OPT", qid=0x1950), "FORMERR",
                          allow_silence=True, what="qtype OPT")


class OpcodeTests(MalformedTestCase):

    def test_unknown_opcodes_notimp(self):
        for opcode in (4, 5, 2, 1, 3, 6, 15):
            q = build_query("www.example.test", "SOA", opcode=opcode, qid=0x2000 + opcode)
            data = self.udp(q)
            self.assertIsNotNone(data, "no answer to opcode %d" % opcode)
            r = parse_message(data)
            self.assertEqual(r["id"], 0x2000 + opcode)
            self.assertTrue(r["qr"])
            self.assertEqual(r["status"], "NOTIMP", "opcode %d" % opcode)
            self.assertEqual(r["opcode"], opcode, "the opcode is echoed")
            self.assertEqual(r["counts"][1:3], (0, 0))
            self.assertFalse(r["aa"])
        self.assert_alive_and_answering()

    def test_notify_with_soa_answer_section(self):
        # A real NOTIFY carries the SOA in the answer section (RFC 1996): still NOTIMP.
        rr = b"\xc0\x0c" + struct.pack("!HHIH", 6, 1, 60, 0)
        q = header(0x2100, flags=4 << 11 | 0x0400, an=1) + encode_name("example.test") + \
            struct.pack("!HH", 6, 1) + rr
        self.expect_rcode(q, "NOTIMP", what="NOTIFY with an answer")


class GarbageTests(MalformedTestCase):

    def mutations(self, rng, count):
        seeds = [
            build_query("www.example.test", "A"),
            build_query("big.example.test", "TXT", edns=opt_record(4096, do=True)),
            build_query("x.wild.example.test", "ANY",
                        edns=opt_record(1232, options=[(3, b""), (8, b"\x00\x01\x18\x00\xc0\x00\x02"),
                                                       (10, b"12345678")])),
            build_query("chain.example.test", "A", edns=opt_record(512)),
            build_query("www.child.example.test", "NS"),
        ]
        out = []
        for i in range(count):
            kind = i % 4
            if kind == 0:  # pure noise
                p = bytearray(rng.getrandbits(8) for _ in range(rng.randrange(0, 300)))
            elif kind == 1:  # a mutated real query
                p = bytearray(rng.choice(seeds))
                for _ in range(rng.randrange(1, 6)):
                    p[rng.randrange(len(p))] = rng.getrandbits(8)
                if rng.random() < 0.3:
                    p = p[:rng.randrange(len(p) + 1)]
            elif kind == 2:  # a plausible header over random labels and records
                p = bytearray(header(rng.getrandbits(16), rng.getrandbits(16) & 0x7FFF,
                                     qd=rng.choice((0, 1, 1, 1, 2)), ar=rng.randrange(0, 4)))
                for _ in range(rng.randrange(0, 8)):
                    n = rng.choice((0, 1, 5, 63, 64, 0xC0, 0xFF))
                    p += bytes([n]) + bytes(rng.getrandbits(8) for _ in range(min(n, 70) % 70))
                p += bytes(rng.getrandbits(8) for _ in range(rng.randrange(0, 40)))
            else:  # valid question, random additional section
                p = bytearray(header(rng.getrandbits(16), 0, qd=1, ar=rng.randrange(1, 3)))
                p += QUESTION
                p += bytes(rng.getrandbits(8) for _ in range(rng.randrange(0, 60)))
            if rng.random() < 0.8 and len(p) > 2:
                p[2] &= 0x7F  # mostly queries, so the parser goes deep
            out.append(bytes(p))
        return out

    def test_random_garbage(self):
        rng = random.Random(20241125)
        packets = self.mutations(rng, 4000)
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
        s.bind((HOST, 0))
        replies = []
        try:
            for i, p in enumerate(packets):
                s.sendto(p, (HOST, self.port))
                if i % 50 == 49:
                    time.sleep(0.002)  # keep the burst within the socket buffers
                    s.setblocking(False)
                    try:
                        while True:
                            replies.append(s.recv(65535))
                    except BlockingIOError:
                        pass
                    s.setblocking(True)
            deadline = time.monotonic() + 1.0
            while time.monotonic() < deadline:
                s.settimeout(max(0.01, deadline - time.monotonic()))
                try:
                    replies.append(s.recv(65535))
                except socket.timeout:
                    break
        finally:
            s.close()
        self.assert_alive_and_answering()
        # Whatever came back must be a well formed response.
        self.assertGreater(len(replies), 0, "not a single garbage packet was answered")
        for data in replies:
            try:
                r = parse_message(data)
            except Exception as e:  # noqa: BLE001
                self.fail("malformed reply %r: %s" % (data[:64], e))
            self.assertTrue(r["qr"])
            self.assertLessEqual(len(data), 1232)

    def test_random_garbage_over_tcp(self):
        rng = random.Random(7)
        for _ in range(20):
            with tcp_connect(self.port) as c:
                blob = bytes(rng.getrandbits(8) for _ in range(rng.randrange(1, 2000)))
                try:
                    c.sendall(blob)
                except OSError:
                    pass
        time.sleep(0.2)
        with tcp_connect(self.port) as c:
            q = build_query("www.example.test", "A", qid=0x3333)
            c.sendall(struct.pack("!H", len(q)) + q)
            r = parse_message(tcp_read_message(c))
        self.assertEqual((r["id"], r["status"]), (0x3333, "NOERROR"))
        self.assertEqual([a["rdata"] for a in r["answer"]], ["192.0.2.10"])
        self.assert_alive_and_answering()


if __name__ == "__main__":
    unittest.main()
