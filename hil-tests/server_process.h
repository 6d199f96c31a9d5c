// The pieces the C++ hil-tests share: a pynq-remote-server child process on a free loopback
// port, and the PYNQ 3.1 client's way of programming a bitstream (the .bit -> .bin
// conversion, the firmware upload, the fpga_manager writes). Header only: each test is one
// executable, and PYNQ_REMOTE_SERVER_PATH comes from its target's compile definitions.
#ifndef PYNQ_REMOTE_HIL_TESTS_SERVER_PROCESS_H_
#define PYNQ_REMOTE_HIL_TESTS_SERVER_PROCESS_H_

#include <ftw.h>
#include <grpcpp/grpcpp.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "remote_device.grpc.pb.h"

namespace pynq_remote::hil {

inline constexpr size_t kClientChunk = 2 * 1024 * 1024;  // the 3.1 client's chunk size
inline constexpr char kFpgaManager[] = "/sys/class/fpga_manager/fpga0/";

/// `s` without trailing whitespace and NULs (sysfs and device-tree files end in them).
inline std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\0' || isspace(static_cast<unsigned char>(s.back())))) {
    s.pop_back();
  }
  return s;
}

/// The whole file at `path` on this machine; empty when it cannot be read.
inline std::string ReadHostFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

/// The .bit -> .bin conversion of the PYNQ client: strip the header, swap every 32-bit word.
/// Empty when `bit` is not a well-formed .bit file.
inline std::string BitToBin(const std::string& bit) {
  auto u16 = [&](size_t p) {
    return (static_cast<uint8_t>(bit.at(p)) << 8) | static_cast<uint8_t>(bit.at(p + 1));
  };
  try {
    size_t at = 2 + u16(0);  // a length-prefixed field
    at += 2;                 // then 2 more bytes
    while (at < bit.size()) {
      char tag = bit.at(at);
      if (tag == 'e') {
        uint32_t len = 0;
        for (int i = 1; i <= 4; ++i) len = (len << 8) | static_cast<uint8_t>(bit.at(at + i));
        std::string data = bit.substr(at + 5, len);
        if (data.size() != len || len % 4 != 0) return "";
        for (size_t w = 0; w < data.size(); w += 4) {
          std::swap(data[w], data[w + 3]);
          std::swap(data[w + 1], data[w + 2]);
        }
        return data;
      }
      if (tag < 'a' || tag > 'd') return "";
      at += 3 + u16(at + 1);
    }
  } catch (const std::out_of_range&) {
    // A truncated header: not a .bit file.
  }
  return "";
}

/// remote_device.writefile, chunked as the 3.1 client sends it.
inline grpc::Status WriteRemoteFile(remote_device::RemoteDevice::Stub& device,
                                    const std::string& path, const std::string& content) {
  grpc::ClientContext ctx;
  remote_device::WriteFileResponse resp;
  auto writer = device.writefile(&ctx, &resp);
  for (size_t at = 0; at < content.size(); at += kClientChunk) {
    remote_device::WriteFileRequest req;
    req.set_file_path(path);
    req.set_data(content.substr(at, kClientChunk));
    if (!writer->Write(req)) break;
  }
  writer->WritesDone();
  return writer->Finish();
}

/// Programs `bin` (a .bin, see BitToBin) the way the 3.1 client's download() does:
/// bitstream attributes, the firmware upload to /lib/firmware/`bin_name`, the fpga_manager's
/// flags, then its firmware file. The first call that fails is the answer.
inline grpc::Status ProgramThroughFpgaManager(remote_device::RemoteDevice::Stub& device,
                                              const std::string& bin_name, const std::string& bin) {
  {
    grpc::ClientContext ctx;
    remote_device::SetBitstreamAttrsRequest req;
    req.set_binfile_name(bin_name);
    req.set_partial(false);
    remote_device::SetBitstreamAttrsResponse resp;
    grpc::Status status = device.set_bitstream_attrs(&ctx, req, &resp);
    if (!status.ok()) return status;
    if (!resp.status()) return grpc::Status(grpc::StatusCode::UNKNOWN, "set_bitstream_attrs");
  }
  grpc::Status status = WriteRemoteFile(device, "/lib/firmware/" + bin_name, bin);
  if (!status.ok()) return status;
  status = WriteRemoteFile(device, std::string(kFpgaManager) + "flags", "0");
  if (!status.ok()) return status;
  return WriteRemoteFile(device, std::string(kFpgaManager) + "firmware", bin_name);
}

