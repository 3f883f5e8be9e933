"""gslbd over UDP (and TCP where the UDP answer is truncated): zone data, negative answers,
referrals, CNAMEs, wildcards, ANY, EDNS0, CHAOS, truncation, the command line and reloads.

The zone files are tests/integration/zones/*.zone; the expected values below come from them."""

import os
import signal
import struct
import subprocess
import tempfile
import time
import unittest

from harness import (GslbdServer, GslbdTestCase, build_query, encode_name, gslbd_path,
                     opt_record, parse_message, project_version, rdatas, run_dig, zone_path)

APEX_SOA = "ns1.example.test. hostmaster.example.test. 2024010101 7200 900 1209600 300"
DEEP_SOA = "ns1.deep.example.test. admin.deep.example.test. 7 3600 600 86400 600"
NSID = "integ-nsid-7"
IDENTITY = "integ-identity"


class RecordTypeTests(GslbdTestCase):
    """Every common type is served from the zone file with the right rdata and AA set."""

    def answer(self, name, rtype, *extra):
        r = self.dig(name, rtype, *extra)
        self.assertEqual(r["status"], "NOERROR", r["raw"])
        self.assertIn("aa", r["flags"], r["raw"])
        return r

    def test_soa(self):
        r = self.answer("example.test", "SOA")
        self.assertEqual(rdatas(r["answer"], "SOA", "example.test."), [APEX_SOA])
        self.assertEqual(r["answer"][0]["ttl"], 3600)

    def test_ns_with_address_additionals(self):
        r = self.answer("example.test", "NS")
        self.assertEqual(rdatas(r["answer"], "NS"), ["ns1.example.test.", "ns2.example.test."])
        self.assertEqual(rdatas(r["additional"], "A", "ns1.example.test."), ["192.0.2.1"])
        self.assertEqual(rdatas(r["additional"], "A", "ns2.example.test."), ["192.0.2.2"])
        self.assertEqual(rdatas(r["additional"], "AAAA", "ns2.example.test."), ["2001:db8::2"])

    def test_a(self):
        r = self.answer("www.example.test", "A")
        self.assertEqual(r["answer"], [{"name": "www.example.test.", "owner": "www.example.test.",
                                        "ttl": 3600, "class": "IN", "type": "A",
                                        "rdata": "192.0.2.10"}])

    def test_aaaa(self):
        r = self.answer("www.example.test", "AAAA")
        self.assertEqual(rdatas(r["answer"], "AAAA", "www.example.test."), ["2001:db8::10"])
        self.assertEqual(len(r["answer"]), 1)

    def test_cname_type(self):
        r = self.answer("alias.example.test", "CNAME")
        self.assertEqual([(a["name"], a["type"], a["rdata"]) for a in r["answer"]],
                         [("alias.example.test.", "CNAME", "www.example.test.")])

    def test_mx_with_additional(self):
        r = self.answer("example.test", "MX")
        self.assertEqual(rdatas(r["answer"], "MX"), ["10 mail.example.test."])
        self.assertEqual(rdatas(r["additional"], "A", "mail.example.test."), ["192.0.2.25"])

    def test_txt(self):
        r = self.answer("example.test", "TXT")
        self.assertEqual(rdatas(r["answer"], "TXT"), ['"v=spf1 -all"'])
        r = self.answer("txt.example.test", "TXT")
        self.assertEqual(rdatas(r["answer"], "TXT"), ['"hello world" "second string"'])
        raw = self.udp_parsed(build_query("txt.example.test", "TXT"))
        self.assertEqual(raw["answer"][0]["rdata"], ["hello world", "second string"])

    def test_srv_with_additional(self):
        r = self.answer("_sip._udp.example.test", "SRV")
        self.assertEqual(rdatas(r["answer"], "SRV"), ["10 60 5060 sip.example.test."])
        self.assertEqual(rdatas(r["additional"], "A", "sip.example.test."), ["192.0.2.50"])

    def test_caa(self):
        r = self.answer("example.test", "CAA")
        self.assertEqual(rdatas(r["answer"], "CAA"), ['0 issue "ca.example.net"'])
        raw = self.udp_parsed(build_query("example.test", "CAA"))
        # flags 0, tag length 5, "issue", value
        self.assertEqual(raw["answer"][0]["rdata"], b"\x00\x05issueca.example.net")

    def test_ptr(self):
        r = self.answer("ptr.example.test", "PTR")
        self.assertEqual(rdatas(r["answer"], "PTR"), ["www.example.test."])

    def test_unknown_type_rfc3597(self):
        r = self.answer("opaque.example.test", "TYPE65280")
        self.assertEqual([(a["type"], a["rdata"]) for a in r["answer"]],
                         [("TYPE65280", r"\# 4 0A000001")])
        raw = self.udp_parsed(build_query("opaque.example.test", 65280))
        self.assertEqual(raw["answer"][0]["type"], 65280)
        self.assertEqual(raw["answer"][0]["rdata"], b"\x0a\x00\x00\x01")

    def test_several_zones_longest_suffix_wins(self):
        # www.deep.example.test exists in both example.test (192.0.2.99) and the sub-zone
        # deep.example.test (198.51.100.10): the longest matching zone answers.
        r = self.answer("www.deep.example.test", "A")
        self.assertEqual(rdatas(r["answer"], "A"), ["198.51.100.10"])
        r = self.answer("deep.example.test", "SOA")
        self.assertEqual(rdatas(r["answer"], "SOA"), [DEEP_SOA])
        r = self.answer("deep.example.test", "NS")
        self.assertEqual(rdatas(r["answer"], "NS"), ["ns1.deep.example.test."])
        # and the parent zone still answers its own names
        r = self.answer("www.example.test", "A")
        self.assertEqual(rdatas(r["answer"], "A"), ["192.0.2.10"])

    def test_reverse_zone_origin_from_soa_owner(self):
        r = self.answer("10.2.0.192.in-addr.arpa", "PTR")
        self.assertEqual(rdatas(r["answer"], "PTR"), ["www.example.test."])
        r = self.answer("25.2.0.192.in-addr.arpa", "PTR")  # relative owner in the file
        self.assertEqual(rdatas(r["answer"], "PTR"), ["mail.example.test."])
        r = self.dig("-x", "192.0.2.10")
        self.assertEqual(rdatas(r["answer"], "PTR"), ["www.example.test."])

    def test_case_insensitive_names(self):
        for name in ("WWW.EXAMPLE.TEST", "wWw.ExAmPlE.TeSt"):
            r = self.answer(name, "A")
            self.assertEqual(rdatas(r["answer"], "A"), ["192.0.2.10"], name)
        # owner written in mixed case in the zone file
        for name in ("mixed.example.test", "MIXED.EXAMPLE.TEST", "MiXeD.example.test"):
            r = self.answer(name, "A")
            self.assertEqual(rdatas(r["answer"], "A"), ["192.0.2.77"], name)
        r = self.answer("WwW.DeEp.ExAmPlE.TeSt", "A")
        self.assertEqual(rdatas(r["answer"], "A"), ["198.51.100.10"])

    def test_kdig_agrees(self):
        r = self.kdig("www.example.test", "AAAA")
        self.assertEqual(r["status"], "NOERROR")
        self.assertIn("aa", r["flags"])
        self.assertEqual(rdatas(r["answer"], "AAAA"), ["2001:db8::10"])


