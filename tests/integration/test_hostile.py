"""Hostile packets, part two (issue 14): EDNS, cookies, ECS, label types, compression pointers,
TCP framing and header oddities, each over UDP and TCP where the transport matters.

For every case the reaction must be one the RFCs allow: the reply's ID is the query's, QR=1, an
error reply is never larger than the bound below, and a good query is answered right after.

The error-reply bound: a server may echo the header, the question as it parsed (no compression
and nothing past QTYPE/QCLASS) and, when the query carried an OPT, one OPT record of its own
(11 octets) plus the options it echoes (gslbd echoes only ECS, RFC 7871 s7.2.1, and NSID,
which these tests do not configure):

    12 + len(first question, when it parses) + (11 + sum(4 + len(echoed option)) if OPT)
"""

import socket
import struct
import time
import unittest

from harness import (build_query, encode_name, opt_record, parse_message, tcp_connect,
                     tcp_read_message)
from test_malformed import QUESTION, MalformedTestCase, header

UDP, TCP = "udp", "tcp"
BOTH = (UDP, TCP)
ECS, COOKIE = 8, 10
ECHOED_OPTIONS = (ECS,)
BADVERS = 16
UDP_MAX_READ = 1536  # udp_server.cc kInSize: longer datagrams are dropped (MSG_TRUNC)


def frame(msg):
    return struct.pack("!H", len(msg)) + msg


def question_length(packet):
    """Octets of the first question as a server could echo it: 0 when it does not parse."""
    if len(packet) < 12 or struct.unpack("!H", packet[4:6])[0] == 0:
        return 0
    pos = 12
    while pos < len(packet):
        n = packet[pos]
        if n == 0:
            end = pos + 1 + 4
            return end - 12 if end <= len(packet) and end - 12 - 4 <= 255 else 0
        if n > 63:
            return 0
        pos += 1 + n
    return 0


def error_bound(packet, options=None):
    """The largest error reply allowed to `packet`; `options` is the query OPT's option list,
    or None when the query has no OPT."""
    bound = 12 + question_length(packet)
    if options is not None:
        bound += 11 + sum(4 + len(d) for c, d in options if c in ECHOED_OPTIONS)
    return bound


def ecs(family, source, scope, address):
    return struct.pack("!HBB", family, source, scope) + bytes(address)


class HostileTestCase(MalformedTestCase):

    def exchange(self, transport, packet, timeout=2.0):
        """The reply to `packet` over `transport`, or None for silence or a closed connection."""
        if transport == UDP:
            return self.udp(packet, timeout=timeout)
        with tcp_connect(self.port) as c:
            c.sendall(frame(packet))
            try:
                return tcp_read_message(c, timeout)
            except (ConnectionError, socket.timeout):
                return None

    def assert_alive(self, transport=UDP):
        self.assert_alive_and_answering()
        if transport == TCP:
            r = parse_message(self.exchange(TCP, build_query("www.example.test", "A", qid=0x7A7A)))
            self.assertEqual((r["id"], r["status"]), (0x7A7A, "NOERROR"))
            self.assertEqual([a["rdata"] for a in r["answer"]], ["192.0.2.10"])

    def check_reply(self, packet, data, statuses, what):
        r = parse_message(data)
        self.assertEqual(data[:2], packet[:2], "%s: the ID is echoed" % what)
        self.assertTrue(r["qr"], what)
        self.assertIn(r["status"], statuses, what)
        self.assertEqual(r["opcode"], (packet[2] >> 3) & 0xF, "%s: the opcode is echoed" % what)
        return r

    def expect_error(self, packet, statuses, transports=BOTH, options=None, allow_silence=False,
                     what=""):
        """An error reply (or, when allowed, none) within the bound, over every transport."""
        if isinstance(statuses, str):
            statuses = (statuses,)
        replies = {}
        for t in transports:
            with self.subTest(transport=t, case=what):
                data = self.exchange(t, packet, timeout=1.0 if allow_silence else 2.0)
                if data is None:
                    self.assertTrue(allow_silence, "no answer over %s to %s" % (t, what))
                else:
                    r = self.check_reply(packet, data, statuses, "%s over %s" % (what, t))
                    self.assertFalse(r["aa"], what)
                    self.assertEqual(r["counts"][1:3], (0, 0), what)
                    self.assertLessEqual(len(data), error_bound(packet, options),
                                         "%s over %s: reply larger than allowed" % (what, t))
                    replies[t] = r
                self.assert_alive(t)
        return replies

    def expect_answer(self, packet, transports=BOTH, what="", status="NOERROR"):
        replies = {}
        for t in transports:
            with self.subTest(transport=t, case=what):
                data = self.exchange(t, packet)
                self.assertIsNotNone(data, "no answer over %s to %s" % (t, what))
                replies[t] = self.check_reply(packet, data, (status,), "%s over %s" % (what, t))
                self.assert_alive(t)
        return replies

    def assert_www(self, r, what=""):
        self.assertEqual(r["status"], "NOERROR", what)
        self.assertTrue(r["aa"], what)
        self.assertEqual([a["rdata"] for a in r["answer"]], ["192.0.2.10"], what)


