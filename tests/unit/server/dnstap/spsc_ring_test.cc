// SpscRing (server/dnstap/spsc_ring.h): capacity, fill until full, drain in order, reuse after
// wrapping, and a producer and a consumer thread that never see a torn record.
#include "server/dnstap/spsc_ring.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <thread>

namespace gslb {
namespace {

struct Slot {
  uint64_t seq = 0;
  uint64_t words[30] = {};  // each a function of seq: a torn copy shows up as a mismatch
};

TEST(SpscRing, CapacityIsAPowerOfTwo) {
  EXPECT_EQ(SpscRing<Slot>(1).capacity(), 1u);
  EXPECT_EQ(SpscRing<Slot>(5).capacity(), 8u);
  EXPECT_EQ(SpscRing<Slot>(1024).capacity(), 1024u);
}

TEST(SpscRing, FillsUpThenRefuses) {
  SpscRing<Slot> ring(4);
  for (uint64_t i = 0; i < 4; ++i) {
    Slot* s = ring.claim();
    ASSERT_NE(s, nullptr) << i;
    s->seq = i;
    ring.publish();
  }
  EXPECT_EQ(ring.claim(), nullptr);
  EXPECT_EQ(ring.claim(), nullptr);  // still full: nothing was taken
}

TEST(SpscRing, DrainsInOrderAndEmpties) {
  SpscRing<Slot> ring(4);
  EXPECT_EQ(ring.peek(), nullptr);
  for (uint64_t i = 0; i < 3; ++i) {
    ring.claim()->seq = i;
    ring.publish();
  }
  for (uint64_t i = 0; i < 3; ++i) {
    const Slot* s = ring.peek();
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(s->seq, i);
    ring.release();
  }
  EXPECT_EQ(ring.peek(), nullptr);
}

TEST(SpscRing, ClaimedButUnpublishedIsInvisible) {
  SpscRing<Slot> ring(2);
  ring.claim()->seq = 7;
  EXPECT_EQ(ring.peek(), nullptr);
  ring.publish();
  ASSERT_NE(ring.peek(), nullptr);
  EXPECT_EQ(ring.peek()->seq, 7u);
}

TEST(SpscRing, WrapsAroundManyTimes) {
  SpscRing<Slot> ring(4);
  for (uint64_t i = 0; i < 1000; ++i) {
    Slot* s = ring.claim();
    ASSERT_NE(s, nullptr);
    s->seq = i;
    ring.publish();
    if (i % 3 == 2) {  // keep the ring partly full across the wrap
      for (uint64_t k = 0; k < 3; ++k) {
        ASSERT_NE(ring.peek(), nullptr);
        EXPECT_EQ(ring.peek()->seq, i - 2 + k);
        ring.release();
      }
    }
  }
}

TEST(SpscRing, TwoThreadsSeeWholeRecordsInOrder) {
  constexpr uint64_t kRecords = 200000;
  SpscRing<Slot> ring(64);
  uint64_t dropped = 0;
  std::thread producer([&] {
    for (uint64_t i = 1; i <= kRecords; ++i) {
      Slot* s = ring.claim();
      if (s == nullptr) {
        ++dropped;  // as the workers do: never wait
        continue;
      }
      s->seq = i;
      for (uint64_t w = 0; w < 30; ++w) s->words[w] = i * 31 + w;
      ring.publish();
    }
  });
  uint64_t received = 0, last = 0, torn = 0, out_of_order = 0;
  auto consume = [&] {
    while (const Slot* s = ring.peek()) {
      for (uint64_t w = 0; w < 30; ++w)
        if (s->words[w] != s->seq * 31 + w) ++torn;
      if (s->seq <= last) ++out_of_order;
      last = s->seq;
      ++received;
      ring.release();
    }
  };
  while (last < kRecords) {
    consume();
    if (received + dropped == kRecords) break;  // the last one may have been dropped
    std::this_thread::yield();
  }
  producer.join();
  consume();
  EXPECT_EQ(torn, 0u);
  EXPECT_EQ(out_of_order, 0u);
  EXPECT_EQ(received + dropped, kRecords);
  EXPECT_GT(received, 0u);
}

}  // namespace
}  // namespace gslb