class WireFormTests(GslbdTestCase):
    """Header bits and the question as the client wrote it."""

    def test_question_echoed_in_original_case(self):
        for qname, qtype in (("wWw.ExAmPlE.tEsT", "A"), ("NoPe.Example.TEST", "A"),
                             ("WWW.example.ORG", "A"), ("ExAmPlE.tEsT", "TYPE65000")):
            qt = int(qtype[4:]) if qtype.startswith("TYPE") else qtype
            q = build_query(qname, qt)
            data = self.udp(q)
            self.assertIsNotNone(data, qname)
            qlen = len(encode_name(qname)) + 4
            self.assertEqual(data[12:12 + qlen], q[12:12 + qlen],
                             "question of %s not echoed byte for byte" % qname)
            r = parse_message(data)
            self.assertEqual(r["counts"][0], 1)
            self.assertEqual(r["id"], struct.unpack("!H", q[:2])[0])

    def test_answer_owner_matches_question(self):
        r = self.udp_parsed(build_query("wWw.ExAmPlE.tEsT", "A"))
        self.assertEqual(r["answer"][0]["name"].lower(), "www.example.test.")
        self.assertEqual(r["answer"][0]["rdata"], "192.0.2.10")

    def test_header_bits(self):
        q = build_query("www.example.test", "A", rd=True)
        r = self.udp_parsed(q)
        self.assertTrue(r["qr"])
        self.assertTrue(r["aa"])
        self.assertTrue(r["rd"], "RD must be copied from the query")
        self.assertFalse(r["ra"], "an authoritative-only server must not claim recursion")
        self.assertFalse(r["tc"])
        self.assertEqual(r["opcode"], 0)
        self.assertEqual(r["status"], "NOERROR")
        self.assertEqual(r["counts"], (1, 1, 0, 0))

    def test_response_without_edns_has_no_opt(self):
        r = self.udp_parsed(build_query("www.example.test", "A"))
        self.assertIsNone(r["opt"])