def www(qid, edns=None, flags=0):
    q = bytearray(build_query("www.example.test", "A", qid=qid, edns=edns))
    q[2] |= flags >> 8
    q[3] |= flags & 0xFF
    return bytes(q)


# ---------------------------------------------------------------------------------------------
# EDNS (RFC 6891), client subnet (RFC 7871) and cookies (RFC 7873)

class EdnsTests(HostileTestCase):

    def test_structural_opt_errors_over_both_transports(self):
        # The same classes test_malformed sends over UDP, here over TCP as well.
        two = bytearray(www(0x3001, edns=opt_record(1232) + opt_record(1232)))
        two[10:12] = struct.pack("!H", 2)
        self.expect_error(bytes(two), "FORMERR", options=[], what="OPT twice")
        self.expect_error(www(0x3002, edns=b"\x01x" + opt_record(1232)[1:]), "FORMERR",
                          options=[], what="OPT owned by x.")
        over = opt_record(rdata=struct.pack("!HH", 65001, 10) + b"\xab\xcd")
        self.expect_error(www(0x3003, edns=over), "FORMERR", options=[],
                          what="option length past the OPT RDATA")
        past = bytearray(www(0x3004, edns=opt_record(options=[(3, b"")])))
        past[-6:-4] = struct.pack("!H", 40)
        self.expect_error(bytes(past), "FORMERR", options=[],
                          what="OPT RDATA past the end of the message")

    def test_thousand_options_in_one_opt(self):
        # RFC 6891 s6.1.2: unknown options are ignored, however many. Over TCP the message is
        # just under 64 KB; over UDP as large a datagram as loopback carries.
        tcp_opts = [(65001, bytes([i % 256]) * 60) for i in range(1000)]
        q = www(0x3010, edns=opt_record(1232, options=tcp_opts))
        self.assertGreater(len(q), 64000)
        self.assertLessEqual(len(q), 65535)
        self.assert_www(self.expect_answer(q, (TCP,), what="1000 options, 64 KB")[TCP])
        # gslbd reads UDP datagrams of up to 1536 octets (udp_server.cc): a larger one is not a
        # query it answers and is dropped unread. As many options as fit, then 1000 (4 KB).
        fit = (UDP_MAX_READ - len(www(0x3011, edns=opt_record(1232)))) // 4
        udp_opts = [(65002 + i % 3, b"") for i in range(fit)]
        q = www(0x3011, edns=opt_record(1232, options=udp_opts))
        self.assertGreater(len(q), UDP_MAX_READ - 4)
        self.assertLessEqual(len(q), UDP_MAX_READ)
        r = self.expect_answer(q, (UDP,), what="%d options, UDP" % fit)[UDP]
        self.assert_www(r)
        self.assertEqual(r["opt"]["options"], [], "unknown options are not echoed")
        q = www(0x3012, edns=opt_record(1232, options=[(65002, b"")] * 1000))
        self.expect_silence([q])

    def test_edns_version_255_is_badvers(self):
        for version in (1, 255):
            q = www(0x3020 + version, edns=opt_record(1232, version=version))
            replies = self.expect_error(q, "BADVERS", options=[], what="EDNS version %d" % version)
            for t, r in replies.items():
                # RFC 6891 s6.1.3: BADVERS needs an OPT to carry its upper bits, at our version.
                self.assertIsNotNone(r["opt"], t)
                self.assertEqual(r["opt"]["version"], 0, t)
                self.assertEqual(r["rcode"], BADVERS, t)

    def test_udp_bufsize_below_512_means_512(self):
        # RFC 6891 s6.2.5: values below 512 are treated as 512.
        for size in (0, 1, 511):
            q = build_query("big.example.test", "TXT", qid=0x3030 + size % 16,
                            edns=opt_record(size))
            data = self.udp(q)
            self.assertIsNotNone(data, "no answer with bufsize %d" % size)
            r = self.check_reply(q, data, ("NOERROR",), "bufsize %d" % size)
            self.assertLessEqual(len(data), 512, "bufsize %d" % size)
            self.assertTrue(r["tc"], "bufsize %d: the big RRset cannot fit" % size)
            self.assertIsNotNone(r["opt"])
        self.assert_alive()

    def test_udp_bufsize_65535_is_capped_at_ours(self):
        q = build_query("big.example.test", "TXT", qid=0x3040, edns=opt_record(65535))
        data = self.udp(q)
        self.assertIsNotNone(data)
        r = self.check_reply(q, data, ("NOERROR",), "bufsize 65535")
        self.assertLessEqual(len(data), 1232, "our --max-udp-payload default caps the reply")
        self.assertEqual(r["opt"]["udp_size"], 1232)
        self.assertTrue(r["tc"])
        small = build_query("www.example.test", "A", qid=0x3041, edns=opt_record(65535))
        self.assert_www(self.udp_parsed(small))
        self.assert_alive()

    def ecs_query(self, qid, option):
        return www(qid, edns=opt_record(1232, options=[(ECS, option)]))

    def test_ecs_ipv6_malformed(self):
        cases = {
            "prefix 129": ecs(2, 129, 0, [0x20, 1, 0xd, 0xb8] + [0] * 13),
            "address longer than /48 needs": ecs(2, 48, 0, [0x20, 1, 0xd, 0xb8, 0, 1, 0]),
            "address shorter than /64 needs": ecs(2, 64, 0, [0x20, 1, 0xd, 0xb8]),
            "bits past /33": ecs(2, 33, 0, [0x20, 1, 0xd, 0xb8, 0x40]),
        }
        for i, (what, option) in enumerate(cases.items()):
            self.expect_error(self.ecs_query(0x3050 + i, option), "FORMERR",
                              options=[(ECS, option)], what="ECS " + what)

    def test_ecs_ipv4_address_shorter_than_prefix(self):
        for i, (prefix, addr) in enumerate(((24, [192, 0]), (32, [192, 0, 2]), (1, []))):
            option = ecs(1, prefix, 0, addr)
            self.expect_error(self.ecs_query(0x3060 + i, option), "FORMERR",
                              options=[(ECS, option)], what="ECS /%d with %d octets" %
                              (prefix, len(addr)))

    def test_ecs_unknown_family_and_prefix_33(self):
        # test_malformed sends these over UDP; family 0 and 65535 and both transports here.
        for i, option in enumerate((ecs(0, 0, 0, []), ecs(65535, 8, 0, [1]),
                                    ecs(1, 33, 0, [192, 0, 2, 1, 0]))):
            self.expect_error(self.ecs_query(0x3068 + i, option), "FORMERR",
                              options=[(ECS, option)], what="ECS %r" % option)

    def test_ecs_scope_nonzero_in_query(self):
        # RFC 7871 s6: SCOPE PREFIX-LENGTH "MUST be set to 0" in queries; BIND rejects a
        # non-zero scope with FORMERR, and so does gslbd.
        for i, option in enumerate((ecs(1, 24, 24, [192, 0, 2]), ecs(2, 56, 1, [0x20, 1, 0xd,
                                                                                 0xb8, 0, 0, 0]))):
            self.expect_error(self.ecs_query(0x3070 + i, option), "FORMERR",
                              options=[(ECS, option)], what="ECS scope %d" % option[3])

    def test_ecs_twice(self):
        one = ecs(1, 24, 0, [192, 0, 2])
        q = www(0x3078, edns=opt_record(1232, options=[(ECS, one), (ECS, one)]))
        self.expect_error(q, "FORMERR", options=[(ECS, one), (ECS, one)], what="two ECS")

    def test_valid_ecs_is_echoed(self):
        # RFC 7871 s7.2.1: family, source prefix and address echoed; scope ours.
        for i, option in enumerate((ecs(1, 24, 0, [198, 51, 100]), ecs(1, 0, 0, []),
                                    ecs(2, 56, 0, [0x20, 1, 0xd, 0xb8, 0, 0, 0x10]),
                                    ecs(1, 31, 0, [10, 0, 0, 2]))):
            q = self.ecs_query(0x3080 + i, option)
            for t, r in self.expect_answer(q, what="ECS %r" % option).items():
                self.assert_www(r, t)
                got = [d for c, d in r["opt"]["options"] if c == ECS]
                self.assertEqual(len(got), 1, t)
                self.assertEqual(got[0][:3] + got[0][4:], option[:3] + option[4:], t)
                self.assertLessEqual(got[0][3], 128, t)

    def cookie_query(self, qid, length):
        return www(qid, edns=opt_record(1232, options=[(COOKIE, bytes(range(length)))]))

    def test_cookie_shorter_than_a_client_cookie(self):
        # RFC 7873 s5.2.2: FORMERR when too short for a client cookie.
        for n in range(0, 8):
            self.expect_error(self.cookie_query(0x3100 + n, n), "FORMERR",
                              options=[(COOKIE, bytes(n))], what="cookie of %d" % n)

    def test_cookie_between_client_and_server_cookie(self):
        # RFC 7873 s5.2.2: lengths 9 to 15 are malformed.
        for n in range(9, 16):
            self.expect_error(self.cookie_query(0x3110 + n, n), "FORMERR", transports=(UDP,),
                              options=[(COOKIE, bytes(n))], what="cookie of %d" % n)
        self.expect_error(self.cookie_query(0x311F, 12), "FORMERR", transports=(TCP,),
                          options=[(COOKIE, bytes(12))], what="cookie of 12")

    def test_cookie_longer_than_40(self):
        for n in (41, 64, 255):
            self.expect_error(self.cookie_query(0x3120 + n % 16, n), "FORMERR",
                              options=[(COOKIE, bytes(n))], what="cookie of %d" % n)

    def test_client_only_cookie_is_fine(self):
        for t, r in self.expect_answer(self.cookie_query(0x3130, 8), what="cookie of 8").items():
            self.assert_www(r, t)

    def test_client_and_server_cookie_lengths_are_fine(self):
        # Well-formed lengths (RFC 7873 s5.2.2), but server cookies we never made: over UDP
        # BADCOOKIE with a fresh cookie to retry with (s5.2.3), over TCP the answer.
        for n in range(16, 41):
            r = self.udp_parsed(self.cookie_query(0x3140 + n, n))
            self.assertEqual(r["id"], 0x3140 + n)
            self.assertEqual(r["status"], "BADCOOKIE", "cookie of %d" % n)
            self.assertEqual(r["answer"], [], "cookie of %d" % n)
            got = dict(r["opt"]["options"]).get(COOKIE, b"")
            self.assertEqual((len(got), got[:8]), (24, bytes(range(8))), "cookie of %d" % n)
        for t, r in self.expect_answer(self.cookie_query(0x3170, 40), (TCP,)).items():
            self.assert_www(r, t)
        # A client cookie alone is answered over UDP too.
        r = self.udp_parsed(self.cookie_query(0x3171, 8))
        self.assert_www(r, "client cookie")
        self.assert_alive()

    def test_unknown_and_empty_options_ignored_not_echoed(self):
        # RFC 6891 s6.1.2; genreport's "ednsopt" test fails a server that echoes option 100.
        opts = [(0, b""), (100, b""), (100, b"abc"), (65535, b"\xff" * 7), (65001, b"")]
        for t, r in self.expect_answer(www(0x3180, edns=opt_record(1232, options=opts)),
                                       what="unknown options").items():
            self.assert_www(r, t)
            self.assertEqual(r["opt"]["options"], [], t)

    def test_edns_must_be_zero_flags_not_echoed(self):
        # RFC 6891 s6.1.4: Z is ignored by receivers; only DO is copied (RFC 3225 s3).
        opt = bytearray(opt_record(1232, do=True))
        opt[7:9] = struct.pack("!H", 0xFFFF)
        for t, r in self.expect_answer(www(0x3190, edns=bytes(opt)), what="all EDNS flags").items():
            self.assert_www(r, t)
            self.assertTrue(r["opt"]["do"], t)
        # The OPT is the reply's last record and carries no options: its TTL's low 16 bits are
        # the EDNS flags.
        data = self.udp(www(0x3191, edns=bytes(opt)))
        self.assertEqual((data[-11], struct.unpack("!H", data[-10:-8])[0]), (0, 41))
        ttl = struct.unpack("!I", data[-6:-2])[0]
        self.assertEqual(ttl & 0x7FFF, 0, "must-be-zero EDNS flags echoed")
        self.assertEqual(ttl & 0x8000, 0x8000, "DO not echoed")

    def test_nonzero_extended_rcode_in_query_ignored(self):
        q = www(0x31A0, edns=opt_record(1232, ext_rcode=0xFE))
        for t, r in self.expect_answer(q, what="extended RCODE 0xFE in a query").items():
            self.assert_www(r, t)
            self.assertEqual(r["opt"]["ext_rcode"], 0, t)


