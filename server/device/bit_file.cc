#include "device/bit_file.h"

#include <cstring>

namespace pynq_remote {
namespace {

constexpr unsigned char kBitHeader[13] = {0x00, 0x09, 0x0F, 0xF0, 0x0F, 0xF0, 0x0F,
                                          0xF0, 0x0F, 0xF0, 0x00, 0x00, 0x01};

DeviceError Bad(const std::string& what) {
  return MakeError(ErrorCode::kBadBitstream, "bad bitstream: " + what);
}

uint32_t Be(const std::string& s, size_t at, int bytes) {
  uint32_t v = 0;
  for (int i = 0; i < bytes; ++i) v = v << 8 | static_cast<unsigned char>(s[at + i]);
  return v;
}

}  // namespace

bool HasBitHeader(const std::string& bytes) {
  return bytes.size() >= sizeof kBitHeader &&
         std::memcmp(bytes.data(), kBitHeader, sizeof kBitHeader) == 0;
}

Result<std::string> StripBitHeader(const std::string& bytes, std::string* part) {
  size_t at = sizeof kBitHeader;
  while (true) {
    if (at >= bytes.size()) return Bad(".bit header truncated: no 'e' (data) field");
    const char tag = bytes[at];
    if (tag == 'e') {
      if (at + 5 > bytes.size()) return Bad(".bit header truncated in the 'e' length");
      const uint32_t len = Be(bytes, at + 1, 4);
      if (bytes.size() - (at + 5) < len) {
        return Bad(".bit data truncated: header says " + std::to_string(len) + " bytes, " +
                   std::to_string(bytes.size() - (at + 5)) + " present");
      }
      return bytes.substr(at + 5, len);
    }
    if (tag < 'a' || tag > 'd') {
      return Bad(".bit header: unexpected field tag 0x" +
                 Hex(static_cast<unsigned char>(tag)).substr(2) + " at offset " +
                 std::to_string(at));
    }
    if (at + 3 > bytes.size())
      return Bad(".bit header truncated in field '" + std::string(1, tag) + "'");
    const uint32_t len = Be(bytes, at + 1, 2);
    if (bytes.size() - (at + 3) < len) {
      return Bad(".bit header truncated in field '" + std::string(1, tag) + "'");
    }
    std::string text = bytes.substr(at + 3, len);
    if (len == 0 || text.back() != '\0') {
      return Bad(".bit header field '" + std::string(1, tag) + "' is not NUL-terminated");
    }
    text.pop_back();
    if (tag == 'b') *part = text;
    at += 3 + len;
  }
}

std::string SwapWords(const std::string& data) {
  std::string out = data;
  for (size_t i = 0; i + 4 <= out.size(); i += 4) {
    std::swap(out[i], out[i + 3]);
    std::swap(out[i + 1], out[i + 2]);
  }
  return out;
}

}  // namespace pynq_remote
