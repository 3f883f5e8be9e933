// WireWriter: big-endian integers, the sticky error, RFC 1035 s4.1.4 name compression and
// mark/rollback (which must also forget compression targets written after the mark).
#include "server/wire/wire_writer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/unit/testing/packet_builder.h"

namespace gslb {
namespace {

using testing::wire_name;

const uint8_t* u(const std::string& s) {
  return reinterpret_cast<const uint8_t*>(s.data());
}

class WireWriterTest : public ::testing::Test {
 protected:
  std::string written() const {
    return std::string(reinterpret_cast<const char*>(buf_.data()), w_.size());
  }
  std::string tail(size_t from) const { return written().substr(from); }

  std::vector<uint8_t> buf_ = std::vector<uint8_t>(0x5000, 0xEE);
  WireWriter w_{buf_.data(), buf_.size()};
};

TEST_F(WireWriterTest, WritesIntegersBigEndian) {
  w_.u8(0x01);
  w_.u16(0x0203);
  w_.u32(0x04050607);
  w_.bytes("\x08\x09", 2);
  EXPECT_TRUE(w_.ok());
  EXPECT_EQ(written(), std::string("\x01\x02\x03\x04\x05\x06\x07\x08\x09", 9));
}

TEST_F(WireWriterTest, PatchRewritesAnEarlierField) {
  w_.u16(0);
  w_.u16(0xAAAA);
  w_.patch_u16(0, 0x1234);
  EXPECT_EQ(written(), std::string("\x12\x34\xAA\xAA", 4));
}

TEST_F(WireWriterTest, FirstNameIsWrittenInFull) {
  const std::string n = wire_name("www.example.test.");
  w_.name(u(n));
  EXPECT_EQ(written(), n);
}

TEST_F(WireWriterTest, RootNameIsOneZeroOctet) {
  w_.name(u(std::string(1, '\0')));
  EXPECT_EQ(written(), std::string(1, '\0'));
}

TEST_F(WireWriterTest, RepeatedNameBecomesOnePointer) {
  const std::string n = wire_name("www.example.test.");
  w_.u16(0xFFFF);  // so the name starts at a non-zero offset
  w_.name(u(n));
  w_.name(u(n));
  EXPECT_EQ(tail(2 + n.size()), std::string("\xC0\x02", 2));
}

TEST_F(WireWriterTest, RepeatedSuffixBecomesLabelsThenPointer) {
  w_.name(u(wire_name("www.example.test.")));
  const size_t at = w_.size();
  w_.name(u(wire_name("mail.example.test.")));
  EXPECT_EQ(tail(at), std::string("\x04mail\xC0\x04", 7));  // "example" starts at offset 4
  const size_t at2 = w_.size();
  w_.name(u(wire_name("other.test.")));
  EXPECT_EQ(tail(at2), std::string("\x05other\xC0\x0C", 8));  // "test" starts at offset 12
}

TEST_F(WireWriterTest, CompressionIsCaseInsensitiveAndKeepsWrittenCase) {
  w_.name(u(wire_name("WWW.EXAMPLE.TEST.")));
  const size_t at = w_.size();
  w_.name(u(wire_name("Mail.example.test.")));
  EXPECT_EQ(written().substr(0, at), wire_name("WWW.EXAMPLE.TEST."));
  EXPECT_EQ(tail(at), std::string("\x04Mail\xC0\x04", 7));
}

TEST_F(WireWriterTest, SuffixMatchesOnlyWholeLabels) {
  w_.name(u(wire_name("ab.test.")));
  const size_t at = w_.size();
  w_.name(u(wire_name("b.test.")));
  EXPECT_EQ(tail(at), std::string("\x01"
                                  "b\xC0\x03",
                                  4));
}

TEST_F(WireWriterTest, MatchesThroughAnEarlierPointer) {
  w_.name(u(wire_name("example.test.")));  // 0
  const size_t www = w_.size();
  w_.name(u(wire_name("www.example.test.")));  // "www" + pointer to 0
  ASSERT_EQ(tail(www), std::string("\x03www\xC0\x00", 6));
  const size_t at = w_.size();
  w_.name(u(wire_name("WWW.example.test.")));
  EXPECT_EQ(tail(at), std::string("\xC0", 1) + static_cast<char>(www));
}

TEST_F(WireWriterTest, QuestionTargetsCompressAnswerOwners) {
  // The question as the client wrote it (mixed case), registered from its lowercase form.
  w_.bytes("\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00", 12);
  const std::string asked = wire_name("WwW.Example.TEST.");
  w_.bytes(asked.data(), asked.size());
  w_.add_targets(12, u(wire_name("www.example.test.")));
  const size_t at = w_.size();
  w_.name(u(wire_name("www.example.test.")));
  w_.name(u(wire_name("ns1.example.test.")));
  EXPECT_EQ(tail(at), std::string("\xC0\x0C\x03ns1\xC0\x10", 8));
}

TEST_F(WireWriterTest, UncompressedNameIsWrittenInFullAndAddsNoTarget) {
  const std::string n = wire_name("mx.example.test.");
  w_.name(u(n), /*compress=*/false);
  const size_t second = w_.size();
  w_.name(u(n));  // nothing registered yet: written in full, registering its labels
  EXPECT_EQ(tail(second), n);
  const size_t third = w_.size();
  w_.name(u(n), /*compress=*/false);
  EXPECT_EQ(tail(third), n);
  const size_t fourth = w_.size();
  w_.name(u(wire_name("a.mx.example.test.")));
  EXPECT_EQ(tail(fourth), std::string("\x01"
                                      "a\xC0",
                                      3) +
                              static_cast<char>(second));
}

TEST_F(WireWriterTest, TargetsBeyondPointerRangeAreNotUsed) {
  // A pointer has 14 bits: a name written at 0x4000 or later cannot be pointed at.
  std::vector<uint8_t> filler(0x4000, 0);
  w_.bytes(filler.data(), filler.size());
  const std::string n = wire_name("far.example.test.");
  w_.name(u(n));
  const size_t at = w_.size();
  w_.name(u(n));
  EXPECT_TRUE(w_.ok());
  EXPECT_EQ(tail(at), n);
}

TEST_F(WireWriterTest, FullTargetTableStillWritesCorrectNames) {
  // 100 distinct one-label names: more targets than the table holds.
  std::vector<std::string> names;
  for (int i = 0; i < 100; ++i) names.push_back(wire_name("n" + std::to_string(i) + "."));
  for (const std::string& n : names) w_.name(u(n));
  size_t at = w_.size();
  w_.name(u(names[0]));
  EXPECT_EQ(tail(at), std::string("\xC0\x00", 2));
  at = w_.size();
  w_.name(u(names[99]));
  EXPECT_EQ(tail(at), names[99]);  // never registered: written in full, still correct
}

TEST(WireWriter, OverflowIsStickyAndWritesNothing) {
  uint8_t buf[5] = {0xEE, 0xEE, 0xEE, 0xEE, 0xEE};
  WireWriter w(buf, 3);
  w.u16(0x0102);
  EXPECT_TRUE(w.ok());
  w.u16(0x0304);  // does not fit
  EXPECT_FALSE(w.ok());
  EXPECT_EQ(w.size(), 2u);
  w.u8(0x05);  // would fit, but the error is sticky
  w.bytes("\x06", 1);
  EXPECT_FALSE(w.ok());
  EXPECT_EQ(w.size(), 2u);
  EXPECT_EQ(buf[2], 0xEE);
  EXPECT_EQ(buf[3], 0xEE);
}

TEST(WireWriter, ExactFitIsOk) {
  uint8_t buf[4];
  WireWriter w(buf, 4);
  w.u32(0xA1B2C3D4);
  EXPECT_TRUE(w.ok());
  EXPECT_EQ(w.size(), 4u);
  w.bytes("", 0);  // an empty write at the end still fits
  EXPECT_TRUE(w.ok());
}

TEST(WireWriter, NameOverflowIsSticky) {
  uint8_t buf[64] = {};
  WireWriter w(buf, 10);
  const std::string n = wire_name("www.example.test.");
  w.name(reinterpret_cast<const uint8_t*>(n.data()));
  EXPECT_FALSE(w.ok());
  EXPECT_LE(w.size(), 10u);
}

// Run in a child process: the bug it guards against is a wild read (or an endless pointer walk),
// which would take the whole test binary down.
TEST(WireWriterDeathTest, NameOverflowingHalfwayReadsNoUnwrittenBytes) {
  EXPECT_EXIT(
      {
        // A reused response buffer: bytes past the write position are stale, and here they hold
        // a compression pointer leading outside the buffer (rdata such as 192.64.x.x would).
        std::vector<uint8_t> buf(16, 0);
        buf[4] = 0xC0;
        buf[5] = 0x40;
        WireWriter w(buf.data(), 10);
        const std::string n = wire_name("www.example.test.");
        // "www" fits; "example" overflows; "test" must not be compared with the unwritten
        // "example" at offset 4 (registered as a target before it was written).
        w.name(reinterpret_cast<const uint8_t*>(n.data()));
        std::exit(w.ok() ? 1 : 0);
      },
      ::testing::ExitedWithCode(0), "");
}

TEST(WireWriter, ReducedCapacityLeavesRoomForLaterRecords) {
  uint8_t buf[16];
  WireWriter w(buf, sizeof buf);
  w.set_capacity(4);
  w.u32(1);
  w.u8(2);
  EXPECT_FALSE(w.ok());
  w.rollback({4, 0});
  w.set_capacity(sizeof buf);
  w.u8(2);
  EXPECT_TRUE(w.ok());
  EXPECT_EQ(w.size(), 5u);
}

TEST(WireWriter, RollbackRestoresPositionAndClearsError) {
  uint8_t buf[8];
  WireWriter w(buf, sizeof buf);
  w.u16(0x0102);
  const WireWriter::Mark m = w.mark();
  w.u32(0);
  w.u32(0);  // overflows
  ASSERT_FALSE(w.ok());
  w.rollback(m);
  EXPECT_TRUE(w.ok());
  EXPECT_EQ(w.size(), 2u);
  w.u16(0x0304);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(buf), w.size()),
            std::string("\x01\x02\x03\x04", 4));
}

TEST_F(WireWriterTest, RollbackForgetsTargetsAddedAfterTheMark) {
  w_.name(u(wire_name("example.test.")));  // targets at 0 and 8
  const WireWriter::Mark m = w_.mark();
  const size_t at = w_.size();
  w_.name(u(wire_name("www.example.test.")));  // adds a target for "www" at `at`
  w_.rollback(m);
  // The same name at the same place: a stale target would make it a pointer to itself.
  w_.name(u(wire_name("www.example.test.")));
  EXPECT_EQ(tail(at), std::string("\x03www\xC0\x00", 6));
}

}  // namespace
}  // namespace gslb
