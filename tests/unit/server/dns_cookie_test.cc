// DNS cookies: SipHash-2-4 against its reference vector, RFC 9018's server cookies against the
// RFC's own examples (Appendix A), the lifetime window, the secret file, and the engine's
// replies: a cookie for a client cookie, BADCOOKIE for a bad server cookie over UDP only.
#include "server/wire/dns_cookie.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "server/query_engine.h"
#include "server/wire/siphash.h"
#include "tests/unit/testing/ldns_response.h"
#include "tests/unit/testing/packet_builder.h"
#include "tests/unit/testing/socket_address.h"
#include "zones/model/snapshot_builder.h"
#include "zones/zonefile/zone_file.h"

namespace gslb {
namespace {

std::vector<uint8_t> hex(const std::string& s) {
  std::vector<uint8_t> out;
  for (size_t i = 0; i + 1 < s.size(); i += 2)
    out.push_back(static_cast<uint8_t>(std::stoi(s.substr(i, 2), nullptr, 16)));
  return out;
}

std::string to_hex(const uint8_t* p, size_t n) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    out.push_back(kHex[p[i] >> 4]);
    out.push_back(kHex[p[i] & 15]);
  }
  return out;
}

sockaddr_storage address(const char* text) {
  return testing::socket_address(text);
}

CookieSecrets secret(const std::string& current, const std::string& previous = "") {
  auto s = parse_cookie_secrets(current + "\n" + previous + "\n", "test");
  EXPECT_TRUE(s.ok()) << s.error();
  return s.ok() ? *s : CookieSecrets{};
}

TEST(SipHash24, MatchesTheReferenceVector) {
  // The paper's Appendix A: key 00..0f, message 00..0e.
  std::vector<uint8_t> key(16), msg(15);
  for (size_t i = 0; i < 16; ++i) key[i] = static_cast<uint8_t>(i);
  for (size_t i = 0; i < 15; ++i) msg[i] = static_cast<uint8_t>(i);
  uint8_t out[8];
  siphash24(key.data(), msg.data(), msg.size(), out);
  EXPECT_EQ(to_hex(out, 8), "e545be4961ca29a1");
}

TEST(ServerCookie, Rfc9018AppendixAExamplesAreMade) {
  const CookieSecrets s = secret("e5e973e5a6b2a43f48e7dc849e37bfcf");
  uint8_t out[16];
  make_server_cookie(s, hex("2464c4abcf10c957").data(), address("198.51.100.100"), 1559731985, out);
  EXPECT_EQ(to_hex(out, 16), "010000005cf79f111f8130c3eee29480");  // A.1
  make_server_cookie(s, hex("2464c4abcf10c957").data(), address("198.51.100.100"), 1559734385, out);
  EXPECT_EQ(to_hex(out, 16), "010000005cf7a871d4a564a1442aca77");  // A.2
  make_server_cookie(s, hex("fc93fc62807ddb86").data(), address("203.0.113.203"), 1559734700, out);
  EXPECT_EQ(to_hex(out, 16), "010000005cf7a9acf73a7810aca2381e");  // A.3
}

TEST(ServerCookie, Rfc9018CookiesAreCheckedWithTheirOwnReservedOctetsAndOldSecret) {
  // A.3: the client returned a cookie whose reserved octets another server set.
  const auto a3 = hex("fc93fc62807ddb8601abcdef5cf78f71a314227b6679ebf5");
  const CookieSecrets s = secret("e5e973e5a6b2a43f48e7dc849e37bfcf");
  EXPECT_EQ(check_cookie(s, a3.data(), a3.size(), address("203.0.113.203"), 1559727985 + 10),
            CookieVerdict::kValid);
  EXPECT_EQ(check_cookie(s, a3.data(), a3.size(), address("203.0.113.204"), 1559727985 + 10),
            CookieVerdict::kBad);  // another address
  // A.4: made with the old secret, accepted while it is the previous one.
  const auto a4 = hex("22681ab97d52c298010000005cf7c57926556bd0934c72f8");
  const sockaddr_storage v6 = address("2001:db8:220:1:59de:d0f4:8769:82b8");
  const uint32_t then = 0x5cf7c579 + 60;
  EXPECT_EQ(
      check_cookie(secret("445536bcd2513298075a5d379663c962"), a4.data(), a4.size(), v6, then),
      CookieVerdict::kBad);
  EXPECT_EQ(
      check_cookie(secret("445536bcd2513298075a5d379663c962", "dd3bdf9344b678b185a6f5cb60fca715"),
                   a4.data(), a4.size(), v6, then),
      CookieVerdict::kValid);
}

TEST(ServerCookie, LivesAnHourAndFiveMinutesAheadAcrossTheWrap) {
  const CookieSecrets s = secret("00112233445566778899aabbccddeeff");
  const sockaddr_storage c = address("192.0.2.7");
  const auto client = hex("0102030405060708");
  for (uint32_t stamp : {1000u, 0xFFFFFF00u}) {
    std::vector<uint8_t> cookie = client;
    cookie.resize(24);
    make_server_cookie(s, client.data(), c, stamp, cookie.data() + 8);
    auto at = [&](uint32_t now) { return check_cookie(s, cookie.data(), 24, c, now); };
    EXPECT_EQ(at(stamp), CookieVerdict::kValid);
    EXPECT_EQ(at(stamp + 3600), CookieVerdict::kValid);
    EXPECT_EQ(at(stamp + 3601), CookieVerdict::kBad);
    EXPECT_EQ(at(stamp - 300), CookieVerdict::kValid);
    EXPECT_EQ(at(stamp - 301), CookieVerdict::kBad);
  }
  EXPECT_EQ(check_cookie(s, client.data(), 8, c, 5), CookieVerdict::kClientOnly);
  std::vector<uint8_t> other_length(16, 1);
  EXPECT_EQ(check_cookie(s, other_length.data(), 16, c, 5), CookieVerdict::kBad);
}