class NegativeAnswerTests(GslbdTestCase):
    """RFC 2308: NXDOMAIN and NODATA carry the zone SOA with TTL min(SOA TTL, MINIMUM)."""

    def check_negative(self, name, rtype, status, zone, soa, ttl):
        r = self.dig(name, rtype)
        self.assertEqual(r["status"], status, r["raw"])
        self.assertIn("aa", r["flags"])
        self.assertEqual(r["answer"], [])
        self.assertEqual(len(r["authority"]), 1, r["raw"])
        a = r["authority"][0]
        self.assertEqual((a["name"], a["type"], a["rdata"], a["ttl"]), (zone, "SOA", soa, ttl),
                         r["raw"])

    def test_nxdomain_minimum_lower_than_soa_ttl(self):
        # example.test: SOA TTL 3600, MINIMUM 300
        self.check_negative("nope.example.test", "A", "NXDOMAIN", "example.test.", APEX_SOA, 300)
        self.check_negative("a.b.c.nope.example.test", "AAAA", "NXDOMAIN", "example.test.",
                            APEX_SOA, 300)

    def test_nodata_minimum_lower_than_soa_ttl(self):
        self.check_negative("www.example.test", "MX", "NOERROR", "example.test.", APEX_SOA, 300)
        self.check_negative("mail.example.test", "AAAA", "NOERROR", "example.test.", APEX_SOA,
                            300)

    def test_nxdomain_soa_ttl_lower_than_minimum(self):
        # deep.example.test: SOA TTL 60, MINIMUM 600
        self.check_negative("nope.deep.example.test", "A", "NXDOMAIN", "deep.example.test.",
                            DEEP_SOA, 60)

    def test_nodata_soa_ttl_lower_than_minimum(self):
        self.check_negative("www.deep.example.test", "AAAA", "NOERROR", "deep.example.test.",
                            DEEP_SOA, 60)
        self.check_negative("deep.example.test", "MX", "NOERROR", "deep.example.test.",
                            DEEP_SOA, 60)

    def test_nodata_at_empty_non_terminal(self):
        # wild.example.test exists only as the parent of *.wild: NODATA, not NXDOMAIN.
        self.check_negative("wild.example.test", "A", "NOERROR", "example.test.", APEX_SOA, 300)

    def test_unknown_type_gets_nodata_not_silence(self):
        # RFC 8906: an unknown type at an existing name is NODATA with the SOA.
        self.check_negative("www.example.test", "TYPE65000", "NOERROR", "example.test.",
                            APEX_SOA, 300)
        self.check_negative("example.test", "TYPE4242", "NOERROR", "example.test.", APEX_SOA,
                            300)
        # and at a missing name, NXDOMAIN
        self.check_negative("nope.example.test", "TYPE65000", "NXDOMAIN", "example.test.",
                            APEX_SOA, 300)
        # raw, to be sure a reply arrives at all and carries exactly the SOA
        r = self.udp_parsed(build_query("opaque.example.test", 65281))
        self.assertEqual((r["status"], r["aa"], r["counts"][1:3]), ("NOERROR", True, (0, 1)))
        self.assertEqual(r["authority"][0]["type"], 6)


