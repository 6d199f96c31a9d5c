#include "state/state_journal.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <sstream>
#include <vector>

#include "state/log.h"
#include "state/root_fs.h"

namespace pynq_remote {
namespace {

// Client-chosen text (dtype, firmware names) goes in hex: no separator or newline in it
// can break a record.
std::string ToHex(const std::string& text) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : text) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out.empty() ? "-" : out;
}

bool FromHex(const std::string& hex, std::string* text) {
  text->clear();
  if (hex == "-") return true;
  if (hex.size() % 2 != 0) return false;
  for (size_t i = 0; i < hex.size(); i += 2) {
    int value = 0;
    for (int k = 0; k < 2; ++k) {
      char c = hex[i + k];
      int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
      if (d < 0) return false;
      value = value * 16 + d;
    }
    *text += static_cast<char>(value);
  }
  return true;
}

std::string Owner(const std::string& owner) { return owner.empty() ? "-" : owner; }
std::string FromOwner(const std::string& field) { return field == "-" ? "" : field; }

bool ParseU64(const std::string& text, uint64_t* value) {
  if (text.empty() || text.size() > 20 ||
      text.find_first_not_of("0123456789") != std::string::npos) {
    return false;
  }
  errno = 0;
  *value = std::strtoull(text.c_str(), nullptr, 10);
  return errno == 0;
}

std::string BufferLine(const std::string& id, const BufferEntry& e) {
  return "B " + id + " " + Owner(e.owner) + " " + std::to_string(e.allocation.phys) + " " +
         std::to_string(e.size) + " " + (e.cacheable ? "1" : "0") + " " + ToHex(e.dtype) + "\n";
}

std::string MmioLine(const std::string& id, const MmioRegion& r) {
  return "M " + id + " " + Owner(r.owner) + " " + std::to_string(r.base) + " " +
         std::to_string(r.length) + "\n";
}

// One record; false when it is malformed (counted, ignored).
bool ApplyLine(const std::string& line, JournalState* state) {
  std::istringstream in(line);
  std::vector<std::string> f;
  for (std::string word; in >> word;) f.push_back(word);
  if (f.empty()) return false;
  if (f[0] == "B" && f.size() == 7) {
    BufferEntry e;
    if (!ParseU64(f[3], &e.allocation.phys) || !ParseU64(f[4], &e.size) || e.size == 0 ||
        (f[5] != "0" && f[5] != "1") || !FromHex(f[6], &e.dtype)) {
      return false;
    }
    e.allocation.size = e.size;
    e.cacheable = f[5] == "1";
    e.owner = FromOwner(f[2]);
    state->buffers[f[1]] = e;
    return true;
  }
  if (f[0] == "M" && f.size() == 5) {
    MmioRegion r;
    if (!ParseU64(f[3], &r.base) || !ParseU64(f[4], &r.length)) return false;
    r.owner = FromOwner(f[2]);
    state->mmios[f[1]] = r;
    return true;
  }
  if (f[0] == "F" && f.size() == 2) return state->buffers.erase(f[1]) == 1;
  if (f[0] == "U" && f.size() == 2) return state->mmios.erase(f[1]) == 1;
  if (f[0] == "L" && f.size() == 2) return FromHex(f[1], &state->firmware);
  return false;
}

}  // namespace

JournalState StateJournal::Replay(const std::string& text) {
  JournalState state;
  size_t at = 0;
  while (at < text.size()) {
    size_t end = text.find('\n', at);
    if (end == std::string::npos) {  // a torn last record: never acknowledged
      ++state.torn_lines;
      break;
    }
    if (!ApplyLine(text.substr(at, end - at), &state)) ++state.torn_lines;
    at = end + 1;
  }
  return state;
}

std::string StateJournal::Compact(const JournalState& state) {
  std::string text;
  for (const auto& [id, entry] : state.buffers) text += BufferLine(id, entry);
  for (const auto& [id, region] : state.mmios) text += MmioLine(id, region);
  if (!state.firmware.empty()) text += "L " + ToHex(state.firmware) + "\n";
  return text;
}

Result<std::unique_ptr<StateJournal>> StateJournal::Open(const std::string& dir,
                                                         JournalState* state) {
  if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "--state-dir " + dir + ": cannot create it: " + std::strerror(errno));
  }
  const std::string path = dir + "/journal";
  std::string text;
  if (int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC); fd >= 0) {
    char chunk[65536];
    ssize_t n;
    while ((n = read(fd, chunk, sizeof chunk)) > 0) text.append(chunk, static_cast<size_t>(n));
    close(fd);
  } else if (errno != ENOENT) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "cannot read " + path + ": " + std::strerror(errno));
  }
  *state = Replay(text);

  // Compact: the live state alone, written aside and renamed over the log.
  const std::string compact = Compact(*state);
  const std::string temp = path + ".new";
  int fd = open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "cannot write " + temp + ": " + std::strerror(errno));
  }
  Status written = WriteFully(fd, compact.data(), compact.size(), temp);
  if (!written.ok() || fsync(fd) != 0 || close(fd) != 0 ||
      rename(temp.c_str(), path.c_str()) != 0) {
    return MakeError(ErrorCode::kInvalidArgument, "cannot compact " + path);
  }
  fd = open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd < 0) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "cannot append to " + path + ": " + std::strerror(errno));
  }
  return std::unique_ptr<StateJournal>(new StateJournal(fd, path));
}

StateJournal::~StateJournal() { close(fd_); }

void StateJournal::Append(const std::string& line) {
  std::lock_guard<std::mutex> lock(mu_);
  // One write per record: a kill mid-record leaves one torn line, which replay drops.
  ssize_t n = write(fd_, line.data(), line.size());
  if (n != static_cast<ssize_t>(line.size()) && !failed_) {
    failed_ = true;
    LogError("cannot append to " + path_ + " (" + std::strerror(errno) +
             "): buffers made from now on will not survive a restart");
  }
}

void StateJournal::BufferAdded(const std::string& id, const BufferEntry& entry) {
  Append(BufferLine(id, entry));
}
void StateJournal::BufferFreed(const std::string& id) { Append("F " + id + "\n"); }
void StateJournal::MmioAdded(const std::string& id, const MmioRegion& region) {
  Append(MmioLine(id, region));
}
void StateJournal::MmioRemoved(const std::string& id) { Append("U " + id + "\n"); }
void StateJournal::Loaded(const std::string& firmware) { Append("L " + ToHex(firmware) + "\n"); }

}  // namespace pynq_remote