# ---------------------------------------------------------------------------------------------
# Names, label types and compression pointers (RFC 1035 s4.1.4, RFC 6891 s5)

class NameTests(HostileTestCase):

    def question(self, qid, name_wire, extra=b""):
        return header(qid) + name_wire + struct.pack("!HH", 1, 1) + extra

    def test_extended_and_reserved_label_types(self):
        # 0b01xxxxxx is the extended label type (RFC 6891 s5 deprecates it; 0x41 was RFC 2673's
        # bit-string label), 0b10xxxxxx is reserved: FORMERR.
        for i, lead in enumerate((0x41, 0x4F, 0x7F, 0x81, 0xBF)):
            name = b"\x03www" + bytes([lead]) + b"\x08abcdefgh" + b"\x00"
            self.expect_error(self.question(0x3200 + i, name), "FORMERR", allow_silence=True,
                              what="label type 0x%02x" % lead)

    def test_forward_pointer_in_question(self):
        # A pointer may only point at a prior occurrence (RFC 1035 s4.1.4).
        q = self.question(0x3210, b"\xc0\x12", b"\x03www\x07example\x04test\x00")
        self.expect_error(q, "FORMERR", allow_silence=True, what="forward pointer")
        q = self.question(0x3211, b"\x03www\xc0\x18", b"\x07example\x04test\x00")
        self.expect_error(q, "FORMERR", allow_silence=True, what="label then forward pointer")

    def test_pointer_loops_in_question(self):
        # 12: ptr->14, 14: ptr->12; and a label followed by a pointer back to itself.
        self.expect_error(self.question(0x3220, b"\xc0\x0e\xc0\x0c"), "FORMERR",
                          allow_silence=True, what="two pointers at each other")
        self.expect_error(self.question(0x3221, b"\x01a\xc0\x0c"), "FORMERR",
                          allow_silence=True, what="label then pointer back to it")
        self.expect_error(self.question(0x3222, b"\x01a\x01b\xc0\x0e"), "FORMERR",
                          allow_silence=True, what="pointer into the middle of itself")

    def test_64k_of_pointers_over_tcp(self):
        # ARCOUNT records whose names chain back through each other: the worst a parser that
        # follows pointers can be made to walk. Whatever it answers (the records are
        # well formed A records, so NOERROR, or FORMERR), it must answer well within a second.
        body = bytearray(header(0x3230, ar=0) + QUESTION)
        first = len(body)
        count = 0
        prev = first
        while len(body) + 12 < 65535 - 2 and count < 65535:
            here = len(body)
            target = prev if count else first
            body += struct.pack("!H", 0xC000 | target) if count else b"\x00"
            body += struct.pack("!HHIH", 1, 1, 0, 0)
            prev = here
            count += 1
        body[10:12] = struct.pack("!H", count)
        q = bytes(body)
        self.assertGreater(len(q), 60000)
        with tcp_connect(self.port) as c:
            start = time.monotonic()
            c.sendall(frame(q))
            try:
                data = tcp_read_message(c, timeout=5.0)
            except (ConnectionError, socket.timeout):
                data = None
            elapsed = time.monotonic() - start
        self.assertIsNotNone(data, "no answer to a 64 KB message of pointers")
        r = self.check_reply(q, data, ("NOERROR", "FORMERR"), "64 KB of pointers")
        print("\n64 KB message of %d chained pointers: %s in %.1f ms" %
              (count, r["status"], elapsed * 1000))
        self.assertLess(elapsed, 1.0, "64 KB of pointers took %.2f s" % elapsed)
        # Worst case for a parser that validates every name: chains of 120 pointers (under
        # gslbd's 128-hop limit) in the first 16 KB (pointers reach no further), then every
        # record after them a pointer to the end of a chain: 121 hops each, all well formed.
        rr = struct.pack("!HHIH", 1, 1, 0, 0)
        body = bytearray(header(0x3231) + QUESTION)
        base = len(body)
        body += b"\x00" + rr
        recs = 1
        deep = []
        tail = base
        while len(body) + 12 <= 0x3FFF:
            here = len(body)
            body += struct.pack("!H", 0xC000 | tail) + rr
            recs += 1
            tail = here
            if (recs - 1) % 120 == 0:
                deep.append(tail)
                tail = base
        while len(body) + 12 <= 65535:
            body += struct.pack("!H", 0xC000 | deep[recs % len(deep)]) + rr
            recs += 1
        body[10:12] = struct.pack("!H", recs)
        q = bytes(body)
        with tcp_connect(self.port) as c:
            start = time.monotonic()
            c.sendall(frame(q))
            try:
                data = tcp_read_message(c, timeout=5.0)
            except (ConnectionError, socket.timeout):
                data = None
            elapsed = time.monotonic() - start
        self.assertIsNotNone(data, "no answer to 64 KB of pointer chains")
        r = self.check_reply(q, data, ("NOERROR",), "pointer chains")
        self.assert_www(r)
        print("64 KB message of %d records, %d in 121-hop pointer chains: %s in %.1f ms" %
              (recs, recs - 1 - 120 * len(deep), r["status"], elapsed * 1000))
        self.assertLess(elapsed, 1.0, "64 KB of pointer chains took %.2f s" % elapsed)
        # The control: the same message with the last record's RDLENGTH running past the end is
        # FORMERR, so the server did walk every name to find it.
        spoilt = bytearray(q)
        spoilt[-2:] = struct.pack("!H", 1)
        self.check_reply(q, self.exchange(TCP, bytes(spoilt)), ("FORMERR",), "spoilt chains")
        self.assert_alive(TCP)

    def test_names_of_255_and_256_octets(self):
        n255 = b"".join(b"\x3f" + b"b" * 63 for _ in range(3)) + b"\x3d" + b"c" * 61 + b"\x00"
        n256 = b"".join(b"\x3f" + b"b" * 63 for _ in range(3)) + b"\x3e" + b"c" * 62 + b"\x00"
        self.assertEqual((len(n255), len(n256)), (255, 256))
        for t, r in self.expect_answer(self.question(0x3240, n255), what="255-octet name",
                                       status="REFUSED").items():
            self.assertEqual(r["question"][0]["wire"], n255, t)
        self.expect_error(self.question(0x3241, n256), "FORMERR", allow_silence=True,
                          what="256-octet name")

    def test_trailing_garbage_after_question(self):
        # Octets past the last counted record: ignoring them (BIND, gslbd) or FORMERR (Knot).
        for i, junk in enumerate((b"\x00", b"\xde\xad\xbe\xef", bytes(300))):
            q = www(0x3250 + i) + junk
            for t in BOTH:
                with self.subTest(transport=t, junk=len(junk)):
                    data = self.exchange(t, q)
                    self.assertIsNotNone(data)
                    r = self.check_reply(q, data, ("NOERROR", "FORMERR"), "trailing junk")
                    if r["status"] == "NOERROR":
                        self.assert_www(r)
                    else:
                        self.assertLessEqual(len(data), error_bound(q))
                    self.assert_alive(t)

    def test_arcount_past_the_records(self):
        q = bytearray(www(0x3260, edns=opt_record(1232)))
        q[10:12] = struct.pack("!H", 3)
        self.expect_error(bytes(q), "FORMERR", options=[], what="ARCOUNT 3, one record")
        q[10:12] = struct.pack("!H", 65535)
        self.expect_error(bytes(q), "FORMERR", options=[], what="ARCOUNT 65535, one record")