class ResolutionTests(GslbdTestCase):
    """REFUSED outside our zones, referrals, CNAME chasing, wildcards and minimal ANY."""

    def test_out_of_zone_refused(self):
        for name in ("www.example.org", "test", "example.tes", "xexample.test", "."):
            r = self.dig(name, "A")
            self.assertEqual(r["status"], "REFUSED", name + "\n" + r["raw"])
            self.assertNotIn("aa", r["flags"], name)
            self.assertEqual(r["answer"] + r["authority"], [], name)

    def check_referral(self, name, rtype):
        r = self.dig(name, rtype)
        self.assertEqual(r["status"], "NOERROR", r["raw"])
        self.assertNotIn("aa", r["flags"], "a referral is not authoritative\n" + r["raw"])
        self.assertEqual(r["answer"], [], r["raw"])
        self.assertEqual([(a["name"], a["type"]) for a in r["authority"]],
                         [("child.example.test.", "NS")] * 2, r["raw"])
        self.assertEqual(rdatas(r["authority"], "NS"),
                         ["ns.child.example.test.", "ns.elsewhere.example.org."])
        self.assertEqual(rdatas(r["additional"], "A", "ns.child.example.test."), ["192.0.2.53"])
        self.assertEqual(rdatas(r["additional"], "AAAA", "ns.child.example.test."),
                         ["2001:db8::53"])
        # no glue for the out-of-zone server, no SOA
        self.assertEqual({a["name"] for a in r["additional"]}, {"ns.child.example.test."})

    def test_referral_below_cut(self):
        self.check_referral("www.child.example.test", "A")
        self.check_referral("a.b.child.example.test", "MX")

    def test_referral_at_cut(self):
        self.check_referral("child.example.test", "A")
        self.check_referral("child.example.test", "NS")

    def test_glue_name_is_referred_not_answered(self):
        self.check_referral("ns.child.example.test", "A")

    def test_cname_chain_chased_in_zone(self):
        r = self.dig("chain.example.test", "A")
        self.assertEqual(r["status"], "NOERROR")
        self.assertIn("aa", r["flags"])
        self.assertEqual([(a["name"], a["type"], a["rdata"]) for a in r["answer"]],
                         [("chain.example.test.", "CNAME", "alias.example.test."),
                          ("alias.example.test.", "CNAME", "www.example.test."),
                          ("www.example.test.", "A", "192.0.2.10")])
        r = self.dig("alias.example.test", "AAAA")
        self.assertEqual([(a["name"], a["type"], a["rdata"]) for a in r["answer"]],
                         [("alias.example.test.", "CNAME", "www.example.test."),
                          ("www.example.test.", "AAAA", "2001:db8::10")])

    def test_cname_out_of_zone_not_chased(self):
        r = self.dig("outside.example.test", "A")
        self.assertEqual(r["status"], "NOERROR")
        self.assertIn("aa", r["flags"])
        self.assertEqual([(a["name"], a["type"], a["rdata"]) for a in r["answer"]],
                         [("outside.example.test.", "CNAME", "target.example.org.")])

    def test_cname_to_missing_name_is_nxdomain(self):
        # RFC 6604: the rcode is that of the last name in the chain.
        r = self.dig("dangling.example.test", "A")
        self.assertEqual(r["status"], "NXDOMAIN", r["raw"])
        self.assertEqual([(a["name"], a["type"], a["rdata"]) for a in r["answer"]],
                         [("dangling.example.test.", "CNAME", "nothere.example.test.")])
        self.assertEqual(rdatas(r["authority"], "SOA"), [APEX_SOA])

    def test_cname_loop_terminates(self):
        r = self.dig("loop1.example.test", "A")
        self.assertIn(r["status"], ("NOERROR", "SERVFAIL"), r["raw"])
        self.assertEqual([(a["name"], a["type"], a["rdata"]) for a in r["answer"]],
                         [("loop1.example.test.", "CNAME", "loop2.example.test."),
                          ("loop2.example.test.", "CNAME", "loop1.example.test.")], r["raw"])

    def test_ds_at_delegation_answered_by_parent(self):
        # RFC 4035 s3.1.4.1: DS lives on the parent side of the cut: NODATA here, authoritative.
        r = self.dig("child.example.test", "DS")
        self.assertEqual(r["status"], "NOERROR", r["raw"])
        self.assertIn("aa", r["flags"], r["raw"])
        self.assertEqual(r["answer"], [])
        self.assertEqual(rdatas(r["authority"], "SOA", "example.test."), [APEX_SOA])

    def test_cname_to_wildcard(self):
        r = self.dig("towild.example.test", "A")
        self.assertEqual([(a["name"], a["type"], a["rdata"]) for a in r["answer"]],
                         [("towild.example.test.", "CNAME", "foo.wild.example.test."),
                          ("foo.wild.example.test.", "A", "192.0.2.80")])

    def test_wildcard_match(self):
        for name in ("anything.wild.example.test", "a.b.c.wild.example.test",
                     "ENT2.wild.example.test"):
            r = self.dig(name, "A")
            self.assertEqual(r["status"], "NOERROR", r["raw"])
            self.assertIn("aa", r["flags"])
            # the answer is synthesized with the query name as owner, never "*"
            self.assertEqual([(a["name"], a["rdata"]) for a in r["answer"]],
                             [(name.lower() + ".", "192.0.2.80")], r["raw"])
        r = self.dig("anything.wild.example.test", "TXT")
        self.assertEqual(rdatas(r["answer"], "TXT", "anything.wild.example.test."),
                         ['"wildcard"'])

    def test_wildcard_nodata_for_other_type(self):
        r = self.dig("anything.wild.example.test", "AAAA")
        self.assertEqual(r["status"], "NOERROR", r["raw"])
        self.assertEqual(r["answer"], [])
        self.assertEqual([(a["name"], a["type"], a["ttl"]) for a in r["authority"]],
                         [("example.test.", "SOA", 300)])

    def test_wildcard_blocked_by_empty_non_terminal(self):
        # ent.wild exists (empty non-terminal above host.ent.wild), so it is the closest
        # encloser of x.ent.wild; *.ent.wild does not exist: NXDOMAIN (RFC 4592 s2.2.2, s3.3.1).
        r = self.dig("x.ent.wild.example.test", "A")
        self.assertEqual(r["status"], "NXDOMAIN", r["raw"])
        self.assertEqual(r["answer"], [])
        # the empty non-terminal itself is NODATA, not a wildcard match
        r = self.dig("ent.wild.example.test", "A")
        self.assertEqual(r["status"], "NOERROR", r["raw"])
        self.assertEqual(r["answer"], [], r["raw"])
        self.assertEqual(rdatas(r["authority"], "SOA"), [APEX_SOA])
        # an existing name under it is answered from its own data
        r = self.dig("host.ent.wild.example.test", "A")
        self.assertEqual(rdatas(r["answer"], "A"), ["192.0.2.81"])

    def test_wildcard_owner_queried_literally(self):
        r = self.dig("*.wild.example.test", "A")
        self.assertEqual([(a["name"], a["rdata"]) for a in r["answer"]],
                         [("*.wild.example.test.", "192.0.2.80")])

    def test_any_is_minimal_over_udp(self):
        # RFC 8482: one RRset is a complete answer to ANY.
        for name in ("example.test", "www.example.test", "ns2.example.test"):
            r = self.dig("+notcp", name, "ANY")  # dig sends ANY over TCP unless told not to
            self.assertIn("(UDP)", r["raw"])
            self.assertEqual(r["status"], "NOERROR", r["raw"])
            self.assertIn("aa", r["flags"])
            self.assertGreater(len(r["answer"]), 0, r["raw"])
            rrsets = {(a["name"], a["type"]) for a in r["answer"]}
            self.assertEqual(len(rrsets), 1, "ANY over UDP must carry one RRset: %s" % rrsets)
            self.assertEqual(next(iter(rrsets))[0], name + ".")
            raw = self.udp_parsed(build_query(name, "ANY", edns=opt_record(1232)))
            self.assertEqual(len({a["type"] for a in raw["answer"]}), 1, raw["answer"])
            self.assertGreater(len(raw["answer"]), 0)

    def test_any_at_missing_name(self):
        r = self.dig("nope.example.test", "ANY")
        self.assertEqual(r["status"], "NXDOMAIN")
        self.assertEqual(rdatas(r["authority"], "SOA"), [APEX_SOA])

    def test_class_any_question_is_answered(self):
        r = self.udp_parsed(build_query("www.example.test", "A", qclass="ANY"))
        self.assertEqual(r["status"], "NOERROR")
        self.assertEqual([a["rdata"] for a in r["answer"]], ["192.0.2.10"])

    def test_axfr_over_udp_not_served(self):
        r = self.udp_parsed(build_query("example.test", "AXFR"))
        self.assertIn(r["status"], ("REFUSED", "NOTIMP", "FORMERR"))
        self.assertEqual(r["counts"][1], 0)


