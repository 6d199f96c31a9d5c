#include "service/gpio_service.h"

#include <optional>
#include <string>
#include <vector>

#include "service/caller.h"
#include "service/error_mapping.h"
#include "state/log.h"

namespace pynq_remote::service {
namespace {

// The chip a target_label names; with none (absent or ""), the PS's controller as PYNQ finds
// it by its Linux label. kUnknownId listing the labels there are otherwise.
Result<GpioChipInfo> ChipByLabel(const std::vector<GpioChipInfo>& chips, bool has_label,
                                 const std::string& label) {
  std::string labels;
  for (const GpioChipInfo& chip : chips) {
    if (has_label && !label.empty() && chip.label == label) return chip;
    labels += (labels.empty() ? "\"" : ", \"") + chip.label + "\" (" + chip.name + ")";
  }
  if (!has_label || label.empty()) {
    std::optional<GpioChipInfo> ps = PsGpioChip(chips);
    if (ps) return *ps;
  }
  const std::string wanted = has_label && !label.empty()
                                 ? "no GPIO chip labelled \"" + label + "\""
                                 : "no PS GPIO chip (labelled zynqmp_gpio or zynq_gpio)";
  return MakeError(ErrorCode::kUnknownId,
                   wanted + " on this board; its chips: " + (labels.empty() ? "none" : labels));
}

// A message answer (get_gpio, read): the reason, OK status, nothing else set.
template <typename Response>
grpc::Status FailInMessage(Response* response, const DeviceError& error) {
  response->Clear();
  response->set_message(ErrorText(error));
  return grpc::Status::OK;
}

}  // namespace

grpc::Status GpioService::get_gpio(grpc::ServerContext* context,
                                   const gpio::GetGpioRequest* request,
                                   gpio::GetGpioResponse* response) {
  Result<std::string> caller = CallerSession(context, state_.sessions);
  if (!caller.ok()) return FailInMessage(response, caller.error());
  GpioDirection direction;
  if (request->direction() == "in") {
    direction = GpioDirection::kIn;
  } else if (request->direction() == "out") {
    direction = GpioDirection::kOut;
  } else {
    return FailInMessage(response, MakeError(ErrorCode::kInvalidArgument,
                                             "GPIO direction \"" + request->direction() +
                                                 "\": want \"in\" or \"out\""));
  }
  Result<std::string> id =
      state_.gpios.Get(state_.device, state_.sessions, caller.value(), request->index(), direction);
  if (!id.ok()) return FailInMessage(response, id.error());
  response->set_gpio_id(id.value());
  return grpc::Status::OK;
}

grpc::Status GpioService::read(grpc::ServerContext* context, const gpio::GpioReadRequest* request,
                               gpio::GpioReadResponse* response) {
  Result<std::string> caller = CallerSession(context, state_.sessions);
  if (!caller.ok()) return FailInMessage(response, caller.error());
  Result<GpioEntry> entry = state_.gpios.Find(caller.value(), request->gpio_id());
  if (!entry.ok()) return FailInMessage(response, entry.error());
  // An output reads back as driven (Device::GpioRead), where PYNQ's local GPIO refuses: a
  // remote client cannot look at the pin any other way.
  Result<int> value = state_.device.GpioRead(entry.value().gpio);
  if (!value.ok()) return FailInMessage(response, value.error());
  response->set_value(value.value());
  return grpc::Status::OK;
}

grpc::Status GpioService::write(grpc::ServerContext* context, const gpio::GpioWriteRequest* request,
                                gpio::GpioWriteResponse*) {
  Result<std::string> caller = CallerSession(context, state_.sessions);
  if (!caller.ok()) return ToGrpcStatus(context, caller.error());
  Result<GpioEntry> entry = state_.gpios.Find(caller.value(), request->gpio_id());
  if (!entry.ok()) return ToGrpcStatus(context, entry.error());
  const std::string pin = DescribeGpio(state_.device.GpioChips(), entry.value().gpio);
  if (entry.value().direction != GpioDirection::kOut) {
    return ToGrpcStatus(context, MakeError(ErrorCode::kPermissionDenied,
                                           request->gpio_id() + " (" + pin +
                                               ") is an input: get_gpio it with direction "
                                               "\"out\" to drive it"));
  }
  if (request->value() != 0 && request->value() != 1) {
    return ToGrpcStatus(context,
                        MakeError(ErrorCode::kInvalidArgument,
                                  "GPIO value " + std::to_string(request->value()) + " for " +
                                      request->gpio_id() + " (" + pin + "): want 0 or 1"));
  }
  Status written = state_.device.GpioWrite(entry.value().gpio, request->value());
  if (!written.ok()) return ToGrpcStatus(context, written.error());
  return grpc::Status::OK;
}

grpc::Status GpioService::unexport(grpc::ServerContext* context,
                                   const gpio::GpioUnexportRequest* request,
                                   gpio::GpioUnexportResponse*) {
  Result<std::string> caller = CallerSession(context, state_.sessions);
  if (!caller.ok()) return ToGrpcStatus(context, caller.error());
  Status released =
      state_.gpios.Release(state_.device, state_.sessions, caller.value(), request->gpio_id());
  if (!released.ok()) return ToGrpcStatus(context, released.error());
  return grpc::Status::OK;
}

// No `message` to say why: an id this caller cannot use (unknown, unexported, another
// session's) simply is not exported. A request naming a session that is not open is the
// caller's mistake, not an answer about the id: that one is a status.
grpc::Status GpioService::is_exported(grpc::ServerContext* context,
                                      const gpio::GpioIsExportedRequest* request,
                                      gpio::GpioIsExportedResponse* response) {
  Result<std::string> caller = CallerSession(context, state_.sessions);
  if (!caller.ok()) return ToGrpcStatus(context, caller.error());
  response->set_is_exported(state_.gpios.Find(caller.value(), request->gpio_id()).ok());
  return grpc::Status::OK;
}

// 4.0's answer: "/sys/class/gpio/gpiochipN" without a trailing slash (the client takes its
// digits as the base), or "" when there is no such chip. The response has no field for the
// reason, and 4.0's client reads "" as "none", so the reason is logged.
grpc::Status GpioService::get_gpio_base_path(grpc::ServerContext*,
                                             const gpio::GetGpioBasePathRequest* request,
                                             gpio::GetGpioBasePathResponse* response) {
  Result<GpioChipInfo> chip =
      ChipByLabel(state_.device.GpioChips(), request->has_target_label(), request->target_label());
  if (!chip.ok()) {
    LogInfo("gpio.get_gpio_base_path answers \"\": " + chip.error().message);
    response->set_base_path("");
    return grpc::Status::OK;
  }
  response->set_base_path("/sys/class/gpio/" + chip.value().name);
  return grpc::Status::OK;
}

grpc::Status GpioService::get_gpio_npins(grpc::ServerContext* context,
                                         const gpio::GetGpioNPinsRequest* request,
                                         gpio::GetGpioNPinsResponse* response) {
  Result<GpioChipInfo> chip =
      ChipByLabel(state_.device.GpioChips(), request->has_target_label(), request->target_label());
  if (!chip.ok()) return ToGrpcStatus(context, chip.error());
  response->set_npins(chip.value().ngpio);
  return grpc::Status::OK;
}

}  // namespace pynq_remote::service
