#include "service/remote_device_service.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "service/caller.h"
#include "service/error_mapping.h"
#include "state/log.h"

namespace pynq_remote::service {
namespace {

// The 3.1 target answers this pseudo-path with the device name.
constexpr char kXrtDevicePath[] = "xrt_device";

grpc::Status InvalidArgument(grpc::ServerContext* context, const std::string& text) {
  return ToGrpcStatus(context, MakeError(ErrorCode::kInvalidArgument, text));
}

// Streams the file at fd in chunks. Errors: as ReadSome; CANCELLED (client gone or idle).
grpc::Status StreamFile(grpc::ServerContext* context, int fd, const std::string& path,
                        grpc::ServerWriter<remote_device::ReadFileResponse>* writer,
                        StreamGuard& guard) {
  remote_device::ReadFileResponse response;
  std::string* data = response.mutable_data();
  for (;;) {
    data->resize(kChunkBytes);
    Result<size_t> n = ReadSome(fd, data->data(), data->size(), "\"" + path + "\"");
    if (!n.ok()) return ToGrpcStatus(context, n.error());
    if (n.value() == 0) return grpc::Status::OK;
    data->resize(n.value());
    if (!guard.Write(writer, response)) {
      return ToGrpcStatus(context,
                          MakeError(ErrorCode::kCancelled, "readfile: the client went away"));
    }
  }
}

// Writes the stream (starting with *first) to fd, the file at `path`. `keep`, when set, also
// receives the bytes. Errors: INVALID_ARGUMENT when a chunk names another path; CANCELLED
// when the stream did not finish (the file then holds what arrived).
grpc::Status CopyStreamToFile(grpc::ServerContext* context, int fd, const std::string& path,
                              uint64_t max_bytes, remote_device::WriteFileRequest* first,
                              grpc::ServerReader<remote_device::WriteFileRequest>* reader,
                              StreamGuard& guard, std::string* keep) {
  uint64_t total = 0;
  remote_device::WriteFileRequest* request = first;
  do {
    if (request->file_path() != path) {
      return InvalidArgument(context, "writefile: one stream names two paths, \"" + path +
                                          "\" and \"" + request->file_path() + "\"");
    }
    total += request->data().size();
    // A client must not be able to fill the board's disk: the file is cut off and the
    // write refused past the limit.
    if (max_bytes != 0 && total > max_bytes) {
      (void)ftruncate(fd, 0);
      return ToGrpcStatus(
          context, MakeError(ErrorCode::kLimitExceeded,
                             "writefile \"" + path + "\": more than " + FormatBytes(max_bytes) +
                                 ", the server's file size limit (--max-file-mb)"));
    }
    Status status =
        WriteFully(fd, request->data().data(), request->data().size(), "\"" + path + "\"");
    if (!status.ok()) return ToGrpcStatus(context, status.error());
    if (keep) *keep += request->data();
  } while (guard.Read(reader, request));
  if (!StreamFinished(context, guard)) {
    return ToGrpcStatus(
        context,
        MakeError(ErrorCode::kCancelled, "writefile \"" + path + "\": the stream did not finish"));
  }
  return grpc::Status::OK;
}

}  // namespace

grpc::Status RemoteDeviceService::set_bitstream_attrs(
    grpc::ServerContext* context, const remote_device::SetBitstreamAttrsRequest* request,
    remote_device::SetBitstreamAttrsResponse* response) {
  Status status = state_.fpga.SetAttrs(request->binfile_name(), request->partial());
  if (!status.ok()) return ToGrpcStatus(context, status.error());
  response->set_status(true);
  return grpc::Status::OK;
}

grpc::Status RemoteDeviceService::download(
    grpc::ServerContext* context, grpc::ServerReader<remote_device::DownloadRequest>* reader,
    remote_device::DownloadResponse* response) {
  Result<std::unique_ptr<StreamGuard>> guard = StartStream(state_, context, "download");
  if (!guard.ok()) return ToGrpcStatus(context, guard.error());
  remote_device::DownloadRequest request;
  std::string bitstream;
  size_t messages = 0;
  for (;;) {
    // The next message can bring in what the bitstream may still grow by; the budget must
    // hold that before gRPC takes it in.
    Status room = guard.value()->ReserveAhead(state_.options.max_message_bytes - bitstream.size(),
                                              "download");
    if (!room.ok()) return ToGrpcStatus(context, room.error());
    if (!guard.value()->Read(reader, &request)) {
      guard.value()->ReleaseAhead();
      break;
    }
    ++messages;
    if (bitstream.size() + request.buffer().size() > state_.options.max_message_bytes) {
      return ToGrpcStatus(context, MakeError(ErrorCode::kLimitExceeded,
                                             "download: a bitstream of more than " +
                                                 FormatBytes(state_.options.max_message_bytes) +
                                                 ", the server's limit (--max-message-mb)"));
    }
    // The bitstream is held in memory until it is programmed: the caller pays for it.
    const uint64_t size = request.buffer().size();
    Status charged = guard.value()->Charge(
        size, "downloading a bitstream of " + FormatBytes(bitstream.size() + size));
    if (!charged.ok()) return ToGrpcStatus(context, charged.error());
    if (bitstream.empty()) {
      bitstream.swap(*request.mutable_buffer());  // one message (the usual case): no copy
    } else {
      bitstream += request.buffer();
    }
  }
  if (!StreamFinished(context, *guard.value())) {
    return ToGrpcStatus(context,
                        MakeError(ErrorCode::kCancelled,
                                  "download: the stream did not finish; nothing was programmed"));
  }
  if (messages == 0 || bitstream.empty()) {
    return InvalidArgument(context, "download: the stream carried no bitstream bytes");
  }
  Status status = state_.fpga.Download(bitstream);
  if (!status.ok()) return ToGrpcStatus(context, status.error());
  response->set_status(true);
  return grpc::Status::OK;
}

grpc::Status RemoteDeviceService::set_pl_clk(grpc::ServerContext* context,
                                             const remote_device::SetPlClkRequest* request,
                                             remote_device::SetPlClkResponse* response) {
  if (request->i() < 0 || request->i() > 3) {
    return InvalidArgument(
        context, "set_pl_clk: clock index " + std::to_string(request->i()) + " is not 0..3");
  }
  if (request->clk_mhz() <= 0) {
    return InvalidArgument(context,
                           "set_pl_clk: clk_mhz must be a positive frequency in MHz, got " +
                               std::to_string(request->clk_mhz()));
  }
  Status status = state_.device.SetPlClock(request->i(), request->clk_mhz());
  if (!status.ok()) return ToGrpcStatus(context, status.error());
  response->set_status(true);
  return grpc::Status::OK;
}

grpc::Status RemoteDeviceService::shutdown(grpc::ServerContext* context,
                                           const remote_device::ShutdownRequest*,
                                           remote_device::ShutdownResponse*) {
  return ToGrpcStatus(
      context, MakeError(ErrorCode::kUnsupported,
                         "shutdown: not supported; PYNQ isolates the PL through its AXI shutdown "
                         "managers with MMIO writes, and the server is stopped with SIGTERM"));
}

grpc::Status RemoteDeviceService::readfile(
    grpc::ServerContext* context, const remote_device::ReadFileRequest* request,
    grpc::ServerWriter<remote_device::ReadFileResponse>* writer) {
  Result<std::unique_ptr<StreamGuard>> guard = StartStream(state_, context, "readfile");
  if (!guard.ok()) return ToGrpcStatus(context, guard.error());
  if (request->file_path() == kXrtDevicePath) {
    remote_device::ReadFileResponse response;
    response.set_data(state_.options.device_name);
    guard.value()->Write(writer, response);
    return grpc::Status::OK;
  }
  Result<UniqueFd> fd = state_.root.OpenRead(request->file_path());
  if (!fd.ok()) return ToGrpcStatus(context, fd.error());
  return StreamFile(context, fd.value().get(), request->file_path(), writer, *guard.value());
}

grpc::Status RemoteDeviceService::writefile(
    grpc::ServerContext* context, grpc::ServerReader<remote_device::WriteFileRequest>* reader,
    remote_device::WriteFileResponse*) {
  Result<std::unique_ptr<StreamGuard>> guard = StartStream(state_, context, "writefile");
  if (!guard.ok()) return ToGrpcStatus(context, guard.error());
  remote_device::WriteFileRequest request;
  if (!guard.value()->Read(reader, &request)) {
    return InvalidArgument(context, "writefile: the stream carried no message, so no file path");
  }
  const std::string path = request.file_path();
  // Opened without truncating, then checked by identity: what is written is the file that
  // was checked, whatever is renamed meanwhile.
  Result<UniqueFd> fd = state_.root.OpenWrite(path, /*truncate=*/false);
  if (!fd.ok()) return ToGrpcStatus(context, fd.error());
  Result<FileId> opened = FileIdOf(fd.value().get());
  if (!opened.ok()) return ToGrpcStatus(context, opened.error());
  if (state_.fpga.IsReadOnly(opened.value())) {
    return ToGrpcStatus(context,
                        MakeError(ErrorCode::kPermissionDenied, "\"" + path + "\" is read-only"));
  }
  if (ftruncate(fd.value().get(), 0) != 0) {
    return ToGrpcStatus(
        context, MakeError(ErrorCode::kInternal,
                           "writefile \"" + path + "\": cannot truncate: " + std::strerror(errno)));
  }
  const bool trigger = state_.fpga.IsFirmwareTrigger(opened.value());
  std::string written;  // kept only for the firmware trigger (a file name)
  grpc::Status copied =
      CopyStreamToFile(context, fd.value().get(), path, state_.options.limits.max_file_bytes,
                       &request, reader, *guard.value(), trigger ? &written : nullptr);
  if (!copied.ok() || !trigger) return copied;
  Status programmed = state_.fpga.ProgramFirmware(written);
  if (!programmed.ok()) return ToGrpcStatus(context, programmed.error());
  return grpc::Status::OK;
}

grpc::Status RemoteDeviceService::existsfile(grpc::ServerContext* context,
                                             const remote_device::ExistsFileRequest* request,
                                             remote_device::ExistsFileResponse* response) {
  Result<bool> exists = state_.root.Exists(request->file_path());
  if (!exists.ok()) return ToGrpcStatus(context, exists.error());
  response->set_exists(exists.value());
  return grpc::Status::OK;
}

}  // namespace pynq_remote::service