class EdnsTests(GslbdTestCase):
    """EDNS0, NSID, CHAOS identity and ECS, with --nsid and --identity set."""

    ARGS = ("--nsid", NSID, "--identity", IDENTITY)

    def test_opt_echoed_with_our_payload_size(self):
        for bufsize in ("512", "1232", "4096"):
            r = self.dig("+bufsize=" + bufsize, "www.example.test", "A")
            self.assertIsNotNone(r["opt"], r["raw"])
            self.assertEqual(r["opt"]["version"], 0)
            self.assertEqual(r["opt"]["udp"], 1232, bufsize)
            self.assertEqual(rdatas(r["answer"], "A"), ["192.0.2.10"])

    def test_raw_opt(self):
        r = self.udp_parsed(build_query("www.example.test", "A", edns=opt_record(4096)))
        self.assertEqual(r["opt"]["udp_size"], 1232)
        self.assertEqual((r["opt"]["version"], r["opt"]["ext_rcode"]), (0, 0))
        self.assertEqual(r["counts"][3], 1)

    def test_do_bit_copied(self):
        r = self.udp_parsed(build_query("www.example.test", "A", edns=opt_record(1232, do=True)))
        self.assertTrue(r["opt"]["do"])
        r = self.udp_parsed(build_query("www.example.test", "A", edns=opt_record(1232)))
        self.assertFalse(r["opt"]["do"])

    def test_badvers(self):
        r = self.dig("+edns=1", "+noednsnegotiation", "www.example.test", "A")
        self.assertEqual(r["status"], "BADVERS", r["raw"])
        self.assertEqual(r["answer"], [])
        self.assertEqual(r["opt"]["version"], 0)
        raw = self.udp_parsed(build_query("www.example.test", "A", edns=opt_record(1232, version=1)))
        self.assertEqual(raw["status"], "BADVERS")
        self.assertEqual(raw["opt"]["ext_rcode"], 1)
        self.assertEqual(raw["counts"][1:3], (0, 0))

    def test_unknown_option_ignored(self):
        r = self.dig("+ednsopt=65001:abcd", "www.example.test", "A")
        self.assertEqual(r["status"], "NOERROR", r["raw"])
        self.assertEqual(rdatas(r["answer"], "A"), ["192.0.2.10"])
        raw = self.udp_parsed(build_query("www.example.test", "A",
                                          edns=opt_record(1232, options=[(65001, b"\xab\xcd")])))
        self.assertEqual(raw["status"], "NOERROR")
        self.assertNotIn(65001, [c for c, _ in raw["opt"]["options"]])

    def test_nsid(self):
        r = self.dig("+nsid", "www.example.test", "A")
        self.assertIn("NSID", r["opt"]["options"], r["raw"])
        self.assertIn('"%s"' % NSID, r["opt"]["options"]["NSID"])
        raw = self.udp_parsed(build_query("www.example.test", "A",
                                          edns=opt_record(1232, options=[(3, b"")])))
        self.assertEqual(raw["opt"]["options"], [(3, NSID.encode())])

    def test_nsid_only_when_asked(self):
        r = self.dig("www.example.test", "A")
        self.assertNotIn("NSID", r["opt"]["options"], r["raw"])

    def test_chaos_identity(self):
        for name in ("id.server", "hostname.bind", "version.bind", "ID.SERVER"):
            r = self.dig("CH", "TXT", name)
            self.assertEqual(r["status"], "NOERROR", r["raw"])
            self.assertEqual([(a["name"], a["class"], a["type"], a["rdata"]) for a in r["answer"]],
                             [(name.lower() + ".", "CH", "TXT", '"%s"' % IDENTITY)], r["raw"])

    def test_chaos_other_names_refused(self):
        r = self.dig("CH", "TXT", "authors.bind")
        self.assertEqual(r["status"], "REFUSED", r["raw"])
        self.assertEqual(r["answer"], [])

    def test_ecs_echoed_with_scope_zero(self):
        r = self.dig("+subnet=192.0.2.0/24", "www.example.test", "A")
        self.assertEqual(r["status"], "NOERROR", r["raw"])
        self.assertEqual(r["opt"]["options"].get("CLIENT-SUBNET"), "192.0.2.0/24/0", r["raw"])
        self.assertEqual(rdatas(r["answer"], "A"), ["192.0.2.10"])
        ecs = struct.pack("!HBB", 1, 24, 0) + bytes([192, 0, 2])
        raw = self.udp_parsed(build_query("www.example.test", "A",
                                          edns=opt_record(1232, options=[(8, ecs)])))
        self.assertEqual(raw["opt"]["options"], [(8, ecs)])

    def test_ecs_ipv6(self):
        r = self.kdig("+subnet=2001:db8:1200::/40", "www.example.test", "A")
        self.assertEqual(r["status"], "NOERROR", r["raw"])
        self.assertEqual(r["opt"]["options"].get("CLIENT-SUBNET"), "2001:db8:1200::/40/0",
                         r["raw"])