/// The backend of the servers the hil-tests start: PYNQ_REMOTE_BACKEND, "sim" by default;
/// "zynq" runs the hardware backend on a fake board tree made in the fresh root.
inline std::string BackendUnderTest() {
  const char* backend = std::getenv("PYNQ_REMOTE_BACKEND");
  return backend && *backend ? backend : "sim";
}

/// `pynq-remote-server --backend B --listen 127.0.0.1:0 --root <fresh tmp dir>` as a child
/// process (B from BackendUnderTest()). Its stdout is drained (it must never block on a full pipe);
/// its stderr is this process's, so the server's warnings and any sanitizer report land in the
/// test's log.
class ServerProcess {
 public:
  ServerProcess() = default;
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;
  ~ServerProcess() {
    if (pid_ > 0) Stop();
    RemoveRoot();
  }

  /// Starts the server with `extra_args` after the defaults and waits (at most 120 s: a
  /// sanitized build starts slowly) for its "listening on" line. False, with the reason on
  /// stderr, when it never says so.
  bool Start(const std::vector<std::string>& extra_args = {}) {
    std::string pattern = "/tmp/pynq-remote-hil.XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) return false;
    root_ = pattern;
    const std::string backend = BackendUnderTest();
    if (backend == "zynq") {
      const std::string make = std::string("/usr/bin/python3 ") + PYNQ_REMOTE_FAKE_BOARD_SCRIPT +
                               " " + root_ + " > /dev/null";
      if (std::system(make.c_str()) != 0) {
        std::fprintf(stderr, "hil: cannot make a fake board tree: %s\n", make.c_str());
        return false;
      }
    }
    std::vector<std::string> args = {
        PYNQ_REMOTE_SERVER_PATH, "--backend", backend, "--listen", "127.0.0.1:0", "--root", root_,
        "--log-level",           "warn"};
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    int out[2];
    if (pipe(out) != 0) return false;
    pid_ = fork();
    if (pid_ == 0) {
      dup2(out[1], STDOUT_FILENO);
      close(out[0]);
      close(out[1]);
      execv(argv[0], argv.data());
      std::perror("execv pynq-remote-server");
      _exit(127);
    }
    close(out[1]);
    if (pid_ < 0) {
      close(out[0]);
      return false;
    }
    const std::string marker = "pynq-remote-server listening on ";
    std::string text;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd fd{out[0], POLLIN, 0};
      if (poll(&fd, 1, 200) <= 0) continue;
      char buf[512];
      ssize_t n = read(out[0], buf, sizeof buf);
      if (n <= 0) break;  // the server exited
      text.append(buf, static_cast<size_t>(n));
      size_t at = text.find(marker);
      size_t eol = at == std::string::npos ? at : text.find('\n', at);
      if (eol != std::string::npos) {
        address_ = text.substr(at + marker.size(), eol - at - marker.size());
        break;
      }
    }
    drain_ = std::thread([fd = out[0]] {
      char buf[512];
      while (read(fd, buf, sizeof buf) > 0) {
      }
      close(fd);
    });
    if (address_.empty()) std::fprintf(stderr, "hil: the server never said it listens\n");
    return !address_.empty();
  }

  /// SIGTERM, then waits up to `limit` for the exit (SIGKILL after). Returns the exit code,
  /// 128 + the signal when a signal ended it, -1 when it had to be killed or was not running.
  int Stop(std::chrono::seconds limit = std::chrono::seconds(15)) {
    if (pid_ <= 0) return -1;
    kill(pid_, SIGTERM);
    int result = -1;
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        result = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (result == -1) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    pid_ = -1;
    if (drain_.joinable()) drain_.join();  // EOF once the server has gone
    return result;
  }

  pid_t pid() const { return pid_; }
  const std::string& address() const { return address_; }
  const std::string& root() const { return root_; }

 private:
  void RemoveRoot() {
    if (root_.empty()) return;
    nftw(
        root_.c_str(),
        [](const char* p, const struct stat*, int, struct FTW*) { return std::remove(p); }, 16,
        FTW_DEPTH | FTW_PHYS);
    root_.clear();
  }

  pid_t pid_ = -1;
  std::string address_;
  std::string root_;
  std::thread drain_;
};

}  // namespace pynq_remote::hil

#endif  // PYNQ_REMOTE_HIL_TESTS_SERVER_PROCESS_H_
