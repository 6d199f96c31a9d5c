// The Xilinx .bit container, shared by the simulated board and the hardware backend: a
// header (2-byte length + 9 magic bytes, 0x0001, fields 'a' design, 'b' part, 'c' date, 'd'
// time, each 2-byte length + NUL-terminated text) and 'e' + 4-byte length + the configuration
// data. The .bin the FPGA manager loads is that data with every 32-bit word byte-swapped.
#ifndef PYNQ_REMOTE_SERVER_DEVICE_BIT_FILE_H_
#define PYNQ_REMOTE_SERVER_DEVICE_BIT_FILE_H_

#include <string>

#include "device/device_error.h"

namespace pynq_remote {

/// True when `bytes` starts with the .bit header's magic.
bool HasBitHeader(const std::string& bytes);

/// The configuration data of a .bit; *part gets the 'b' field. kBadBitstream ("bad
/// bitstream: ...") for a truncated or malformed header.
Result<std::string> StripBitHeader(const std::string& bytes, std::string* part);

/// Every 32-bit word byte-swapped (what the PYNQ client does to make its .bin).
std::string SwapWords(const std::string& data);

}  // namespace pynq_remote

#endif  // PYNQ_REMOTE_SERVER_DEVICE_BIT_FILE_H_
