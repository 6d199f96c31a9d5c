#include "zynq/uio_interrupts.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <map>
#include <sstream>
#include <utility>
#include <vector>

namespace pynq_remote::zynq {
namespace {

using Clock = std::chrono::steady_clock;

constexpr char kProcInterrupts[] = "/proc/interrupts";
constexpr char kUioClass[] = "/sys/class/uio";

// A GIC interrupt ID is the SPI number plus the 32 SGI/PPI IDs before them; device trees
// name SPIs by number.
constexpr int kFirstSpiId = 32;

std::vector<std::string> Words(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> words;
  for (std::string word; in >> word;) words.push_back(word);
  return words;
}

// The GIC lines of /proc/interrupts: hardware IRQ -> the names of the actions on it, one
// entry per line that carries it. A line reads "  48:  0  0  GICv2 121 Level  fabric": a
// Linux IRQ number, one count per CPU, the chip, the hardware IRQ, the trigger, the action
// names. Like PYNQ, the hardware IRQ is the third word from the end and the device name the
// last; unlike PYNQ, the chip must be a GIC, so a GPIO pin or IPI line with a matching
// number (zynq-gpio numbers its pins from 0) is not mistaken for a PL interrupt, and a
// single-CPU board (one count column) is read too.
std::map<int, std::vector<std::string>> ParseGicLines(const std::string& text) {
  std::map<int, std::vector<std::string>> names_by_id;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    const std::vector<std::string> cols = Words(line);
    if (cols.size() < 6 || cols[0].size() < 2 || cols[0].back() != ':') continue;
    const std::string& chip = cols[cols.size() - 4];
    const std::string& hwirq = cols[cols.size() - 3];
    if (chip.compare(0, 3, "GIC") != 0 || hwirq.empty() || hwirq.size() > 6 ||
        !std::all_of(hwirq.begin(), hwirq.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      continue;
    }
    names_by_id[std::stoi(hwirq)].push_back(cols.back());
  }
  return names_by_id;
}

std::string Quoted(const std::string& s) { return "'" + s + "'"; }

DeviceError Cancelled(int line, const char* why) {
  return MakeError(ErrorCode::kCancelled, "waiting on PL interrupt line " + std::to_string(line) +
                                              " was cancelled: " + why);
}

}  // namespace

std::unique_ptr<UioInterrupts> UioInterrupts::Discover(const BoardFiles& files, bool zynqmp) {
  // The eventfd only ends polls at destruction; without one a closing device waits out the
  // pollers' timeouts instead, so a failure here is not fatal.
  const int wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  std::unique_ptr<UioInterrupts> interrupts(new UioInterrupts(files, zynqmp, wake_fd));
  std::lock_guard<std::mutex> lock(interrupts->mu_);
  interrupts->ScanLocked();
  return interrupts;
}

UioInterrupts::UioInterrupts(const BoardFiles& files, bool zynqmp, int wake_fd)
    : files_(files), zynqmp_(zynqmp), wake_fd_(wake_fd) {}

void UioInterrupts::WakeAllLocked() {
  if (!closing_ && wake_fd_ >= 0) {
    const uint64_t one = 1;
    (void)!write(wake_fd_, &one, sizeof one);
  }
  closing_ = true;
  cv_.notify_all();
}

void UioInterrupts::Shutdown() {
  std::lock_guard<std::mutex> lock(mu_);
  WakeAllLocked();
}

UioInterrupts::~UioInterrupts() {
  {
    std::unique_lock<std::mutex> lock(mu_);
    WakeAllLocked();
    cv_.wait(lock, [this] { return active_waiters_ == 0; });
  }
  for (auto& line : lines_) {
    if (line != nullptr && line->fd >= 0) close(line->fd);
  }
  if (wake_fd_ >= 0) close(wake_fd_);
}

void UioInterrupts::ScanLocked() {
  const std::string proc_path = files_.Path(kProcInterrupts);
  Result<std::string> proc = files_.Read(kProcInterrupts, 1 << 20);
  const std::map<int, std::vector<std::string>> names_by_id =
      proc.ok() ? ParseGicLines(proc.value()) : std::map<int, std::vector<std::string>>{};
  std::map<std::string, int> interrupts_by_name;
  for (const auto& [id, names] : names_by_id) {
    for (const std::string& name : names) ++interrupts_by_name[name];
  }

  std::map<std::string, std::vector<std::string>> devices_by_name;
  uio_devices_.clear();
  for (const std::string& device : files_.List(kUioClass)) {
    Result<std::string> name = files_.ReadTrimmed(std::string(kUioClass) + "/" + device + "/name");
    if (!uio_devices_.empty()) uio_devices_ += ", ";
    uio_devices_ += device + " " + (name.ok() ? Quoted(name.value()) : "(no name)");
    if (name.ok()) devices_by_name[name.value()].push_back(device);
  }

  for (int i = 0; i < kPlIrqLines; ++i) {
    if (lines_[i] != nullptr) continue;
    const int id = PlIrqGicId(i, zynqmp_);
    std::string& note = scan_notes_[i];
    if (!proc.ok()) {
      note = proc.error().message;
      continue;
    }
    auto names = names_by_id.find(id);
    if (names == names_by_id.end()) {
      note = "no GIC line of " + proc_path + " has hardware IRQ " + std::to_string(id) +
             ", so no driver requested it";
      continue;
    }
    const std::string& name = names->second.back();
    auto devices = devices_by_name.find(name);
    if (devices == devices_by_name.end()) {
      note = proc_path + " shows GIC interrupt " + std::to_string(id) + " requested by " +
             Quoted(name) + ", and no " + files_.Path(kUioClass) +
             "/*/name is that name: a kernel driver, not UIO, owns it";
      continue;
    }
    // Two devices of one name cannot be told apart by this matching; guessing would wait
    // on another line's interrupt.
    if (devices->second.size() > 1 || interrupts_by_name[name] > 1) {
      note = "the name " + Quoted(name) + " of GIC interrupt " + std::to_string(id) +
             " is ambiguous (" + std::to_string(devices->second.size()) + " UIO devices and " +
             std::to_string(interrupts_by_name[name]) +
             " GIC interrupts carry it); give each PL interrupt's device-tree node a name of "
             "its own";
      continue;
    }
    const std::string& device = devices->second.front();
    const std::string dev_path = files_.Path("/dev/" + device);
    // O_RDWR: the irqcontrol write needs it, and opening a fake board's FIFO for reading
    // alone would block until a writer appears.
    const int fd = open(dev_path.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
      note = "GIC interrupt " + std::to_string(id) + " belongs to " + device + " (" + Quoted(name) +
             "), but " + dev_path + " cannot be opened: " + ErrnoText(errno) +
             " (the server needs read and write access to it)";
      continue;
    }
    struct stat st;
    auto line = std::make_unique<Line>();
    line->fd = fd;
    line->device = device;
    line->fifo = fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode);
    lines_[i] = std::move(line);
    note.clear();
  }
}

