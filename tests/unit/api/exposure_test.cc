// check_exposure (api/exposure.h): which --api addresses may serve plain HTTP, which need a
// token file, and that each refusal names the options that fix it.
#include "api/exposure.h"

#include <gtest/gtest.h>

#include <string>

namespace gslb::api {
namespace {

ListenAddress at(const std::string& text) {
  auto a = parse_listen_address(text);
  EXPECT_TRUE(a.ok()) << text << ": " << a.error();
  return a.ok() ? *a : ListenAddress{};
}

struct Case {
  const char* address;
  bool loopback;
};

// 0.0.0.0 and :: listen on every address, the outside ones included: not loopback.
constexpr Case kAddresses[] = {
    {"127.0.0.1:8053", true},
    {"127.255.255.254:8053", true},
    {"127.0.0.53:8053", true},
    {"[::1]:8053", true},
    {"0.0.0.0:8053", false},
    {"[::]:8053", false},
    {"192.0.2.1:8053", false},
    {"128.0.0.1:8053", false},
    {"[2001:db8::1]:8053", false},
    {"[::ffff:127.0.0.1]:8053", false},  // v4-mapped: not ::1, so not trusted as loopback
};

TEST(ApiExposure, LoopbackServesPlainHttpWithoutBeingAsked) {
  for (const Case& c : kAddresses) {
    if (!c.loopback) continue;
    EXPECT_TRUE(check_exposure(at(c.address), {}).ok()) << c.address;
    EXPECT_TRUE(check_exposure(at(c.address), {.token_file = true}).ok()) << c.address;
    EXPECT_TRUE(check_exposure(at(c.address), {.token_file = true, .tls = true}).ok()) << c.address;
  }
}

TEST(ApiExposure, OffLoopbackPlainHttpIsRefusedNamingTheWayOut) {
  for (const Case& c : kAddresses) {
    if (c.loopback) continue;
    auto r = check_exposure(at(c.address), {.token_file = true});
    ASSERT_FALSE(r.ok()) << c.address;
    EXPECT_EQ(r.failure().kind, ErrorKind::invalid);
    for (const char* needle : {"--api-tls-cert", "--api-tls-key", "--api-plain-http", "plain HTTP"})
      EXPECT_NE(r.error().find(needle), std::string::npos) << c.address << ": " << r.error();
    EXPECT_NE(r.error().find(c.address), std::string::npos) << r.error();
  }
}

TEST(ApiExposure, OffLoopbackServesHttpsOrPlainHttpAskedForByName) {
  for (const Case& c : kAddresses) {
    if (c.loopback) continue;
    EXPECT_TRUE(check_exposure(at(c.address), {.token_file = true, .tls = true}).ok()) << c.address;
    EXPECT_TRUE(check_exposure(at(c.address), {.token_file = true, .plain_http = true}).ok())
        << c.address;
  }
}

TEST(ApiExposure, OffLoopbackNeedsATokenFileEvenOverHttps) {
  for (const Case& c : kAddresses) {
    if (c.loopback) continue;
    for (const ApiExposure how :
         {ApiExposure{.tls = true}, ApiExposure{.plain_http = true}, ApiExposure{}}) {
      auto r = check_exposure(at(c.address), how);
      ASSERT_FALSE(r.ok()) << c.address;
      EXPECT_NE(r.error().find("--api-token-file"), std::string::npos) << r.error();
    }
  }
}

}  // namespace
}  // namespace gslb::api
