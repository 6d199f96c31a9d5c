// The sim bitstream container. A sim .bit is a genuine Xilinx .bit (header: 2-byte length + the
// 9 magic bytes 0FF00FF00FF00FF000, 0x0001, tags a/b/c/d NUL-terminated, 'e' + 4-byte length +
// configuration data). The configuration data ("payload", also the raw .bin):
//   "PYNQSIM\0" | u32le format (1) | u32le name length | name | 64 hex chars SHA-256 of the
//   design's manifest + sources | zero pad to a multiple of 4 | u32le CRC32 (zlib) of all before.
// The PYNQ client byte-swaps every 32-bit word of it to make its .bin; both orders parse.
#ifndef PYNQ_REMOTE_SIM_BITSTREAM_SIM_BITSTREAM_H_
#define PYNQ_REMOTE_SIM_BITSTREAM_SIM_BITSTREAM_H_

#include <string>

#include "device/bit_file.h"
#include "device/device.h"

namespace pynq_remote::sim {

inline constexpr char kSimBitstreamMagic[8] = {'P', 'Y', 'N', 'Q', 'S', 'I', 'M', '\0'};
inline constexpr uint32_t kSimBitstreamFormat = 1;

struct SimBitstream {
  std::string design;        // registered design name
  std::string content_hash;  // 64 lower-case hex chars
  std::string part;          // from the .bit header's 'b' field; empty for a .bin
  std::string container;     // "bit", "bin" or "bin-swapped"
};

/// Parses a .bit, a raw .bin or a byte-swapped .bin. kBadBitstream with what is wrong.
Result<SimBitstream> ParseSimBitstream(const std::string& bytes);

/// Whether configuration data (a .bit's field 'e', or a .bin) starts with the PYNQSIM magic in
/// either byte order: a sim bitstream, however damaged, rather than some other bitstream.
bool HasSimMagic(const std::string& config_data);

/// The SHA-256 of `bytes` as 64 lower-case hex digits (OpenSSL EVP): how a design package
/// names the Vivado bitstream it was imported from (design.json "vivado_bitstreams").
std::string Sha256Hex(const std::string& bytes);

/// The configuration data for `design` / `content_hash` (as rtl/tools/gen_design.py writes it).
std::string MakeSimPayload(const std::string& design, const std::string& content_hash);
/// A .bit around `payload`.
std::string MakeBitFile(const std::string& design, const std::string& part,
                        const std::string& payload);
/// Every 32-bit word byte-swapped (device/bit_file.h), here too for the sim's users.
using ::pynq_remote::SwapWords;

}  // namespace pynq_remote::sim

#endif  // PYNQ_REMOTE_SIM_BITSTREAM_SIM_BITSTREAM_H_