std::string UioInterrupts::NotServedMessage(int line) const {
  const int id = PlIrqGicId(line, zynqmp_);
  std::string message = "PL interrupt line " + std::to_string(line) + " (" +
                        PlIrqPortName(line, zynqmp_) + ", GIC interrupt " + std::to_string(id) +
                        ") has no UIO device: " + scan_notes_[line] + ". ";
  if (uio_devices_.empty()) {
    message += "There are no UIO devices (" + files_.Path(kUioClass) + " is empty or missing). ";
  } else {
    message += "UIO devices here: " + uio_devices_ + ". ";
  }
  message +=
      "To wait on this line, give it a device-tree node with compatible = "
      "\"generic-uio\" and interrupts = <0 " +
      std::to_string(id - kFirstSpiId) +
      " 4> (SPI, level high), as PYNQ images have for line 0, and boot with "
      "uio_pdrv_genirq.of_id=generic-uio on the kernel command line";
  return message;
}

bool UioInterrupts::ServesAnyLine() const {
  std::lock_guard<std::mutex> lock(mu_);
  return std::any_of(lines_.begin(), lines_.end(),
                     [](const auto& line) { return line != nullptr; });
}

std::string UioInterrupts::Describe() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::string numbers;
  std::string devices;
  for (int i = 0; i < kPlIrqLines; ++i) {
    if (lines_[i] == nullptr) continue;
    if (!numbers.empty()) {
      numbers += ",";
      devices += ",";
    }
    numbers += std::to_string(i);
    devices += lines_[i]->device;
  }
  if (numbers.empty()) return "no UIO device serves a PL interrupt";
  return (numbers.find(',') == std::string::npos ? "line " : "lines ") + numbers + " via " +
         devices;
}