class NoIdentityTests(GslbdTestCase):
    """Without --nsid and --identity: no NSID, CHAOS identity queries REFUSED."""

    ZONES = ("example.test.zone",)

    def test_no_nsid_without_option(self):
        r = self.dig("+nsid", "www.example.test", "A")
        self.assertEqual(r["status"], "NOERROR")
        self.assertNotIn("NSID", r["opt"]["options"], r["raw"])
        raw = self.udp_parsed(build_query("www.example.test", "A",
                                          edns=opt_record(1232, options=[(3, b"")])))
        self.assertEqual(raw["opt"]["options"], [])

    def test_chaos_refused_without_identity(self):
        for name in ("id.server", "hostname.bind", "version.bind"):
            r = self.dig("CH", "TXT", name)
            self.assertEqual(r["status"], "REFUSED", r["raw"])
            self.assertEqual(r["answer"], [])


class TruncationTests(GslbdTestCase):
    """Responses larger than the client's UDP size get TC=1; TCP carries them whole."""

    ZONES = ("example.test.zone",)
    BIG_COUNT = 12
    MEDIUM_COUNT = 4

    def check_truncated(self, r, limit):
        self.assertIn("tc", r["flags"], r["raw"])
        self.assertIsNotNone(r["size"])
        self.assertLessEqual(r["size"], limit)
        self.assertLess(len(r["answer"]), self.BIG_COUNT)

    def test_big_truncated_at_1232(self):
        r = self.dig("+ignore", "+bufsize=1232", "big.example.test", "TXT")
        self.check_truncated(r, 1232)

    def test_big_truncated_at_server_cap_even_if_client_allows_more(self):
        r = self.dig("+ignore", "+bufsize=4096", "big.example.test", "TXT")
        self.check_truncated(r, 1232)
        self.assertEqual(r["opt"]["udp"], 1232)

    def test_big_truncated_at_512_without_edns(self):
        r = self.dig("+ignore", "+noedns", "big.example.test", "TXT")
        self.check_truncated(r, 512)
        self.assertIsNone(r["opt"])

    def test_medium_truncated_without_edns(self):
        r = self.dig("+ignore", "+noedns", "medium.example.test", "TXT")
        self.check_truncated(r, 512)
        raw = self.udp(build_query("medium.example.test", "TXT"))
        self.assertLessEqual(len(raw), 512)
        self.assertTrue(parse_message(raw)["tc"])

    def test_medium_fits_in_1232(self):
        r = self.dig("+ignore", "+bufsize=1232", "medium.example.test", "TXT")
        self.assertNotIn("tc", r["flags"], r["raw"])
        self.assertEqual(len(r["answer"]), self.MEDIUM_COUNT)
        self.assertGreater(r["size"], 512)

    def test_client_size_between_512_and_1232_honoured(self):
        raw = self.udp(build_query("medium.example.test", "TXT", edns=opt_record(600)))
        self.assertIsNotNone(raw)
        self.assertLessEqual(len(raw), 600)
        self.assertTrue(parse_message(raw)["tc"])

    def test_client_size_below_512_means_512(self):
        # RFC 6891 s6.2.5: values below 512 are treated as 512, so a 400-octet answer fits.
        q = build_query("txt.example.test", "TXT", edns=opt_record(100))
        r = self.udp_parsed(q)
        self.assertFalse(r["tc"])
        self.assertEqual(len(r["answer"]), 1)

    def test_raw_truncated_datagram_is_valid(self):
        data = self.udp(build_query("big.example.test", "TXT", edns=opt_record(1232)))
        self.assertIsNotNone(data)
        self.assertLessEqual(len(data), 1232)
        r = parse_message(data)  # raises if the truncated message is not well formed
        self.assertTrue(r["tc"])
        self.assertIsNotNone(r["opt"], "the OPT record must survive truncation")

    def test_tcp_gets_whole_answer(self):
        r = self.dig("+tcp", "big.example.test", "TXT")
        self.assertEqual(r["status"], "NOERROR", r["raw"])
        self.assertNotIn("tc", r["flags"])
        self.assertEqual(len(r["answer"]), self.BIG_COUNT)
        self.assertGreater(r["size"], 1232)
        got = sorted(a["rdata"][1:7] for a in r["answer"])
        self.assertEqual(got, ["big-%02d" % i for i in range(self.BIG_COUNT)])

    def test_dig_falls_back_to_tcp(self):
        r = self.dig("+bufsize=1232", "big.example.test", "TXT")
        self.assertIn("Truncated, retrying in TCP mode", r["raw"])
        self.assertEqual(len(r["answer"]), self.BIG_COUNT)

    def test_kdig_tcp_whole_answer(self):
        r = self.kdig("+tcp", "big.example.test", "TXT")
        self.assertEqual(len(r["answer"]), self.BIG_COUNT)
        self.assertNotIn("tc", r["flags"])