TEST(CookieSecretFile, ErrorsNameTheLine) {
  EXPECT_EQ(parse_cookie_secrets("", "f").error(), "f: no secret (32 hex digits on a line)");
  EXPECT_EQ(parse_cookie_secrets("# c\nabc\n", "f").error(),
            "f:2: a secret is 32 hex digits (128 bits), not 3 characters");
  EXPECT_EQ(parse_cookie_secrets(std::string(31, 'a') + "g", "f").error(),
            "f:1: not a hex digit in the secret");
  const std::string k(32, 'a');
  EXPECT_NE(parse_cookie_secrets(k + "\n" + k + "\n" + k, "f").error().find("f:3: more than two"),
            std::string::npos);
  auto two = parse_cookie_secrets("  " + k + "  # now\n\n" + std::string(32, 'B') + "\n", "f");
  ASSERT_TRUE(two.ok()) << two.error();
  EXPECT_TRUE(two->has_previous);
  EXPECT_EQ(two->previous[0], 0xBB);
  EXPECT_EQ(two->current[15], 0xAA);
}

class CookieEngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto z = load_zone_file(std::string(GSLBD_TEST_DATA) + "/example.test.zone");
    ASSERT_TRUE(z.ok()) << z.error();
    auto s = build_snapshot({*z});
    ASSERT_TRUE(s.ok()) << s.error();
    snap_ = *s;
    secrets_ = secret("00112233445566778899aabbccddeeff");
    config_.cookies = &secrets_;
  }

  std::vector<uint8_t> ask(const std::string& cookie, Transport t, bool* valid = nullptr) {
    testing::QuerySpec spec;
    spec.edns = true;
    spec.options = testing::edns_option(opt_code::kCookie, cookie);
    const testing::Bytes q = testing::make_query(spec);
    std::vector<uint8_t> out(4096);
    QueryEngine engine(config_);
    out.resize(engine.answer(*snap_, t, q.data(), q.size(), out.data(), out.size(), &client_));
    if (valid) *valid = engine.last_cookie_valid();
    return out;
  }

  static std::string cookie_of(const testing::LdnsResponse& r) {
    for (const auto& [code, data] : r.edns_options())
      if (code == opt_code::kCookie) return data;
    return {};
  }

  std::shared_ptr<const Snapshot> snap_;
  CookieSecrets secrets_;
  EngineConfig config_;
  sockaddr_storage client_ = address("192.0.2.7");
};

TEST_F(CookieEngineTest, AClientCookieGetsAServerCookieThatIsThenValid) {
  const std::string client = "\x01\x02\x03\x04\x05\x06\x07\x08";
  bool valid = true;
  testing::LdnsResponse r(ask(client, Transport::kUdp, &valid));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.rcode(), 0);
  EXPECT_FALSE(valid);
  const std::string got = cookie_of(r);
  ASSERT_EQ(got.size(), 24u);
  EXPECT_EQ(got.substr(0, 8), client);
  EXPECT_EQ(got[8], 1);  // RFC 9018 version
  testing::LdnsResponse again(ask(got, Transport::kUdp, &valid));
  EXPECT_EQ(again.rcode(), 0);
  EXPECT_TRUE(valid);
  EXPECT_FALSE(again.answer().empty());
}

TEST_F(CookieEngineTest, ABadServerCookieIsBadcookieOverUdpAndAnsweredOverTcp) {
  const std::string forged =
      std::string("\x01\x02\x03\x04\x05\x06\x07\x08", 8) + "\x01" + std::string(15, '\x42');
  bool valid = true;
  testing::LdnsResponse udp(ask(forged, Transport::kUdp, &valid));
  ASSERT_TRUE(udp.ok());
  EXPECT_EQ(udp.rcode(), 23);  // BADCOOKIE
  EXPECT_FALSE(valid);
  EXPECT_TRUE(udp.answer().empty());
  EXPECT_EQ(cookie_of(udp).size(), 24u);  // with a fresh cookie to retry with
  testing::LdnsResponse tcp(ask(forged, Transport::kTcp));
  EXPECT_EQ(tcp.rcode(), 0);
  EXPECT_FALSE(tcp.answer().empty());
  EXPECT_EQ(cookie_of(tcp).size(), 24u);
}

TEST_F(CookieEngineTest, WithoutSecretsNoCookieIsSent) {
  config_.cookies = nullptr;
  testing::LdnsResponse r(ask("\x01\x02\x03\x04\x05\x06\x07\x08", Transport::kUdp));
  EXPECT_EQ(r.rcode(), 0);
  EXPECT_TRUE(cookie_of(r).empty());
}

}  // namespace
}  // namespace gslb