Result<bool> UioInterrupts::Wait(int line_index, std::chrono::milliseconds timeout,
                                 const StopToken& stop) {
  if (line_index < 0 || line_index >= kPlIrqLines) {
    return MakeError(ErrorCode::kUnknownId,
                     "there is no PL interrupt line " + std::to_string(line_index) +
                         ": the PL has lines 0.." + std::to_string(kPlIrqLines - 1));
  }
  const Clock::time_point deadline =
      Clock::now() + std::max(timeout, std::chrono::milliseconds::zero());

  std::unique_lock<std::mutex> lock(mu_);
  if (closing_) return Cancelled(line_index, "the server is stopping");
  std::unique_ptr<Line>& slot = lines_[line_index];
  // A device that failed (its device-tree overlay removed) is looked up afresh once nobody
  // uses it: a new overlay may have brought it back under another uioN.
  if (slot != nullptr && !slot->gone.empty() && slot->waiters == 0) {
    close(slot->fd);
    slot.reset();
  }
  // Lines are looked for again on demand: loading an overlay can add UIO devices.
  if (slot == nullptr) ScanLocked();
  if (slot == nullptr) return MakeError(ErrorCode::kUnknownId, NotServedMessage(line_index));
  Line& line = *slot;

  ++active_waiters_;
  // The first waiter drops a count left from before it came: that firing is history, and
  // the irqcontrol write re-reports the interrupt if it is still asserted (level semantics).
  if (line.waiters++ == 0 && !line.fifo) line.drain_stale = true;
  const uint64_t seen = line.fired;
  Result<bool> result = false;
  for (;;) {
    if (line.fired != seen) {
      result = true;
      break;
    }
    if (closing_) {
      result = Cancelled(line_index, "the server is stopping");
      break;
    }
    if (stop.StopRequested()) {
      result = Cancelled(line_index, "the call was cancelled or ran past its deadline");
      break;
    }
    if (!line.gone.empty()) {
      result = MakeError(ErrorCode::kInternal, line.device + " (PL interrupt line " +
                                                   std::to_string(line_index) +
                                                   ") stopped answering: " + line.gone);
      break;
    }
    if (!line.polling) {
      line.polling = true;
      const bool drain = std::exchange(line.drain_stale, false);
      lock.unlock();
      bool gone = false;
      Result<bool> polled = Poll(line, drain, deadline, stop, &gone);
      lock.lock();
      line.polling = false;
      if (gone) line.gone = polled.error().message;
      if (polled.ok() && polled.value()) ++line.fired;
      // Wakes the others: to see the firing, or for one of them to take over polling.
      cv_.notify_all();
      // Poll returns false only once the deadline has passed.
      result = std::move(polled);
      break;
    }
    if (Clock::now() >= deadline) break;
    cv_.wait_until(lock, std::min(deadline, Clock::now() + kStopCheck));
  }
  --line.waiters;
  --active_waiters_;
  cv_.notify_all();  // under the lock: the destructor may be waiting to free cv_
  return result;
}

Result<bool> UioInterrupts::Poll(const Line& line, bool drain, Clock::time_point deadline,
                                 const StopToken& stop, bool* gone) const {
  const std::string dev_path = files_.Path("/dev/" + line.device);
  auto fail = [&](const char* what, int err) {
    // EIO/EINVAL/ENODEV: the UIO core answers so once its device is unregistered.
    *gone = err == EIO || err == EINVAL || err == ENODEV;
    return MakeError(ErrorCode::kInternal,
                     std::string("cannot ") + what + " " + dev_path + ": " + ErrnoText(err));
  };
  uint32_t count = 0;
  while (drain) {
    const ssize_t got = read(line.fd, &count, sizeof count);
    if (got > 0 || (got < 0 && errno == EINTR)) continue;
    if (got < 0 && errno != EAGAIN) return fail("read the event count of", errno);
    drain = false;
  }
  if (!line.fifo) {
    // uio_pdrv_genirq masks the interrupt each time it fires; writing 1 unmasks it, and an
    // interrupt still asserted then fires at once. A driver without irqcontrol (ENOSYS)
    // never masks it.
    const int32_t enable = 1;
    if (write(line.fd, &enable, sizeof enable) != static_cast<ssize_t>(sizeof enable) &&
        errno != ENOSYS) {
      return fail("enable the interrupt of", errno);
    }
  }
  for (;;) {
    if (stop.StopRequested()) {
      return MakeError(ErrorCode::kCancelled, "waiting on " + dev_path +
                                                  " was cancelled: the call was cancelled or "
                                                  "ran past its deadline");
    }
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
    const int timeout_ms =
        static_cast<int>(std::clamp<int64_t>(left.count(), 0, kStopCheck.count()));
    struct pollfd fds[2] = {{line.fd, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    const int n = poll(fds, 2, timeout_ms);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail("poll", errno);
    if (fds[1].revents != 0) {
      return MakeError(ErrorCode::kCancelled,
                       "waiting on " + dev_path + " was cancelled: the server is stopping");
    }
    if (n == 0) {
      if (Clock::now() >= deadline) return false;
      continue;
    }
    if ((fds[0].revents & POLLIN) == 0) {
      *gone = true;
      return MakeError(ErrorCode::kInternal, "cannot poll " + dev_path +
                                                 ": it reports an error (revents " +
                                                 Hex(static_cast<uint64_t>(fds[0].revents)) + ")");
    }
    const ssize_t got = read(line.fd, &count, sizeof count);
    if (got > 0) return true;
    if (got == 0) {
      *gone = true;
      return MakeError(ErrorCode::kInternal,
                       "cannot read the event count of " + dev_path + ": end of file");
    }
    // EAGAIN: another reader of the same device (a second process) took the count first.
    if (errno != EAGAIN && errno != EINTR) return fail("read the event count of", errno);
  }
}

}  // namespace pynq_remote::zynq
