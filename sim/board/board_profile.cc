#include "board/board_profile.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <nlohmann/json.hpp>

namespace pynq_remote::sim {
namespace {

using nlohmann::json;

// The simulated DDR is one sparse low region; 32-bit PL addresses leave it 2 GiB at most.
constexpr uint64_t kMaxSimDdr = 2ull << 30;
// ZynqMP's physical addresses are 40 bits wide (UG1085): where a high PL window must end.
constexpr uint64_t kMaxPhysical = 1ull << 40;

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// Reads a boards.json document without exceptions: the first problem is kept and every later
// read returns an empty value, so a parser function checks ok() where it must stop. (A thrown
// exception in the ASan build of sim_tests trips a libasan stack-bounds bug in GCC 12, and
// nothing here needs unwinding.)
class Reader {
 public:
  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  void Fail(const std::string& message) {
    if (error_.empty()) error_ = message;
  }

  const json& Member(const json& object, const char* key, const std::string& where) {
    if (!ok()) return Null();
    if (!object.is_object()) return Failed(where + ": expected an object");
    auto it = object.find(key);
    if (it == object.end()) return Failed(where + ": \"" + key + "\" is missing");
    return *it;
  }

  std::string String(const json& object, const char* key, const std::string& where) {
    const json& v = Member(object, key, where);
    if (!ok()) return "";
    if (!v.is_string() || v.get<std::string>().empty()) {
      Fail(where + ": \"" + key + "\" must be a non-empty string");
      return "";
    }
    return v.get<std::string>();
  }

  // Addresses and sizes: "0x..." strings (as in the file) or plain numbers.
  uint64_t Number(const json& object, const char* key, const std::string& where) {
    const json& v = Member(object, key, where);
    if (!ok()) return 0;
    if (v.is_number_unsigned()) return v.get<uint64_t>();
    if (v.is_string()) {
      const std::string s = v.get<std::string>();
      char* end = nullptr;
      errno = 0;
      const unsigned long long n = std::strtoull(s.c_str(), &end, 0);
      if (!s.empty() && s[0] != '-' && *end == '\0' && errno == 0) return n;
    }
    Fail(where + ": \"" + key + "\" must be an address or size like \"0x1000\", not " + v.dump());
    return 0;
  }

  // A non-empty list; after a failure, an empty one (a null json iterates as empty).
  const json& List(const json& object, const char* key, const std::string& where) {
    const json& v = Member(object, key, where);
    if (!ok()) return Null();
    if (!v.is_array() || v.empty()) return Failed(where + ": \"" + key + "\" must be a list");
    return v;
  }

 private:
  static const json& Null() {
    static const json null;
    return null;
  }
  const json& Failed(const std::string& message) {
    Fail(message);
    return Null();
  }

