#include "service/services.h"

#include <utility>

namespace pynq_remote::service {

Services::Services(Device& device, RootFs root, ServiceOptions options)
    : state_(device, std::move(root), std::move(options)) {}

Result<std::unique_ptr<Services>> Services::Create(Device& device, const std::string& root_dir,
                                                   bool populate_sim_root, ServiceOptions options) {
  Result<RootFs> root = RootFs::Open(root_dir);
  if (!root.ok()) return root.error();
  if (populate_sim_root) {
    Status populated = PopulateSimRoot(root.value(), device.Info(), device.GpioChips());
    if (!populated.ok()) return populated.error();
  }
  std::unique_ptr<Services> services(
      new Services(device, std::move(root).value(), std::move(options)));
  services->state_.fpga.SetSysfsIsKernels(!populate_sim_root);
  if (populate_sim_root) {
    Status state = services->state_.fpga.RefreshState();
    if (!state.ok()) return state.error();
  }
  if (!services->state_.options.state_dir.empty()) {
    Status restored = RestoreState(services->state_);
    if (!restored.ok()) return restored.error();
    services->reaper_.Poke();  // restored sessions expire unless their clients return
  }
  return services;
}

std::vector<std::string> Services::ServiceNames() {
  // In the order RegisterWith registers them; keep the two together.
  return {remote_device::RemoteDevice::service_full_name(),
          mmio::Mmio::service_full_name(),
          buffer::RemoteBuffer::service_full_name(),
          v1::Board::service_full_name(),
          interrupt::RemoteInterrupt::service_full_name(),
          gpio::Gpio::service_full_name(),
          v1::Session::service_full_name(),
          v1::Inventory::service_full_name()};
}

void Services::BeginShutdown() {
  state_.stopping = true;
  // Sessions end with the process, not by expiring: their handles stay in the journal for
  // a restart (--state-dir), so the reaper frees nothing from here on.
  reaper_.Stop();
  interrupt_hub_.Shutdown();
  state_.device.Shutdown();
  state_.idle_streams.EndAll();
}

void Services::RegisterWith(grpc::ServerBuilder& builder) {
  int limit = static_cast<int>(state_.options.max_message_bytes);
  builder.SetMaxReceiveMessageSize(limit);
  builder.SetMaxSendMessageSize(limit);
  builder.RegisterService(&remote_device_);
  builder.RegisterService(&mmio_);
  builder.RegisterService(&buffer_);
  builder.RegisterService(&board_);
  builder.RegisterService(&interrupt_);
  builder.RegisterService(&gpio_);
  builder.RegisterService(&session_);
  builder.RegisterService(&inventory_);
  queue_.OnStart([this] {
    board_.Start(queue_);
    interrupt_.Start(queue_);
    session_.Start(queue_);
  });
  queue_.AddTo(builder);
}

}  // namespace pynq_remote::service