# ---------------------------------------------------------------------------------------------
# TCP framing (RFC 7766, RFC 1035 s4.2.2)

class TcpFramingTests(HostileTestCase):

    def ask_on(self, sock, qid, timeout=3.0):
        sock.sendall(frame(www(qid)))
        r = parse_message(tcp_read_message(sock, timeout))
        self.assertEqual(r["id"], qid)
        self.assert_www(r)

    def still_usable_or_closed(self, sock, qid):
        """After a message that gets no answer the connection either still serves queries or
        was closed cleanly (RFC 7766 s6.2.4 lets a server close on error)."""
        try:
            self.ask_on(sock, qid)
        except (ConnectionError, BrokenPipeError):
            pass

    def test_length_zero(self):
        with tcp_connect(self.port) as c:
            c.sendall(b"\x00\x00")
            self.still_usable_or_closed(c, 0x3300)
        self.assert_alive(TCP)

    def test_half_a_length_then_close(self):
        for _ in range(5):
            c = tcp_connect(self.port)
            c.sendall(b"\x00")
            c.close()
        time.sleep(0.1)
        self.assert_alive(TCP)

    def test_length_longer_than_what_follows_then_close(self):
        q = www(0x3310)
        for extra in (1, 100, 65535 - len(q)):
            c = tcp_connect(self.port)
            c.sendall(struct.pack("!H", len(q) + extra) + q)
            c.close()
        # and one left open: the message is never finished, so no answer may come
        with tcp_connect(self.port) as c:
            c.sendall(struct.pack("!H", len(q) + 10) + q)
            c.settimeout(0.5)
            try:
                got = c.recv(2)
            except socket.timeout:
                got = None
            self.assertIn(got, (None, b""), "answered a message that never ended")
        time.sleep(0.1)
        self.assert_alive(TCP)

    def test_bad_message_inside_a_pipeline(self):
        # RFC 7766 s6.2.1.1 lets replies come out of order; each good query is answered, the
        # bad ones get FORMERR (qdcount 2), NOTIMP or nothing (a response, a short message).
        bad = [build_query("www.example.test", "A", qid=0x3401, qdcount=2),
               header(0x3402, flags=0x8000) + QUESTION,        # QR=1: never answered
               b"\x34\x03\x00",                                # 3 octets: no header
               header(0x3404, flags=15 << 11) + QUESTION,      # opcode 15
               header(0x3405) + b"\xc0\x0c\x00\x01\x00\x01"]   # pointer loop
        expect = {0x3401: "FORMERR", 0x3404: "NOTIMP", 0x3405: "FORMERR"}
        blob = b""
        good = []
        for i, b in enumerate(bad):
            qid = 0x3500 + i
            good.append(qid)
            blob += frame(www(qid)) + frame(b)
        good.append(0x3600)
        blob += frame(www(0x3600))
        got = {}
        order = []
        with tcp_connect(self.port) as c:
            c.sendall(blob)
            try:
                while len(order) < len(good) + len(expect):
                    r = parse_message(tcp_read_message(c, timeout=3.0))
                    self.assertNotIn(r["id"], got, "duplicate reply")
                    got[r["id"]] = r
                    order.append(r["id"])
            except (ConnectionError, socket.timeout):
                pass  # closed (or silent) after a bad one: allowed, checked below
        answered = [i for i in order if i in good]
        self.assertEqual(answered, good[:len(answered)], "good queries answered out of order")
        if len(answered) < len(good):
            self.fail("the connection stopped answering after %d of %d good queries"
                      % (len(answered), len(good)))
        for qid in good:
            self.assert_www(got[qid], "query %#x" % qid)
        for qid, status in expect.items():
            if qid in got:
                self.assertEqual(got[qid]["status"], status, "query %#x" % qid)
        self.assertNotIn(0x3402, got, "a response was answered")
        self.assert_alive(TCP)

    def test_short_messages_in_frames(self):
        full = www(0x3700)
        with tcp_connect(self.port) as c:
            for n in range(1, 12):
                c.sendall(frame(full[:n]))
            c.sendall(frame(www(0x3701)))
            try:
                r = parse_message(tcp_read_message(c))
                self.assertEqual(r["id"], 0x3701, "a short message was answered")
                self.assert_www(r)
            except ConnectionError:
                pass
        self.assert_alive(TCP)

    def test_response_over_tcp_is_not_answered(self):
        with tcp_connect(self.port) as c:
            resp = bytearray(www(0x3710))
            resp[2] |= 0x80
            c.sendall(frame(bytes(resp)) + frame(www(0x3711)))
            r = parse_message(tcp_read_message(c))
            self.assertEqual(r["id"], 0x3711, "the response got a reply")
            self.assert_www(r)

    def test_64k_of_zeros(self):
        # A header of zeros (QDCOUNT 0) and 65523 octets of padding: FORMERR, nothing echoed.
        q = bytes(65535)
        self.expect_error(q, "FORMERR", transports=(TCP,), what="64 KB of zeros")
        self.expect_error(bytes(UDP_MAX_READ), "FORMERR", transports=(UDP,),
                          what="1536 octets of zeros")
        self.expect_silence([bytes(65507)])  # past what gslbd reads: dropped


