// libFuzzer target: the sim bitstream container parser (.bit, raw .bin, byte-swapped .bin).
// What parses must describe a design the server could look up, and must survive the trips a
// bitstream really takes: rebuilt as a payload and a .bit (rtl/tools/gen_design.py's
// output), and byte-swapped as the PYNQ client does to make its .bin.
#include <zlib.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "bitstream/sim_bitstream.h"

namespace {

using pynq_remote::Result;
using pynq_remote::sim::MakeBitFile;
using pynq_remote::sim::MakeSimPayload;
using pynq_remote::sim::ParseSimBitstream;
using pynq_remote::sim::SimBitstream;
using pynq_remote::sim::SwapWords;

[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "fuzz_bitstream: %s\n", what.c_str());
  std::abort();
}

bool IsLowerHex(const std::string& s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// `bytes` must parse, as `container`, to the design and hash of `want`.
void ExpectSame(const std::string& bytes, const char* container, const SimBitstream& want,
                const char* trip) {
  Result<SimBitstream> again = ParseSimBitstream(bytes);
  if (!again.ok()) Fail(std::string(trip) + " does not parse: " + again.error().message);
  const SimBitstream& got = again.value();
  if (got.container != container || got.design != want.design ||
      got.content_hash != want.content_hash) {
    Fail(std::string(trip) + " changed it: " + got.container + " " + got.design + " vs " +
         container + " " + want.design);
  }
}

// A mutated payload almost never keeps a valid CRC32, so the checks after the CRC would
// never run; this is the same bytes with the CRC fixed (as a raw .bin), when that applies.
bool WithValidCrc(const std::string& bytes, std::string* fixed) {
  if (bytes.size() < 20 || bytes.size() % 4 != 0) return false;
  *fixed = bytes;
  const uLong crc = crc32(0L, reinterpret_cast<const Bytef*>(fixed->data()),
                          static_cast<uInt>(fixed->size() - 4));
  for (int i = 0; i < 4; ++i) (*fixed)[fixed->size() - 4 + i] = static_cast<char>(crc >> (8 * i));
  return true;
}

void CheckOne(const std::string& bytes) {
  Result<SimBitstream> parsed = ParseSimBitstream(bytes);
  if (!parsed.ok()) {
    if (parsed.error().code != pynq_remote::ErrorCode::kBadBitstream ||
        parsed.error().message.empty()) {
      Fail("error that is not kBadBitstream: " + parsed.error().message);
    }
    return;
  }
  const SimBitstream& bit = parsed.value();
  if (bit.design.empty() || bit.design.size() > 256) Fail("design name of odd length");
  if (bit.content_hash.size() != 64 || !IsLowerHex(bit.content_hash)) Fail("content hash");
  const std::string& c = bit.container;
  if (c != "bit" && c != "bit-swapped" && c != "bin" && c != "bin-swapped") {
    Fail("unknown container " + c);
  }
  if (c == "bin" || c == "bin-swapped") {
    if (!bit.part.empty()) Fail("a .bin has a part name");
  }

  const std::string payload = MakeSimPayload(bit.design, bit.content_hash);
  ExpectSame(payload, "bin", bit, "MakeSimPayload");
  ExpectSame(SwapWords(payload), "bin-swapped", bit, "SwapWords(MakeSimPayload)");
  ExpectSame(MakeBitFile(bit.design, bit.part, payload), "bit", bit, "MakeBitFile");
  // The client's swap of a .bin that parsed unswapped parses too, to the same design.
  if (c == "bin" && bytes.size() % 4 == 0) {
    ExpectSame(SwapWords(bytes), "bin-swapped", bit, "SwapWords(input)");
  }
  if (c == "bin-swapped") ExpectSame(SwapWords(bytes), "bin", bit, "SwapWords(input)");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  CheckOne(bytes);
  std::string fixed;
  if (WithValidCrc(bytes, &fixed)) CheckOne(fixed);
  return 0;
}
