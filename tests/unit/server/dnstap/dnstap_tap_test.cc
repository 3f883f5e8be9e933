// The workers' half of dnstap (server/dnstap/dnstap_capture.h, dnstap_tap.h): a record per
// exchange with the decision copied by value, drops counted when a ring is full, one ring per
// attach(); and the writer (dnstap_writer.h) draining them into a file.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>

#include "server/dnstap/decision_json.h"
#include "server/dnstap/dnstap_capture.h"
#include "server/dnstap/dnstap_tap.h"
#include "server/dnstap/dnstap_writer.h"

namespace gslb {
namespace {

sockaddr_storage v4(const char* address, uint16_t port) {
  sockaddr_storage ss{};
  auto& a = reinterpret_cast<sockaddr_in&>(ss);
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  inet_pton(AF_INET, address, &a.sin_addr);
  return ss;
}

struct Exchange {
  uint8_t query[12] = {0x12, 0x34, 0, 0, 0, 1};
  uint8_t response[12] = {0x12, 0x34, 0x84, 0, 0, 1};
  sockaddr_storage client = v4("192.0.2.7", 5300);
  sockaddr_storage server = v4("127.0.0.1", 53);
  TapExchange x() const {
    TapExchange e;
    e.query = query;
    e.query_len = sizeof query;
    e.response = response;
    e.response_len = sizeof response;
    e.client = &client;
    e.server = &server;
    return e;
  }
};

struct Fixture {
  Service service;
  Member tokyo, osaka;
  Decision decision;
  Fixture() {
    service.name = std::string(
                       "\x03"
                       "app\x04gslb\x04test",
                       14) +
                   std::string(1, '\0');
    service.policy_name = "priority";
    tokyo.name = "tokyo";
    tokyo.priority = 1;
    osaka.name = "osaka";
    osaka.priority = 2;
    decision.service = &service;
    decision.candidates = Decision::Candidates::kFallbackAll;
    decision.degraded = true;
    decision.ttl = 5;
    decision.ecs_scope = 24;
    decision.pick_count = 2;
    decision.picks[0] = &tokyo;
    decision.picks[1] = &osaka;
  }
};

TEST(DnstapTap, OneProducerPerAttachThenNone) {
  DnstapTap tap(2, 4, true);
  DnstapProducer* a = tap.attach();
  DnstapProducer* b = tap.attach();
  EXPECT_NE(a, nullptr);
  EXPECT_NE(b, nullptr);
  EXPECT_NE(a, b);
  EXPECT_EQ(tap.attach(), nullptr);
}

TEST(DnstapTap, RecordCopiesTheExchange) {
  DnstapTap tap(1, 4, true);
  DnstapProducer* p = tap.attach();
  Exchange e;
  Fixture f;
  tap_exchange(*p, true, e.x(), f.decision);
  f.tokyo.name = "changed";  // the snapshot may change or go: the record keeps its copy
  const DnstapRecord* r = p->ring.peek();
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->family, 4);
  EXPECT_EQ(r->client_port, 5300);
  EXPECT_EQ(r->server_port, 53);
  EXPECT_EQ(memcmp(r->client_address, "\xc0\x00\x02\x07", 4), 0);
  EXPECT_EQ(r->query_len, 12);
  EXPECT_EQ(r->response_len, 12);
  EXPECT_EQ(memcmp(r->response, e.response, 12), 0);
  EXPECT_GT(r->response_sec, 0u);
  std::string json;
  decision_json(r->decision, 0, json);
  EXPECT_EQ(
      json,
      "{\"service\":\"app.gslb.test\",\"policy\":\"priority\",\"candidates\":\"fallback_all\","
      "\"degraded\":true,\"answer\":\"members\",\"picked\":[\"tokyo\",\"osaka\"],\"tier\":1,"
      "\"ttl\":5,\"ecs_scope\":24}");
}

TEST(DnstapTap, DecisionsOffAndNoServiceLeaveItEmpty) {
  DnstapTap tap(1, 4, false);
  DnstapProducer* p = tap.attach();
  Exchange e;
  Fixture f;
  tap_exchange(*p, false, e.x(), f.decision);
  Decision none;
  tap_exchange(*p, true, e.x(), none);
  std::string json = "stale";
  decision_json(p->ring.peek()->decision, 0, json);
  EXPECT_EQ(json, "");
  p->ring.release();
  decision_json(p->ring.peek()->decision, 0, json);
  EXPECT_EQ(json, "");
}

TEST(DnstapTap, NothingPickedIsNodataOrServfail) {
  Fixture f;
  f.decision.pick_count = 0;
  f.decision.candidates = Decision::Candidates::kNone;
  DnstapTap tap(1, 4, true);
  DnstapProducer* p = tap.attach();
  Exchange e;
  tap_exchange(*p, true, e.x(), f.decision);
  std::string json;
  decision_json(p->ring.peek()->decision, 0, json);
  EXPECT_NE(json.find("\"answer\":\"nodata\",\"picked\":[]}"), std::string::npos) << json;
  decision_json(p->ring.peek()->decision, 2, json);
  EXPECT_NE(json.find("\"answer\":\"servfail\""), std::string::npos) << json;
}

TEST(DnstapTap, FullRingDropsAndCounts) {
  DnstapTap tap(2, 4, true);
  DnstapProducer* p = tap.attach();
  Exchange e;
  Decision none;
  for (int i = 0; i < 10; ++i) tap_exchange(*p, true, e.x(), none);
  EXPECT_EQ(p->dropped.load(), 6u);
  EXPECT_EQ(tap.dropped(), 6u);
  p->ring.release();
  tap_exchange(*p, true, e.x(), none);  // room again
  EXPECT_EQ(tap.dropped(), 6u);
}

TEST(DnstapTap, OversizedMessagesAreLeftOut) {
  DnstapTap tap(1, 4, true);
  DnstapProducer* p = tap.attach();
  Exchange e;
  static uint8_t big[DnstapRecord::kResponseCap + 1] = {};
  TapExchange x = e.x();
  x.response = big;
  x.response_len = sizeof big;
  tap_exchange(*p, true, x, Decision{});
  EXPECT_EQ(p->ring.peek()->response_len, 0);
  EXPECT_EQ(p->ring.peek()->query_len, 12);
}

TEST(DnstapWriter, DrainsEveryRingIntoTheFile) {
  char path[] = "/tmp/gslbd-dnstap-test-XXXXXX";
  const int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  close(fd);
  DnstapTap tap(2, 8, true);
  DnstapProducer* a = tap.attach();
  DnstapProducer* b = tap.attach();
  Exchange e;
  Fixture f;
  for (int i = 0; i < 3; ++i) tap_exchange(*a, true, e.x(), f.decision);
  for (int i = 0; i < 2; ++i) tap_exchange(*b, true, e.x(), Decision{});
  {
    auto out = DnstapOutput::open(path);
    ASSERT_TRUE(out.ok()) << out.error();
    DnstapWriter writer(tap, std::move(*out), {"ns1", "gslbd test"});
    EXPECT_EQ(writer.drain_once(), 5u);
    EXPECT_EQ(writer.drain_once(), 0u);
    writer.stop();  // closes: the file is complete
  }
  EXPECT_EQ(tap.written(), 5u);
  EXPECT_EQ(tap.dropped(), 0u);
  std::ifstream in(path, std::ios::binary);
  const std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  unlink(path);
  EXPECT_NE(data.find("protobuf:dnstap.Dnstap"), std::string::npos);  // the START frame
  size_t picks = 0;
  for (size_t at = data.find("\"tokyo\""); at != std::string::npos;
       at = data.find("\"tokyo\"", at + 1))
    ++picks;
  EXPECT_EQ(picks, 3u);
}

TEST(DnstapOutput, ErrorsSayWhatToFix) {
  auto missing = DnstapOutput::open("/nonexistent-dir/x.dnstap");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.failure().kind, ErrorKind::invalid);
  EXPECT_NE(missing.error().find("cannot create"), std::string::npos) << missing.error();
  auto dir = DnstapOutput::open("unix:/nonexistent-dir/s");
  ASSERT_FALSE(dir.ok());
  EXPECT_NE(dir.error().find("does not exist"), std::string::npos) << dir.error();
}

}  // namespace
}  // namespace gslb
