// ResponseRateLimiter (server/response_rate_limit.h): credit per network, class and name; drops
// and slips over the limit in the --rrl-slip pattern; refill by the second; the window's debt;
// and the truncated slip response.
#include "server/response_rate_limit.h"
#include "tests/unit/testing/socket_address.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <cstring>
#include <iterator>
#include <string>
#include <vector>

namespace gslb {
namespace {

sockaddr_storage address(const char* text) {
  return testing::socket_address(text);
}

std::unique_ptr<ResponseRateLimiter> limiter(uint32_t rate, uint32_t slip = 2,
                                             uint32_t window = 1) {
  auto r = ResponseRateLimiter::create({rate, slip, window});
  EXPECT_TRUE(r.ok()) << r.error();
  return r.ok() ? std::move(*r) : nullptr;
}

// `n` responses to `client` in second `now`: how many of each verdict.
struct Tally {
  int sent = 0, slipped = 0, dropped = 0;
};
Tally send(ResponseRateLimiter& l, const char* client, int n, uint32_t now,
           RrlClass cls = RrlClass::kAnswer, uint64_t name = 1) {
  Tally t;
  const sockaddr_storage a = address(client);
  for (int i = 0; i < n; ++i) {
    switch (l.account(a, cls, name, now)) {
      case RrlVerdict::kSend:
        ++t.sent;
        break;
      case RrlVerdict::kSlip:
        ++t.slipped;
        break;
      case RrlVerdict::kDrop:
        ++t.dropped;
        break;
    }
  }
  return t;
}

TEST(ResponseRateLimiter, UpToTheRateIsSentThenHalfSlipAndHalfDrop) {
  auto l = limiter(10, 2);
  Tally t = send(*l, "192.0.2.7", 30, 100);
  EXPECT_EQ(t.sent, 10);
  EXPECT_EQ(t.slipped, 10);
  EXPECT_EQ(t.dropped, 10);
  EXPECT_EQ(l->slipped(RrlClass::kAnswer), 10u);
  EXPECT_EQ(l->dropped(RrlClass::kAnswer), 10u);
}

TEST(ResponseRateLimiter, SlipZeroDropsEverythingAndOneSlipsEverything) {
  auto never = limiter(5, 0);
  Tally t = send(*never, "192.0.2.7", 20, 100);
  EXPECT_EQ(t.sent, 5);
  EXPECT_EQ(t.slipped, 0);
  EXPECT_EQ(t.dropped, 15);
  auto always = limiter(5, 1);
  t = send(*always, "192.0.2.7", 20, 100);
  EXPECT_EQ(t.slipped, 15);
  EXPECT_EQ(t.dropped, 0);
}

TEST(ResponseRateLimiter, TheSameSlash24SharesOtherNetworksDoNot) {
  auto l = limiter(10, 0);
  EXPECT_EQ(send(*l, "192.0.2.7", 10, 100).sent, 10);
  EXPECT_EQ(send(*l, "192.0.2.200", 5, 100).sent, 0);  // same /24: already spent
  EXPECT_EQ(send(*l, "192.0.3.7", 10, 100).sent, 10);  // another /24: its own credit
  EXPECT_EQ(send(*l, "2001:db8:0:ab00::1", 10, 100).sent, 10);
  EXPECT_EQ(send(*l, "2001:db8:0:abff::2", 5, 100).sent, 0);  // same /56
  EXPECT_EQ(send(*l, "2001:db8:0:ac00::1", 10, 100).sent, 10);
}

TEST(ResponseRateLimiter, ClassesAndNamesAreAccountedApart) {
  auto l = limiter(10, 0);
  EXPECT_EQ(send(*l, "192.0.2.7", 20, 100, RrlClass::kNxdomain).sent, 10);
  EXPECT_EQ(send(*l, "192.0.2.7", 10, 100, RrlClass::kAnswer).sent, 10);
  EXPECT_EQ(send(*l, "192.0.2.7", 10, 100, RrlClass::kAnswer, 2).sent, 10);
  EXPECT_EQ(l->dropped(RrlClass::kNxdomain), 10u);
  EXPECT_EQ(l->dropped(RrlClass::kAnswer), 0u);
}

TEST(ResponseRateLimiter, CreditComesBackEachSecondUpToTheRate) {
  auto l = limiter(10, 0);
  EXPECT_EQ(send(*l, "192.0.2.7", 15, 100).sent, 10);
  EXPECT_EQ(send(*l, "192.0.2.7", 15, 101).sent, 10);
  EXPECT_EQ(send(*l, "192.0.2.7", 15, 200).sent, 10);  // idle long: still only one second's
}

TEST(ResponseRateLimiter, AFloodStaysLimitedForTheWindow) {
  auto l = limiter(10, 0, 3);
  send(*l, "192.0.2.7", 1000, 100);                  // credit down to -(10 × 2)
  EXPECT_EQ(send(*l, "192.0.2.7", 5, 101).sent, 0);  // -20 + 10: still in debt
  EXPECT_EQ(send(*l, "192.0.2.7", 5, 102).sent, 0);
  EXPECT_GT(send(*l, "192.0.2.7", 10, 104).sent, 0);
}

TEST(ResponseRateLimiter, BadSettingsNameTheOption) {
  EXPECT_NE(ResponseRateLimiter::create({0, 2, 1}).error().find("--rrl:"), std::string::npos);
  EXPECT_NE(ResponseRateLimiter::create({10, 101, 1}).error().find("--rrl-slip"),
            std::string::npos);
  EXPECT_NE(ResponseRateLimiter::create({10, 2, 0}).error().find("--rrl-window"),
            std::string::npos);
}

// An NXDOMAIN for `label`.example. with the zone's SOA in authority, its owner compressed to the
// question's "example." (offset 12 + 1 + label length), as our renderer writes it.
std::vector<uint8_t> nxdomain(const std::string& label, uint8_t rcode = 3) {
  std::vector<uint8_t> r = {0x12, 0x34, 0x84, rcode, 0, 1, 0, 0, 0, 1, 0, 0};
  r.push_back(static_cast<uint8_t>(label.size()));
  r.insert(r.end(), label.begin(), label.end());
  static constexpr uint8_t kZoneAndType[] = {7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0, 0, 1, 0, 1};
  r.insert(r.end(), std::begin(kZoneAndType), std::end(kZoneAndType));
  r.push_back(0xC0);
  r.push_back(static_cast<uint8_t>(12 + 1 + label.size()));
  static constexpr uint8_t kSoa[] = {0, 6, 0, 1, 0, 0, 0, 60, 0, 0};  // SOA, rdata elided
  r.insert(r.end(), std::begin(kSoa), std::end(kSoa));
  return r;
}

TEST(ResponseRateLimiter, NxdomainsOfOneZoneShareAnAccountErrorsOneANetwork) {
  const auto a = nxdomain("random1"), b = nxdomain("Other-Random-Name");
  EXPECT_NE(rrl_qname_hash(a.data(), a.size()), rrl_qname_hash(b.data(), b.size()));
  EXPECT_EQ(rrl_account_hash(a.data(), a.size()), rrl_account_hash(b.data(), b.size()));
  EXPECT_NE(rrl_account_hash(a.data(), a.size()), 0u);
  const auto e1 = nxdomain("x", 2), e2 = nxdomain("y", 5);
  EXPECT_EQ(rrl_class_of(e1.data()), RrlClass::kError);
  EXPECT_EQ(rrl_account_hash(e1.data(), e1.size()), rrl_account_hash(e2.data(), e2.size()));
  // A pointer forwards or into itself is not followed.
  auto bad = nxdomain("loop");
  bad[bad.size() - 11] = static_cast<uint8_t>(bad.size() - 12);
  EXPECT_EQ(rrl_account_hash(bad.data(), bad.size()), 0u);
}

TEST(ResponseRateLimiter, ASlipIsTheHeaderAndQuestionWithTc) {
  // A response: header (QD 1, AN 1), "www.example." A IN, one answer record.
  std::vector<uint8_t> r = {0x12, 0x34, 0x84, 0x00, 0, 1,    0,    1,   0,   0,   0,   0,
                            3,    'w',  'w',  'w',  7, 'e',  'x',  'a', 'm', 'p', 'l', 'e',
                            0,    0,    1,    0,    1, 0xC0, 0x0C, 0,   1,   0,   1,   0,
                            0,    0,    60,   0,    4, 192,  0,    2,   1};
  const uint64_t h = rrl_qname_hash(r.data(), r.size());
  std::vector<uint8_t> upper = r;
  upper[13] = 'W';
  EXPECT_EQ(rrl_qname_hash(upper.data(), upper.size()), h);  // names compare without case
  EXPECT_EQ(rrl_class_of(r.data()), RrlClass::kAnswer);
  const size_t len = rrl_truncate(r.data(), r.size());
  ASSERT_EQ(len, 12u + 13u + 4u);
  EXPECT_EQ(r[2] & 0x02, 0x02);
  EXPECT_EQ(r[0], 0x12);
  EXPECT_EQ(r[5], 1);
  EXPECT_EQ(r[7], 0);  // ANCOUNT 0
}

}  // namespace
}  // namespace gslb