# ---------------------------------------------------------------------------------------------
# Header fields (RFC 1035 s4.1.1, RFC 6895 s2)

class HeaderTests(HostileTestCase):

    def test_qdcount_65535(self):
        self.expect_error(header(0x3800, qd=65535) + QUESTION, "FORMERR",
                          what="QDCOUNT 65535, one question")

    def test_qdcount_zero_with_opt(self):
        q = header(0x3801, qd=0, ar=1) + opt_record(1232)
        replies = self.expect_error(q, "FORMERR", options=[], what="QDCOUNT 0 and an OPT")
        for t, r in replies.items():
            self.assertEqual(r["counts"][0], 0, t)

    def test_tc_in_a_query_is_ignored(self):
        for t, r in self.expect_answer(www(0x3810, flags=0x0200), what="TC=1").items():
            self.assert_www(r, t)
            self.assertFalse(r["tc"], t)

    def test_z_bit_is_not_echoed(self):
        # RFC 1035 s4.1.1: Z "must be zero in all queries and responses"; a receiver ignores it.
        q = www(0x3820, flags=0x0040)
        for t, r in self.expect_answer(q, what="Z=1").items():
            self.assert_www(r, t)
            self.assertEqual(self.exchange(t, q)[3] & 0x40, 0, "%s: Z echoed" % t)

    def test_rcode_bits_in_a_query_ignored(self):
        # RCODE is "set as part of responses" (RFC 1035 s4.1.1): a query's is ignored.
        for t, r in self.expect_answer(www(0x3825, flags=0x0005), what="RCODE 5").items():
            self.assert_www(r, t)

    def test_ad_in_a_query(self):
        # RFC 6840 s5.7: AD in a query asks for AD in the answer when validated; gslbd signs
        # nothing, so AD stays clear.
        for t, r in self.expect_answer(www(0x3830, flags=0x0020), what="AD=1").items():
            self.assert_www(r, t)
            self.assertFalse(r["ad"], t)

    def test_rd_cd_combinations(self):
        # RFC 1035 s4.1.1: RD is copied; RFC 4035 s3.1.6 / RFC 6840 s5.9: CD is copied. No RA:
        # gslbd does not recurse.
        for i, (rd, cd) in enumerate(((0, 0), (1, 0), (0, 1), (1, 1))):
            flags = (0x0100 if rd else 0) | (0x0010 if cd else 0)
            for t, r in self.expect_answer(www(0x3840 + i, flags=flags),
                                           what="RD=%d CD=%d" % (rd, cd)).items():
                self.assert_www(r, t)
                self.assertEqual((r["rd"], r["cd"], r["ra"]), (bool(rd), bool(cd), False), t)

    def test_ra_in_a_query_is_not_echoed(self):
        for t, r in self.expect_answer(www(0x3850, flags=0x0080), what="RA=1").items():
            self.assert_www(r, t)
            self.assertFalse(r["ra"], t)

    def test_unknown_classes(self):
        # CS (2), HS (4), NONE (254), reserved 0 and 65535: not served here. REFUSED is gslbd's
        # answer (as Knot's); NOTIMP is allowed too.
        for i, qclass in enumerate((0, 2, 4, 254, 65535, 4711)):
            q = build_query("www.example.test", "A", qclass=qclass, qid=0x3860 + i)
            self.expect_error(q, ("REFUSED", "NOTIMP"), what="class %d" % qclass)

    def test_qtype_zero(self):
        # Type 0 is reserved (RFC 6895 s3.1): no data, or an error; never an answer record.
        q = build_query("www.example.test", 0, qid=0x3870)
        for t in BOTH:
            with self.subTest(transport=t):
                data = self.exchange(t, q)
                self.assertIsNotNone(data)
                r = self.check_reply(q, data, ("NOERROR", "FORMERR", "NOTIMP", "REFUSED"),
                                     "qtype 0")
                self.assertEqual(r["answer"], [], t)
                if r["status"] != "NOERROR":
                    self.assertLessEqual(len(data), error_bound(q))
                self.assert_alive(t)

    def test_zone_transfers_over_udp(self):
        # RFC 5936 s4.2: no AXFR over UDP; RFC 1995 IXFR over UDP is optional. gslbd serves no
        # transfers: REFUSED (or NOTIMP), never records.
        for i, qtype in enumerate(("AXFR", "IXFR")):
            q = build_query("example.test", {"AXFR": 252, "IXFR": 251}[qtype], qid=0x3880 + i)
            self.expect_error(q, ("REFUSED", "NOTIMP", "FORMERR"), what=qtype)

    def test_meta_qtypes(self):
        # RFC 6895 s3.1: TKEY 249 and TSIG 250 belong in the additional section, MAILA/MAILB
        # are obsolete, 128.. are meta: an error, never records.
        for i, qtype in enumerate((128, 249, 250, 253, 254)):
            q = build_query("www.example.test", qtype, qid=0x3890 + i)
            self.expect_error(q, ("NOTIMP", "FORMERR", "REFUSED"), what="qtype %d" % qtype)


