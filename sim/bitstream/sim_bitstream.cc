#include "bitstream/sim_bitstream.h"

#include <openssl/evp.h>
#include <zlib.h>

#include <cstring>

namespace pynq_remote::sim {
namespace {

constexpr unsigned char kBitHeader[13] = {0x00, 0x09, 0x0F, 0xF0, 0x0F, 0xF0, 0x0F,
                                          0xF0, 0x0F, 0xF0, 0x00, 0x00, 0x01};
constexpr size_t kHashChars = 64;
constexpr size_t kMaxName = 256;

DeviceError Bad(const std::string& what) {
  return MakeError(ErrorCode::kBadBitstream, "bad bitstream: " + what);
}

uint32_t Le32(const std::string& s, size_t at) {
  return static_cast<uint32_t>(static_cast<unsigned char>(s[at])) |
         static_cast<uint32_t>(static_cast<unsigned char>(s[at + 1])) << 8 |
         static_cast<uint32_t>(static_cast<unsigned char>(s[at + 2])) << 16 |
         static_cast<uint32_t>(static_cast<unsigned char>(s[at + 3])) << 24;
}

void PutLe32(std::string* s, uint32_t v) {
  for (int i = 0; i < 4; ++i) s->push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

uint32_t Crc32(const std::string& s, size_t len) {
  return static_cast<uint32_t>(
      crc32(0L, reinterpret_cast<const Bytef*>(s.data()), static_cast<uInt>(len)));
}

}  // namespace

std::string MakeSimPayload(const std::string& design, const std::string& content_hash) {
  std::string out(kSimBitstreamMagic, sizeof kSimBitstreamMagic);
  PutLe32(&out, kSimBitstreamFormat);
  PutLe32(&out, static_cast<uint32_t>(design.size()));
  out += design;
  out += content_hash;
  out.append((4 - out.size() % 4) % 4, '\0');
  PutLe32(&out, Crc32(out, out.size()));
  return out;
}

std::string MakeBitFile(const std::string& design, const std::string& part,
                        const std::string& payload) {
  std::string out(reinterpret_cast<const char*>(kBitHeader), sizeof kBitHeader);
  auto field = [&out](char tag, const std::string& text) {
    out.push_back(tag);
    const size_t len = text.size() + 1;
    out.push_back(static_cast<char>(len >> 8));
    out.push_back(static_cast<char>(len & 0xFF));
    out += text;
    out.push_back('\0');
  };
  field('a', design + ";UserID=0XFFFFFFFF;Version=pynq-remote-sim");
  field('b', part);
  field('c', "2026/01/01");
  field('d', "00:00:00");
  out.push_back('e');
  for (int i = 3; i >= 0; --i) out.push_back(static_cast<char>((payload.size() >> (8 * i)) & 0xFF));
  return out + payload;
}

bool HasSimMagic(const std::string& config_data) {
  if (config_data.size() < sizeof kSimBitstreamMagic) return false;
  if (std::memcmp(config_data.data(), kSimBitstreamMagic, sizeof kSimBitstreamMagic) == 0) {
    return true;
  }
  const std::string swapped = SwapWords(config_data.substr(0, sizeof kSimBitstreamMagic));
  return std::memcmp(swapped.data(), kSimBitstreamMagic, sizeof kSimBitstreamMagic) == 0;
}

std::string Sha256Hex(const std::string& bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  // EVP_Digest: one call, no context to leak; it fails only without memory, and then the
  // empty string matches no package's 64-digit hash.
  if (EVP_Digest(bytes.data(), bytes.size(), digest, &len, EVP_sha256(), nullptr) != 1) {
    return "";
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(2 * len);
  for (unsigned int i = 0; i < len; ++i) {
    hex.push_back(kHex[digest[i] >> 4]);
    hex.push_back(kHex[digest[i] & 0xF]);
  }
  return hex;
}

Result<SimBitstream> ParseSimBitstream(const std::string& bytes) {
  SimBitstream result;
  std::string payload;
  if (bytes.empty()) return Bad("empty");
  if (HasBitHeader(bytes)) {
    Result<std::string> data = StripBitHeader(bytes, &result.part);
    if (!data.ok()) return data.error();
    payload = std::move(data).value();
    result.container = "bit";
  } else {
    payload = bytes;
    result.container = "bin";
  }
  if (payload.size() < sizeof kSimBitstreamMagic) {
    return Bad("truncated: " + std::to_string(payload.size()) + " bytes of configuration data");
  }
  if (std::memcmp(payload.data(), kSimBitstreamMagic, 8) != 0) {
    if (!HasSimMagic(payload)) {
      // SimDevice::Program then looks the bytes up as a Vivado bitstream of a package.
      return Bad("not a pynq-remote sim bitstream (no PYNQSIM magic in the configuration data)");
    }
    if (payload.size() % 4 != 0) return Bad("byte-swapped .bin is not a multiple of 4 bytes");
    payload = SwapWords(payload);
    result.container = result.container == "bit" ? "bit-swapped" : "bin-swapped";
  }
  const size_t header = sizeof kSimBitstreamMagic + 8;
  if (payload.size() < header + 4 || payload.size() % 4 != 0) {
    return Bad("truncated configuration data (" + std::to_string(payload.size()) + " bytes)");
  }
  const uint32_t crc_stored = Le32(payload, payload.size() - 4);
  const uint32_t crc = Crc32(payload, payload.size() - 4);
  if (crc != crc_stored) {
    return Bad("CRC32 mismatch (stored " + Hex(crc_stored) + ", computed " + Hex(crc) +
               "): the file is corrupt");
  }
  const uint32_t format = Le32(payload, 8);
  if (format != kSimBitstreamFormat) {
    return Bad("unsupported sim bitstream format " + std::to_string(format));
  }
  const uint32_t name_len = Le32(payload, 12);
  if (name_len == 0 || name_len > kMaxName || header + name_len + kHashChars > payload.size() - 4) {
    return Bad("design name length " + std::to_string(name_len) + " does not fit the data");
  }
  result.design = payload.substr(header, name_len);
  result.content_hash = payload.substr(header + name_len, kHashChars);
  for (char c : result.content_hash) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return Bad("content hash of design '" + result.design + "' is not hex");
    }
  }
  return result;
}

}  // namespace pynq_remote::sim
