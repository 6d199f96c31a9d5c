#include "service/mmio_service.h"

#include <cstring>
#include <string>
#include <vector>

#include "service/caller.h"
#include "service/error_mapping.h"
#include "state/access.h"

namespace pynq_remote::service {
namespace {

// The address of [offset, offset+len) inside the grant, or kOutOfWindow.
Result<uint64_t> RegionAddress(const MmioRegion& region, uint64_t offset, uint64_t len) {
  if (len > region.length || offset > region.length - len) {
    return MakeError(ErrorCode::kOutOfWindow,
                     std::to_string(len) + " bytes at offset " + Hex(offset) +
                         " run past the end of the " + Hex(region.length) +
                         "-byte MMIO region at " + Hex(region.base),
                     region.base + offset);
  }
  return region.base + offset;
}

// The caller's grant, re-checked against the access policy on every use: the overlay may
// have changed since get_mmio.
Result<MmioRegion> FindRegion(const ServiceState& state, grpc::ServerContext* context,
                              const std::string& mmio_id) {
  Result<std::string> caller = CallerSession(context, state.sessions);
  if (!caller.ok()) return caller.error();
  return FindMmio(state, caller.value(), mmio_id);
}

uint64_t ByteSwap(uint64_t value, int width) {
  uint64_t swapped = 0;
  for (int i = 0; i < width; ++i) swapped = (swapped << 8) | ((value >> (8 * i)) & 0xFF);
  return swapped;
}

uint64_t LoadLittle(const char* bytes, int width) {
  uint64_t value = 0;
  for (int i = width - 1; i >= 0; --i) value = (value << 8) | static_cast<unsigned char>(bytes[i]);
  return value;
}

// 3.1 writes: 1/2/4/8 bytes are one access of that width; other multiples of 4 are
// successive 32-bit words. An 8-byte write not aligned to 8 falls back to two words.
std::vector<MmioOp> WriteOps(uint64_t addr, const std::string& data) {
  std::vector<MmioOp> ops;
  size_t n = data.size();
  bool single = n == 1 || n == 2 || n == 4 || (n == 8 && addr % 8 == 0);
  int width = single ? static_cast<int>(n) : 4;
  for (size_t at = 0; at + width <= n; at += width) {
    ops.push_back(MmioOp{MmioOp::Kind::kWrite, addr + at, width, LoadLittle(&data[at], width)});
  }
  return ops;
}

}  // namespace

int32_t LowWordAsInt32(uint64_t value) {
  uint32_t low = static_cast<uint32_t>(value);
  int32_t signed_low;
  std::memcpy(&signed_low, &low, sizeof low);
  return signed_low;
}

grpc::Status MmioService::get_mmio(grpc::ServerContext* context,
                                   const mmio::GetMmioRequest* request,
                                   mmio::GetMmioResponse* response) {
  Result<std::string> caller = CallerSession(context, state_.sessions);
  if (!caller.ok()) return FailIn31Answer(response, caller.error());
  Result<std::string> id =
      GrantMmio(state_, caller.value(), request->base_addr(), request->length());
  if (!id.ok()) return FailIn31Answer(response, id.error());
  response->set_mmio_id(id.value());
  response->set_status(true);
  return grpc::Status::OK;
}

grpc::Status MmioService::read(grpc::ServerContext* context, const mmio::ReadRequest* request,
                               mmio::ReadResponse* response) {
  const std::string& order = request->word_order();
  if (!order.empty() && order != "little" && order != "big") {
    return FailIn31Answer(response,
                          MakeError(ErrorCode::kInvalidArgument,
                                    "word_order \"" + order + "\": use \"little\" or \"big\""));
  }
  Result<MmioRegion> region = FindRegion(state_, context, request->mmio_id());
  if (!region.ok()) return FailIn31Answer(response, region.error());
  if (request->length() > 8) {
    return FailIn31Answer(response, MakeError(ErrorCode::kInvalidArgument,
                                              "MMIO read of " + std::to_string(request->length()) +
                                                  " bytes: read 1, 2, 4 or 8 bytes at a time"));
  }
  int width = static_cast<int>(request->length());
  Result<uint64_t> addr = RegionAddress(region.value(), request->offset(), request->length());
  if (!addr.ok()) return FailIn31Answer(response, addr.error());
  Status valid = CheckMmioAllowed(state_, addr.value(), width);
  if (!valid.ok()) return FailIn31Answer(response, valid.error());
  Result<uint64_t> value = state_.device.MmioRead(addr.value(), width);
  if (!value.ok()) return FailIn31Answer(response, value.error());
  uint64_t result = order == "big" ? ByteSwap(value.value(), width) : value.value();
  response->set_status(true);
  response->set_data(LowWordAsInt32(result));
  response->set_data64(result);
  return grpc::Status::OK;
}

grpc::Status MmioService::write(grpc::ServerContext* context, const mmio::WriteRequest* request,
                                mmio::WriteResponse* response) {
  const std::string& data = request->data();
  size_t n = data.size();
  if (n == 0 || (n != 1 && n != 2 && n % 4 != 0)) {
    return FailIn31Answer(response, MakeError(ErrorCode::kInvalidArgument,
                                              "MMIO write of " + std::to_string(n) +
                                                  " bytes: send 1, 2, or a multiple of 4 bytes"));
  }
  Result<MmioRegion> region = FindRegion(state_, context, request->mmio_id());
  if (!region.ok()) return FailIn31Answer(response, region.error());
  Result<uint64_t> addr = RegionAddress(region.value(), request->offset(), n);
  if (!addr.ok()) return FailIn31Answer(response, addr.error());
  std::vector<MmioOp> ops = WriteOps(addr.value(), data);
  for (const MmioOp& op : ops) {
    Status valid = CheckMmioAllowed(state_, op.addr, op.width);
    if (!valid.ok()) return FailIn31Answer(response, valid.error());
  }
  Device::BatchResult result = state_.device.MmioBatch(ops);
  if (!result.status.ok()) return FailIn31Answer(response, result.status.error());
  response->set_status(true);
  return grpc::Status::OK;
}

}  // namespace pynq_remote::service