class OpcodeHeaderTests(HostileTestCase):

    def test_every_opcode_1_to_15(self):
        # RFC 1035 s4.1.1 / RFC 6895 s2: NOTIMP with the opcode echoed. gslbd implements neither
        # NOTIFY (4) nor UPDATE (5): NOTIMP too. The question may be copied or left out.
        for opcode in range(1, 16):
            q = build_query("www.example.test", "SOA", opcode=opcode, qid=0x3900 + opcode)
            for t, r in self.expect_error(q, "NOTIMP", what="opcode %d" % opcode).items():
                self.assertIn(r["counts"][0], (0, 1), t)
                if r["counts"][0]:
                    self.assertEqual(r["question"][0]["wire"], encode_name("www.example.test"))
                self.assertEqual(r["counts"][3], 0, t)

    def test_unknown_opcode_with_every_flag(self):
        # ISC genreport "opcodeflg": `dig +opcode=15 +header-only +tcflag +rec +raflag +cd +ad
        # +aaflag +zflag`. It requires NOTIMP, opcode 15, no records in any section, and AA, RA,
        # RD, AD, CD and Z all clear: they are defined for QUERY only.
        for opcode in (15, 3, 6, 1, 2):
            q = header(0x3A00 + opcode, flags=opcode << 11 | 0x0400 | 0x0200 | 0x0100 | 0x0080 |
                       0x0040 | 0x0020 | 0x0010, qd=0)
            replies = self.expect_error(q, "NOTIMP", what="opcode %d, all flags" % opcode)
            for t, r in replies.items():
                self.assertEqual(r["counts"], (0, 0, 0, 0), t)
                self.assertEqual(r["size"], 12, t)
                flags = struct.unpack("!H", self.exchange(t, q)[2:4])[0]
                self.assertEqual(flags, 0x8000 | opcode << 11 | 4,
                                 "%s: flags %#06x, want only QR, the opcode and NOTIMP" %
                                 (t, flags))

    def test_unknown_opcode_with_cd_and_a_question(self):
        # genreport's "opcode" query with +cd, as the issue reported: the flags of QUERY stay out.
        q = bytearray(build_query("example.test", "SOA", opcode=15, qid=0x3B00, rd=True))
        q[3] |= 0x10
        for t, r in self.expect_error(bytes(q), "NOTIMP", what="opcode 15 +cd +rec").items():
            self.assertFalse(r["cd"], t)
            self.assertFalse(r["rd"], t)
            self.assertFalse(r["ad"], t)

    def test_notify_and_update_with_edns(self):
        # RFC 6891 s7: a response to a request with an OPT carries one, NOTIMP included; the
        # OPT is found past NOTIFY's answer (RFC 1996) and UPDATE's records (RFC 2136).
        soa = b"\xc0\x0c" + struct.pack("!HHIH", 6, 1, 60, 0)
        for opcode in (4, 5, 9):
            opts = [(COOKIE, bytes(8)), (ECS, ecs(1, 24, 0, [198, 51, 100]))]
            q = build_query("example.test", "SOA", opcode=opcode, qid=0x3C00 + opcode,
                            ancount=1 if opcode == 4 else 0, nscount=1 if opcode == 5 else 0,
                            additional=b"" if opcode == 9 else soa, arcount=1,
                            edns=opt_record(1232, do=True, options=opts))
            for t, r in self.expect_error(q, "NOTIMP", options=opts,
                                          what="opcode %d with EDNS" % opcode).items():
                self.assertIsNotNone(r["opt"], "%s: no OPT in the NOTIMP" % t)
                self.assertEqual(r["opt"]["version"], 0, t)
                self.assertTrue(r["opt"]["do"], t)


if __name__ == "__main__":
    unittest.main()