  std::string error_;
};

// Records `message` (unless an earlier problem is already recorded) and hands back `p` for the
// caller to return.
BoardProfile Stop(Reader& r, BoardProfile& p, const std::string& message) {
  r.Fail(message);
  return p;
}

bool Overlap(uint64_t a, uint64_t a_size, uint64_t b, uint64_t b_size) {
  return a < b + b_size && b < a + a_size;
}

BoardProfile ParseOne(Reader& r, const json& entry, size_t index) {
  BoardProfile p;
  p.name = r.String(entry, "name", "boards[" + std::to_string(index) + "]");
  if (!r.ok()) return p;
  const std::string where = "board " + p.name;
  p.family_id = r.String(entry, "family", where);
  std::string want_arch;
  if (p.family_id == "zynqmp") {
    p.family = PsFamily::kZynqMP;
    want_arch = "aarch64";
  } else if (p.family_id == "zynq7000") {
    p.family = PsFamily::kZynq7000;
    want_arch = "armv7l";
  } else {
    return Stop(r, p, where + ": family \"" + p.family_id + "\" is not zynqmp or zynq7000");
  }
  p.board_part = r.String(entry, "board_part", where);
  p.part = r.String(entry, "part", where);
  p.arch = r.String(entry, "arch", where);
  if (p.arch != want_arch) {
    return Stop(
        r, p,
        where + ": arch " + p.arch + ", but a " + PsFamilyName(p.family) + " runs " + want_arch);
  }
  const json& ddr = r.Member(entry, "ddr", where);
  p.ddr_base = r.Number(ddr, "base", where + " ddr");
  p.ddr_size = r.Number(ddr, "size", where + " ddr");
  p.ddr_installed =
      ddr.contains("installed") ? r.Number(ddr, "installed", where + " ddr") : p.ddr_size;
  if (p.ddr_base != 0) return Stop(r, p, where + ": the simulated DDR starts at 0");
  if (p.ddr_size == 0 || p.ddr_size > kMaxSimDdr) {
    return Stop(r, p, where + ": ddr.size must be in (0, 2 GiB]");
  }
  if (p.ddr_installed < p.ddr_size) {
    return Stop(r, p, where + ": ddr.installed is smaller than ddr.size");
  }
  const json& cma = r.Member(entry, "cma", where);
  p.cma_base = r.Number(cma, "base", where + " cma");
  p.cma_size = r.Number(cma, "size", where + " cma");
  if (p.cma_size == 0 || p.cma_base < p.ddr_base || p.cma_size > p.ddr_size ||
      p.cma_base - p.ddr_base > p.ddr_size - p.cma_size) {
    return Stop(r, p, where + ": cma is not inside ddr");
  }
  for (const json& m : r.List(entry, "ps_master_ports", where)) {
    const std::string at = where + " ps_master_ports";
    AddressWindow w{r.String(m, "name", at), r.Number(m, "base", at), r.Number(m, "size", at)};
    if (!r.ok()) return p;
    if (w.size == 0 || w.base > (1ull << 32) || w.size > (1ull << 32) - w.base) {
      return Stop(r, p, where + ": " + w.name + " must be non-empty and inside 4 GiB");
    }
    for (const AddressWindow& other : p.pl_windows) {
      if (other.name == w.name) return Stop(r, p, where + ": " + w.name + " is listed twice");
    }
    std::vector<AddressWindow> port_windows = {w};
    // A ZynqMP HPM port's second window above 4 GiB (UG1085's system address map): named by
    // its port like the low one, so every window says which port it is.
    if (m.is_object() && m.contains("high")) {
      const std::string high_at = at + " " + w.name + " high";
      if (p.family != PsFamily::kZynqMP) {
        return Stop(r, p,
                    where + ": " + w.name +
                        " has a high window, but a Zynq-7000 has 32-bit "
                        "physical addresses");
      }
      const json& h = r.Member(m, "high", at);
      AddressWindow high{w.name, r.Number(h, "base", high_at), r.Number(h, "size", high_at)};
      if (!r.ok()) return p;
      if (high.size == 0 || high.base < (1ull << 32) || high.base >= kMaxPhysical ||
          high.size > kMaxPhysical - high.base) {
        return Stop(r, p,
                    where + ": the high window of " + w.name +
                        " must be non-empty, above 4 GiB and below 1 TiB (40-bit addresses)");
      }
      port_windows.push_back(high);
    }
    for (const AddressWindow& pw : port_windows) {
      if (Overlap(pw.base, pw.size, p.ddr_base, p.ddr_size)) {
        return Stop(r, p, where + ": " + pw.name + " overlaps the DDR");
      }
      for (const AddressWindow& other : p.pl_windows) {
        if (Overlap(pw.base, pw.size, other.base, other.size)) {
          return Stop(r, p, where + ": " + pw.name + " and " + other.name + " collide");
        }
      }
    }
    if (port_windows.size() == 2 &&
        Overlap(w.base, w.size, port_windows[1].base, port_windows[1].size)) {
      return Stop(r, p, where + ": the two windows of " + w.name + " collide");
    }
    p.pl_windows.insert(p.pl_windows.end(), port_windows.begin(), port_windows.end());
  }
  for (const json& s : r.List(entry, "ps_slave_ports", where)) {
    const std::string at = where + " ps_slave_ports";
    PsSlavePort port{r.String(s, "name", at), r.String(s, "short", at), {}};
    for (const json& bits : r.List(s, "data_bits", at + " " + port.name)) {
      if (!bits.is_number_unsigned() || (bits.get<unsigned>() != 32 && bits.get<unsigned>() != 64 &&
                                         bits.get<unsigned>() != 128)) {
        return Stop(r, p, where + ": " + port.name + " data_bits must list 32, 64 or 128");
      }
      port.data_bits.push_back(bits.get<unsigned>());
    }
    for (const PsSlavePort& other : p.slave_ports) {
      if (other.name == port.name || other.short_name == port.short_name) {
        return Stop(r, p, where + ": slave port " + port.name + " named twice");
      }
    }
    p.slave_ports.push_back(port);
  }
  for (const json& i : r.List(r.Member(entry, "irq", where), "ports", where + " irq")) {
    const json& lines = r.Member(i, "lines", where + " irq.ports");
    if (!lines.is_number_unsigned() || lines.get<unsigned>() == 0) {
      return Stop(r, p, where + ": irq port lines must be a positive number");
    }
    p.irq_ports.push_back({r.String(i, "name", where + " irq.ports"), lines.get<unsigned>()});
  }
  if (p.irq_lines() > 16) {
    return Stop(r, p, where + ": more than 16 interrupt lines (the shell has irq[15:0])");
  }
  const json& gpio = r.Member(entry, "ps_gpio", where);
  p.ps_gpio.label = r.String(gpio, "label", where + " ps_gpio");
  p.ps_gpio.base = static_cast<int>(r.Number(gpio, "base", where + " ps_gpio"));
  p.ps_gpio.mio_pins = static_cast<int>(r.Number(gpio, "mio_pins", where + " ps_gpio"));
  p.ps_gpio.emio_pins = static_cast<int>(r.Number(gpio, "emio_pins", where + " ps_gpio"));
  if (!r.ok()) return p;
  // The controller model (sim/ps/ps_gpio.h) has the family's banks: the profile must agree.
  const bool mp = p.family == PsFamily::kZynqMP;
  if (p.ps_gpio.mio_pins != (mp ? 78 : 54) || p.ps_gpio.emio_pins != (mp ? 96 : 64) ||
      p.ps_gpio.base < 0 || p.ps_gpio.base > 4096 || p.ps_gpio.label.empty()) {
    return Stop(r, p,
                where + ": ps_gpio must have a label, a base in 0..4096 and the " +
                    PsFamilyName(p.family) + "'s pins (mio_pins " + (mp ? "78" : "54") +
                    ", emio_pins " + (mp ? "96" : "64") + ")");
  }
  return p;
}

// vendor:board:component of a VLNV, without its version.
std::string VlnvStem(const std::string& vlnv) {
  const std::string lower = Lower(vlnv);
  if (std::count(lower.begin(), lower.end(), ':') != 3) return lower;
  return lower.substr(0, lower.rfind(':'));
}

struct Embedded {
  std::vector<BoardProfile> profiles;
  std::string error;
};

const Embedded& GetEmbedded() {
  static const Embedded embedded = [] {
    Embedded e;
    Result<std::vector<BoardProfile>> parsed = ParseBoardProfiles(EmbeddedBoardsJson());
    if (parsed.ok()) {
      e.profiles = std::move(parsed.value());
    } else {
      e.error = "the board profiles built into this server (sim/board/boards.json) are broken: " +
                parsed.error().message;
    }
    return e;
  }();
  return embedded;
}

}  // namespace

bool PsSlavePort::Takes(unsigned bits) const {
  return std::find(data_bits.begin(), data_bits.end(), bits) != data_bits.end();
}

unsigned BoardProfile::irq_lines() const {
  unsigned n = 0;
  for (const IrqPort& p : irq_ports) n += p.lines;
  return n;
}

const PsSlavePort* BoardProfile::FindSlavePort(const std::string& port) const {
  for (const PsSlavePort& p : slave_ports) {
    if (p.name == port || p.short_name == port) return &p;
  }
  return nullptr;
}

const AddressWindow* BoardProfile::FindPlWindow(uint64_t addr, uint64_t len) const {
  for (const AddressWindow& w : pl_windows) {
    if (w.Contains(addr, len)) return &w;
  }
  return nullptr;
}

Result<std::vector<BoardProfile>> ParseBoardProfiles(const std::string& json_text) {
  const json doc = json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "boards.json is not valid JSON (rtl/tools/boards.py FILE says where)");
  }
  Reader r;
  std::vector<BoardProfile> profiles;
  const json& boards = r.List(doc, "boards", "boards.json");
  for (size_t i = 0; r.ok() && i < boards.size(); ++i)
    profiles.push_back(ParseOne(r, boards[i], i));
  for (size_t i = 0; r.ok() && i < profiles.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (Lower(profiles[i].name) == Lower(profiles[j].name) ||
          Lower(profiles[i].board_part) == Lower(profiles[j].board_part)) {
        r.Fail("boards " + profiles[j].name + " and " + profiles[i].name +
               " share a name or board part");
      }
    }
  }
  if (!r.ok()) return MakeError(ErrorCode::kInvalidArgument, r.error());
  return profiles;
}

const std::vector<BoardProfile>& BoardProfiles() { return GetEmbedded().profiles; }

const std::string& BoardProfilesError() { return GetEmbedded().error; }

const BoardProfile* FindBoardProfile(const std::string& name) {
  const std::string lower = Lower(name);
  for (const BoardProfile& p : BoardProfiles()) {
    if (Lower(p.name) == lower || Lower(p.board_part) == lower) return &p;
  }
  if (name.find(':') == std::string::npos) return nullptr;
  const std::string stem = VlnvStem(name);
  for (const BoardProfile& p : BoardProfiles()) {
    if (VlnvStem(p.board_part) == stem) return &p;
  }
  return nullptr;
}

std::vector<std::string> BoardProfileNames() {
  std::vector<std::string> names;
  for (const BoardProfile& p : BoardProfiles()) names.push_back(p.name);
  return names;
}

std::string UnknownBoardMessage(const std::string& name) {
  if (!BoardProfilesError().empty()) return BoardProfilesError();
  std::string known;
  for (const std::string& n : BoardProfileNames()) known += (known.empty() ? "" : ", ") + n;
  return "no board profile '" + name + "'; known boards: " + known;
}

}  // namespace pynq_remote::sim