class MaxUdpSizeTests(GslbdTestCase):
    """--max-udp-size raises our payload size: min(client, ours) decides."""

    ZONES = ("example.test.zone",)
    ARGS = ("--max-udp-size", "4096")

    def test_big_fits_when_both_sides_allow(self):
        r = self.dig("+ignore", "+bufsize=4096", "big.example.test", "TXT")
        self.assertNotIn("tc", r["flags"], r["raw"])
        self.assertEqual(len(r["answer"]), 12)
        self.assertEqual(r["opt"]["udp"], 4096)
        self.assertIn("(UDP)", r["raw"])

    def test_client_size_still_honoured(self):
        r = self.dig("+ignore", "+bufsize=1232", "big.example.test", "TXT")
        self.assertIn("tc", r["flags"], r["raw"])
        self.assertLessEqual(r["size"], 1232)


class Ipv6ListenTests(GslbdTestCase):
    """--listen [::1]:PORT next to 127.0.0.1:PORT."""

    ZONES = ("example.test.zone",)
    IPV6 = True

    def test_udp_and_tcp_over_ipv6(self):
        for extra in ((), ("+tcp",)):
            r = run_dig(self.port, list(extra) + ["www.example.test", "AAAA"], host="::1")
            self.assertEqual(r["status"], "NOERROR", r["raw"])
            self.assertEqual(rdatas(r["answer"], "AAAA"), ["2001:db8::10"])
        r = self.dig("www.example.test", "A")  # and still on IPv4
        self.assertEqual(rdatas(r["answer"], "A"), ["192.0.2.10"])


