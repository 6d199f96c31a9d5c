#include "service/board_trace.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "service/board_service.h"
#include "service/caller.h"
#include "service/error_mapping.h"
#include "state/log.h"

namespace pynq_remote::service {

Result<std::string> TraceKeeper::HostPath(const std::string& target) const {
  Status made = state_.root.MakeDirectories(kTraceDir);
  if (!made.ok()) {
    return MakeError(ErrorCode::kInternal,
                     std::string("cannot make ") + kTraceDir +
                         " in the target root for the trace: " + made.error().message);
  }
  // The Device opens the file by its host path, so that path must reach the very directory
  // the sandboxed lookup found.
  Result<FileId> in_root = state_.root.Identify(kTraceDir);
  const std::string host_dir = state_.root.dir() + kTraceDir;
  struct stat st {};
  if (!in_root.ok() || ::stat(host_dir.c_str(), &st) != 0 ||
      !(in_root.value() == FileId{st.st_dev, st.st_ino})) {
    return MakeError(
        ErrorCode::kPermissionDenied,
        std::string(kTraceDir) + " in the target root leads outside it; no trace is written there");
  }
  return state_.root.dir() + target;
}

Result<TraceReport> TraceKeeper::Start(const std::string& caller,
                                       const std::vector<std::string>& scopes,
                                       uint64_t max_cycles) {
  if (max_cycles > kMaxTraceCycles) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "max_cycles " + std::to_string(max_cycles) + " is more than the " +
                         std::to_string(kMaxTraceCycles) + " PL cycles a trace may cover");
  }
  for (const std::string& scope : scopes) {
    if (scope.empty() || scope.find_first_of(" \t\r\n", 0) != std::string::npos) {
      return MakeError(
          ErrorCode::kInvalidArgument,
          "scope '" + scope + "' is no hierarchical name (e.g. axi_dma_0 or pl.axi_dma_0.mm2s)");
    }
  }
  // Nothing is made in the root of a board that cannot trace (a real board's root is "/").
  const std::vector<std::string> caps = state_.device.Info().capabilities;
  if (std::find(caps.begin(), caps.end(), "waveforms") == caps.end()) {
    return MakeError(ErrorCode::kUnsupported, kNoWaveforms);
  }
  std::lock_guard<std::mutex> lock(mu_);
  const std::string target =
      std::string(kTraceDir) + "/trace-" + std::to_string(next_ % kKeptTraces) + ".fst";
  Result<std::string> host = HostPath(target);
  if (!host.ok()) return host.error();
  // A new file, not the old one rewritten: a client still fetching it keeps what it reads.
  if (!running_) ::unlink(host.value().c_str());
  TraceOptions options{host.value(), scopes, max_cycles == 0 ? kDefaultTraceCycles : max_cycles};
  Result<TraceReport> report = state_.device.StartTrace(options);
  if (!report.ok()) return report.error();
  running_ = true;
  owner_ = caller;
  target_ = target;
  last_ended_.clear();
  ++next_;
  LogInfo("trace of " + report.value().design + " started at PL cycle " +
          std::to_string(report.value().start_cycle) + " to " + target);
  TraceReport answer = report.value();
  answer.path = target;
  return answer;
}

Result<TraceReport> TraceKeeper::Stop(uint64_t* size) {
  std::lock_guard<std::mutex> lock(mu_);
  Result<TraceReport> report = state_.device.StopTrace();
  if (!report.ok()) {
    DeviceError error = report.error();
    if (!last_ended_.empty()) error.message += " (the last one " + last_ended_ + ")";
    return error;
  }
  running_ = false;
  TraceReport answer = report.value();
  answer.path = target_;
  struct stat st {};
  *size = ::stat(report.value().path.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
  LogInfo("trace stopped: " + target_ + ", PL cycles " + std::to_string(answer.start_cycle) + ".." +
          std::to_string(answer.end_cycle) + (answer.truncated ? " (truncated)" : ""));
  return answer;
}

void TraceKeeper::ReleaseSession(const std::string& session) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!running_ || session.empty() || owner_ != session) return;
  Result<TraceReport> report = state_.device.StopTrace();
  running_ = false;
  last_ended_ = target_ + ", was stopped when the session that started it ended";
  if (report.ok()) {
    LogInfo("session " + session + " ended: its trace stopped, " + target_ + " kept");
  } else {
    LogWarn("stopping the trace of session " + session + ": " + report.error().message);
  }
}

grpc::Status BoardService::StartTrace(grpc::ServerContext* context,
                                      const v1::StartTraceRequest* request,
                                      v1::StartTraceResponse* response) {
  Result<std::string> caller = CallerSession(context, state_.sessions);
  if (!caller.ok()) return ToGrpcStatus(context, caller.error());
  std::vector<std::string> scopes(request->scopes().begin(), request->scopes().end());
  Result<TraceReport> report = trace_.Start(caller.value(), scopes, request->max_cycles());
  if (!report.ok()) return ToGrpcStatus(context, report.error());
  const TraceReport& r = report.value();
  response->set_path(r.path);
  for (const std::string& scope : r.scopes) response->add_scopes(scope);
  response->set_start_cycle(r.start_cycle);
  response->set_start_sim_time_ps(r.start_ps);
  response->set_max_cycles(request->max_cycles() == 0 ? kDefaultTraceCycles
                                                      : request->max_cycles());
  response->set_design(r.design);
  return grpc::Status::OK;
}

grpc::Status BoardService::StopTrace(grpc::ServerContext* context, const v1::StopTraceRequest*,
                                     v1::StopTraceResponse* response) {
  Result<std::string> caller = CallerSession(context, state_.sessions);
  if (!caller.ok()) return ToGrpcStatus(context, caller.error());
  uint64_t size = 0;
  Result<TraceReport> report = trace_.Stop(&size);
  if (!report.ok()) return ToGrpcStatus(context, report.error());
  const TraceReport& r = report.value();
  response->set_path(r.path);
  response->set_size_bytes(size);
  response->set_design(r.design);
  for (const std::string& scope : r.scopes) response->add_scopes(scope);
  response->set_start_cycle(r.start_cycle);
  response->set_end_cycle(r.end_cycle);
  response->set_start_sim_time_ps(r.start_ps);
  response->set_end_sim_time_ps(r.end_ps);
  response->set_truncated(r.truncated);
  response->set_ended(r.ended);
  return grpc::Status::OK;
}

}  // namespace pynq_remote::service