class CommandLineTests(unittest.TestCase):
    """Options, usage and zone file error messages."""

    OPTIONS = ("--listen", "--zone", "--threads", "--nsid", "--identity", "--max-udp-size",
               "--tcp-idle-timeout", "--tcp-initial-timeout", "--tcp-max-connections", "--help")

    def run_gslbd(self, *args, timeout=15):
        return subprocess.run([gslbd_path()] + list(args), capture_output=True, text=True,
                              timeout=timeout, stdin=subprocess.DEVNULL)

    def assert_no_sanitizer(self, p):
        for marker in ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:"):
            self.assertNotIn(marker, p.stderr)

    def test_help(self):
        for flag in ("--help", "-h"):
            p = self.run_gslbd(flag)
            self.assertEqual(p.returncode, 0, p.stderr)
            for opt in self.OPTIONS:
                self.assertIn(opt, p.stdout, "--help does not mention " + opt)
            self.assert_no_sanitizer(p)

    def test_version(self):
        p = self.run_gslbd("--version")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout, "gslbd %s\n" % project_version())
        self.assertEqual(p.stderr, "")
        self.assertIn("--version", self.run_gslbd("--help").stdout)

    def test_unknown_option(self):
        p = self.run_gslbd("--no-such-option")
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("--no-such-option", p.stderr)
        self.assert_no_sanitizer(p)

    def test_bad_option_values(self):
        for args in (("--threads", "0"), ("--threads", "x"), ("--max-udp-size", "100"),
                     ("--max-udp-size", "70000"), ("--tcp-idle-timeout", "-5"),
                     ("--tcp-max-connections", "0"), ("--zone",),
                     ("--listen", "not-an-address", "--zone", zone_path("example.test.zone"))):
            p = self.run_gslbd(*args)
            self.assertEqual(p.returncode, 2, "%s: %s" % (args, p.stderr))
            self.assertTrue(p.stderr.strip(), "no message for %s" % (args,))
            self.assert_no_sanitizer(p)

    def write_zone(self, text):
        fd, path = tempfile.mkstemp(suffix=".zone", prefix="bad-")
        with os.fdopen(fd, "w") as f:
            f.write(text)
        self.addCleanup(os.unlink, path)
        return path

    def test_bad_ipv4_names_file_and_line(self):
        path = self.write_zone(
            "$ORIGIN bad.test.\n"                               # 1
            "$TTL 300\n"                                        # 2
            "@ IN SOA ns1 hostmaster 1 3600 600 86400 60\n"     # 3
            "@ IN NS ns1\n"                                     # 4
            "ns1 IN A 192.0.2.1\n"                              # 5
            "; a comment\n"                                     # 6
            "\n"                                                # 7
            "www IN A 1.2.3\n"                                  # 8
            "other IN A 192.0.2.3\n")                           # 9
        p = self.run_gslbd("--listen", "127.0.0.1:1", "--zone", path)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn('%s:8: invalid IPv4 address "1.2.3"' % path, p.stderr)
        self.assert_no_sanitizer(p)

    def test_bad_ipv4_after_multiline_soa(self):
        path = self.write_zone(
            "$ORIGIN bad.test.\n"                               # 1
            "@ 300 IN SOA ns1 hostmaster (\n"                   # 2
            "        1     ; serial\n"                          # 3
            "        3600  ; refresh\n"                         # 4
            "        600   ; retry\n"                           # 5
            "        86400 ; expire\n"                          # 6
            "        60 )  ; minimum\n"                         # 7
            "@ 300 IN NS ns1\n"                                 # 8
            "ns1 300 IN A 192.0.2.1\n"                          # 9
            "www 300 IN A 10.0.0.1\n"                           # 10
            "www 300 IN AAAA 2001:db8::1\n"                     # 11
            "mail 300 IN A 1.2.3\n")                            # 12
        p = self.run_gslbd("--listen", "127.0.0.1:1", "--zone", path)
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn('%s:12: invalid IPv4 address "1.2.3"' % path, p.stderr)

    def test_record_outside_origin(self):
        path = self.write_zone(
            "$ORIGIN good.test.\n"                              # 1
            "$TTL 300\n"                                        # 2
            "@ IN SOA ns1 hostmaster 1 3600 600 86400 60\n"     # 3
            "@ IN NS ns1\n"                                     # 4
            "ns1 IN A 192.0.2.1\n"                              # 5
            "www.example.org. IN A 192.0.2.9\n"                 # 6
            "www IN A 192.0.2.10\n")                            # 7
        p = self.run_gslbd("--listen", "127.0.0.1:1", "--zone", path)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("%s:6:" % path, p.stderr)
        self.assertIn("www.example.org", p.stderr)
        self.assert_no_sanitizer(p)

    def test_missing_zone_file(self):
        path = os.path.join(tempfile.gettempdir(), "gslbd-no-such-file-%d.zone" % os.getpid())
        p = self.run_gslbd("--listen", "127.0.0.1:1", "--zone", path)
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn(path, p.stderr)

    def test_good_zones_load(self):
        # The test zones themselves load, and a server that only starts and stops exits 0.
        s = GslbdServer(["example.test.zone", "deep.example.test.zone",
                         "2.0.192.in-addr.arpa.zone"]).start()
        problems = s.stop()
        self.assertEqual(problems, [])
        self.assertEqual(s.returncode, 0)


class ReloadTests(unittest.TestCase):
    """SIGHUP reloads the zone files; a bad file keeps the previous data serving."""

    def setUp(self):
        fd, self.path = tempfile.mkstemp(suffix=".zone", prefix="reload-")
        os.close(fd)
        self.addCleanup(os.unlink, self.path)
        self.write("192.0.2.1")
        self.server = GslbdServer([self.path]).start()

    def tearDown(self):
        problems = self.server.stop()
        self.assertEqual(problems, [])

    def write(self, address):
        with open(self.path + ".tmp", "w") as f:
            f.write("$ORIGIN reload.test.\n$TTL 60\n"
                    "@ IN SOA ns hostmaster 1 3600 600 86400 60\n@ IN NS ns\n"
                    "ns IN A 192.0.2.53\nwww IN A %s\n" % address)
        os.replace(self.path + ".tmp", self.path)

    def answer(self):
        return rdatas(run_dig(self.server.port, ["www.reload.test", "A"])["answer"], "A")

    def wait_for(self, predicate, timeout=5.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return True
            time.sleep(0.1)
        return False

    def test_reload(self):
        self.assertEqual(self.answer(), ["192.0.2.1"])
        self.write("192.0.2.2")
        self.server.signal(signal.SIGHUP)
        self.assertTrue(self.wait_for(lambda: self.answer() == ["192.0.2.2"]),
                        "SIGHUP did not reload:\n" + self.server.stderr_text())
        # A broken file: the old data keeps serving and the error names the line.
        self.write("1.2.3")
        self.server.signal(signal.SIGHUP)
        self.assertTrue(self.wait_for(lambda: "reload failed" in self.server.stderr_text()),
                        self.server.stderr_text())
        # (the exact line number is checked by CommandLineTests)
        self.assertIn(self.path + ":", self.server.stderr_text())
        self.assertTrue(self.server.alive())
        self.assertEqual(self.answer(), ["192.0.2.2"])


if __name__ == "__main__":
    unittest.main()
