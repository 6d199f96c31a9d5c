#include "pl/design_catalog.h"

#include <dirent.h>
#include <dlfcn.h>
#include <elf.h>
#include <sys/stat.h>
#include <verilated_config.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "bitstream/sim_bitstream.h"
#include "device/ps_clocks.h"
#include "pl/design_package_abi.h"
#include "pl/design_registry.h"

namespace pynq_remote::sim {
namespace {

constexpr int kPackageFormat = 1;
constexpr char kBuiltIn[] = "a design built into the server";
// The ABI of pl_design.h / amba.h this server was built with.
constexpr uint32_t kServerAbiVersion = kPlDesignAbiVersion;

bool IsDir(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool IsFile(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

/// "5.006" of "5.006 2023-01-22": what design.json records.
std::string ServerVerilatorVersion() {
  std::string v = VERILATOR_VERSION;
  return v.substr(0, v.find(' '));
}

std::string ReadFile(const std::string& path, std::string* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = std::string("cannot read ") + path + ": " + std::strerror(errno);
    return "";
  }
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

bool IsSha256Hex(const std::string& s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

/// design.json's optional "vivado_bitstreams" into `p`; "" or what is wrong with it.
std::string ReadVivadoBitstreams(const nlohmann::json& j, PackageDescriptor* p) {
  if (!j.contains("vivado_bitstreams")) return "";
  const nlohmann::json& list = j["vivado_bitstreams"];
  if (!list.is_array()) {
    return "design.json: \"vivado_bitstreams\" is not a list of {\"sha256\", \"data_sha256\"}";
  }
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string where = "design.json: vivado_bitstreams[" + std::to_string(i) + "]";
    const nlohmann::json& e = list[i];
    if (!e.is_object()) return where + " is not an object with \"sha256\" and \"data_sha256\"";
    VivadoBitstream v;
    const std::pair<const char*, std::string*> fields[] = {{"sha256", &v.sha256},
                                                           {"data_sha256", &v.data_sha256}};
    for (const auto& [key, out] : fields) {
      if (!e.contains(key) || !e[key].is_string()) {
        return where + "." + key + " is missing or not a string";
      }
      *out = e[key].get<std::string>();
      if (!IsSha256Hex(*out)) {
        return where + "." + key + " '" + out->substr(0, 80) +
               "' is not a SHA-256 (64 lower-case hex digits)";
      }
    }
    p->vivado_bitstreams.push_back(std::move(v));
  }
  return "";
}

/// design.json into `p`; "" or what is wrong with it.
std::string ReadDescriptor(const std::string& dir, PackageDescriptor* p) {
  std::string error;
  const std::string path = dir + "/design.json";
  const std::string text = ReadFile(path, &error);
  if (!error.empty()) return error;
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return "design.json is not a JSON object";
  p->dir = dir;
  if (!j.contains("package_format") || !j["package_format"].is_number_integer()) {
    return "design.json has no package_format: not a design package";
  }
  p->package_format = j["package_format"].get<int>();
  if (p->package_format != kPackageFormat) {
    return "package_format " + std::to_string(p->package_format) + " (tool version " +
           j.value("tool_version", std::string("?")) + "), this server reads format " +
           std::to_string(kPackageFormat) + ": rebuild it with this version's pynq-remote-design";
  }
  struct Field {
    const char* key;
    std::string* out;
  };
  for (const Field& f :
       {Field{"name", &p->name}, Field{"board", &p->board}, Field{"family", &p->family},
        Field{"part", &p->part}, Field{"content_hash", &p->content_hash},
        Field{"verilator_version", &p->verilator_version}, Field{"library", &p->library},
        Field{"bitstream", &p->bitstream}, Field{"hwh", &p->hwh}}) {
    if (!j.contains(f.key) || !j[f.key].is_string() || j[f.key].get<std::string>().empty()) {
      return std::string("design.json: \"") + f.key + "\" is missing or not a non-empty string";
    }
    *f.out = j[f.key].get<std::string>();
  }
  p->tool_version = j.value("tool_version", std::string("?"));
  if (!j.contains("abi_version") || !j["abi_version"].is_number_integer()) {
    return "design.json: \"abi_version\" is missing or not an integer";
  }
  p->abi_version = j["abi_version"].get<long>();
  // Optional: a package from before it is one whose busy may be incomplete.
  if (j.contains("busy_complete")) {
    if (!j["busy_complete"].is_boolean())
      return "design.json: \"busy_complete\" is not true or false";
    p->busy_complete = j["busy_complete"].get<bool>();
  }
  for (const std::string* file : {&p->library, &p->bitstream, &p->hwh}) {
    if (file->find('/') != std::string::npos || *file == "." || *file == "..") {
      return "design.json names " + *file + ", not a file of the package's own folder";
    }
  }
  return ReadVivadoBitstreams(j, p);
}

/// What makes `path` no shared library of this machine that dlopen could map whole, or "".
/// dlopen maps segments by the program headers; a truncated file maps past its end and the
/// loader (or the first call) dies of SIGBUS instead of failing, so those are checked here.
std::string CheckElf(const std::string& path) {
  std::string error;
  const std::string data = ReadFile(path, &error);
  if (!error.empty()) return error;
  Elf64_Ehdr eh;
  if (data.size() < sizeof(eh)) return "not an ELF file (too short)";
  std::memcpy(&eh, data.data(), sizeof(eh));
  if (std::memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0) return "not an ELF file";
  if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_type != ET_DYN) {
    return "not a 64-bit ELF shared library";
  }
#if defined(__x86_64__)
  constexpr uint16_t kMachine = EM_X86_64;
#elif defined(__aarch64__)
  constexpr uint16_t kMachine = EM_AARCH64;
#else
  constexpr uint16_t kMachine = EM_NONE;
#endif
  if (kMachine != EM_NONE && eh.e_machine != kMachine) {
    return "an ELF library for another machine (e_machine " + std::to_string(eh.e_machine) + ")";
  }
  const uint64_t size = data.size();
  auto inside = [size](uint64_t off, uint64_t len) { return off <= size && len <= size - off; };
  if (eh.e_phentsize != sizeof(Elf64_Phdr) ||
      !inside(eh.e_phoff, uint64_t{eh.e_phnum} * sizeof(Elf64_Phdr))) {
    return "corrupt ELF file (program headers outside the file)";
  }
  for (unsigned i = 0; i < eh.e_phnum; ++i) {
    Elf64_Phdr ph;
    std::memcpy(&ph, data.data() + eh.e_phoff + i * sizeof(ph), sizeof(ph));
    if (!inside(ph.p_offset, ph.p_filesz)) {
      return "corrupt ELF file (truncated: segment " + std::to_string(i) + " ends at byte " +
             std::to_string(ph.p_offset + ph.p_filesz) + " of " + std::to_string(size) + ")";
    }
  }
  if (eh.e_shnum != 0 && !inside(eh.e_shoff, uint64_t{eh.e_shnum} * eh.e_shentsize)) {
    return "corrupt ELF file (truncated: section headers past its end)";
  }
  return "";
}

/// One C string of the entry, or "" when null.
std::string Str(const char* s) { return s ? s : ""; }

}  // namespace

std::string FamilyDisplayName(const std::string& family) {
  if (family == "zynqmp") return PsFamilyName(PsFamily::kZynqMP);
  if (family == "zynq7000") return PsFamilyName(PsFamily::kZynq7000);
  return family;
}

std::string FamilyOfPart(const std::string& part) {
  if (part.rfind("xczu", 0) == 0) return "zynqmp";
  if (part.rfind("xc7z", 0) == 0) return "zynq7000";
  return "";
}

std::vector<PackageDescriptor> ScanDesignPackages(const std::vector<std::string>& dirs,
                                                  std::vector<std::string>* refusals) {
  std::vector<PackageDescriptor> out;
  for (std::string dir : dirs) {
    while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
    if (!IsDir(dir)) {
      refusals->push_back(dir +
                          ": not a folder (--designs wants a package's folder or a folder "
                          "of packages)");
      continue;
    }
    std::vector<std::string> candidates;
    if (IsFile(dir + "/design.json")) {
      candidates.push_back(dir);
    } else {
      DIR* d = opendir(dir.c_str());
      if (d == nullptr) {
        refusals->push_back(dir + ": " + std::strerror(errno));
        continue;
      }
      while (dirent* e = readdir(d)) {
        const std::string sub = e->d_name;
        if (sub.empty() || sub[0] == '.') continue;  // also the tool's .work folder
        if (IsFile(dir + "/" + sub + "/design.json")) candidates.push_back(dir + "/" + sub);
      }
      closedir(d);
      std::sort(candidates.begin(), candidates.end());
      if (candidates.empty()) {
        refusals->push_back(dir +
                            ": holds no design package (no design.json in it or in its "
                            "subfolders)");
      }
    }
    for (const std::string& c : candidates) {
      PackageDescriptor p;
      std::string error = ReadDescriptor(c, &p);
      if (!error.empty()) {
        refusals->push_back(c + ": " + error);
      } else {
        out.push_back(std::move(p));
      }
    }
  }
  return out;
}

std::string AgreedBoard(const std::vector<PackageDescriptor>& packages) {
  std::string board;
  for (const PackageDescriptor& p : packages) {
    if (!board.empty() && p.board != board) return "";
    board = p.board;
  }
  return board;
}

DesignCatalog::DesignCatalog() {
  for (const DesignEntry& e : BuiltinDesigns()) entries_.push_back({e, kBuiltIn, ""});
}

void DesignCatalog::Load(const std::vector<PackageDescriptor>& packages, const CatalogBoard& board,
                         std::vector<std::string>* refusals) {
  for (const PackageDescriptor& p : packages) {
    std::string error = LoadOne(p, board);
    if (!error.empty()) refusals->push_back(p.dir + ": " + error);
  }
}

std::string DesignCatalog::LoadOne(const PackageDescriptor& p, const CatalogBoard& board) {
  // The descriptor first: nothing of a package this server refuses anyway gets to run.
  if (p.abi_version != static_cast<long>(kServerAbiVersion)) {
    return "built for design ABI " + std::to_string(p.abi_version) + ", this server has ABI " +
           std::to_string(kServerAbiVersion) + ": rebuild it with this version's " +
           "pynq-remote-design";
  }
  if (p.verilator_version != ServerVerilatorVersion()) {
    return "built with Verilator " + p.verilator_version + ", this server has Verilator " +
           ServerVerilatorVersion() + ": rebuild it with the same Verilator as the server";
  }
  if (p.family != board.family) {
    return "built for a " + FamilyDisplayName(p.family) + " board (" + p.board + "), this " +
           "server is a " + FamilyDisplayName(board.family) + " board (" + board.name + ")";
  }
  if (p.part != board.part) {
    return "built for part " + p.part + " (" + p.board + "), this server's board " + board.name +
           " is " + board.part;
  }
  if (const CatalogEntry* other = Find(p.name)) {
    return "design name '" + p.name + "' is already taken by " + other->origin;
  }
  // One Vivado bitstream, one design: otherwise which one a client gets would depend on the
  // order the folders were scanned in.
  for (const VivadoBitstream& v : p.vivado_bitstreams) {
    for (const std::string* hash : {&v.sha256, &v.data_sha256}) {
      if (const CatalogEntry* other = FindVivado(*hash)) {
        return "its Vivado bitstream (SHA-256 " + hash->substr(0, 16) + "...) is already " +
               "claimed by " + other->origin + " (design '" + other->design.name + "')";
      }
    }
  }
  const std::string lib_path = p.dir + "/" + p.library;
  if (!IsFile(lib_path)) return "its library " + p.library + " is missing";
  std::string elf_error = CheckElf(lib_path);
  if (!elf_error.empty()) return "cannot load its library " + p.library + ": " + elf_error;
  // Never dlclosed (see the header): the handle is dropped on purpose.
  void* handle = dlopen(lib_path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* why = dlerror();
    return std::string("cannot load its library: ") + (why ? why : "dlopen failed");
  }
  dlerror();
  void* sym = dlsym(handle, PYNQ_REMOTE_DESIGN_PACKAGE_SYMBOL);
  if (sym == nullptr) {
    return p.library + " does not export " PYNQ_REMOTE_DESIGN_PACKAGE_SYMBOL
                       "(): not a design package library (build it with pynq-remote-design)";
  }
  const PynqRemoteDesignPackage* entry = reinterpret_cast<PynqRemoteDesignPackageFn>(sym)();
  if (entry == nullptr) return PYNQ_REMOTE_DESIGN_PACKAGE_SYMBOL "() returned null";
  // abi_version and struct_size are the only fields read before they are known to be good.
  if (entry->abi_version != kServerAbiVersion) {
    return p.library + " has design ABI " + std::to_string(entry->abi_version) +
           ", this server has ABI " + std::to_string(kServerAbiVersion) +
           ": rebuild it with this version's pynq-remote-design";
  }
  if (entry->struct_size < sizeof(PynqRemoteDesignPackage)) {
    return p.library + "'s package entry is " + std::to_string(entry->struct_size) +
           " bytes, this server needs " + std::to_string(sizeof(PynqRemoteDesignPackage));
  }
  struct Check {
    const char* what;
    std::string library, descriptor;
  };
  for (const Check& c :
       {Check{"name", Str(entry->name), p.name},
        Check{"content hash", Str(entry->content_hash), p.content_hash},
        Check{"part", Str(entry->part), p.part}, Check{"board", Str(entry->board), p.board},
        Check{"family", Str(entry->family), p.family},
        Check{"Verilator version", Str(entry->verilator_version), p.verilator_version}}) {
    if (c.library != c.descriptor) {
      return p.library + " and design.json disagree on the " + c.what + " ('" + c.library +
             "' against '" + c.descriptor + "'): the folder mixes files of two builds";
    }
  }
  if (entry->create == nullptr) return p.library + "'s package entry has no create function";
  // The .bit must name this design and hash, or a client could never program it.
  std::string error;
  const std::string bit = ReadFile(p.dir + "/" + p.bitstream, &error);
  if (!error.empty()) return error;
  Result<SimBitstream> parsed = ParseSimBitstream(bit);
  if (!parsed.ok()) return p.bitstream + ": " + parsed.error().message;
  if (parsed.value().design != p.name || parsed.value().content_hash != p.content_hash) {
    return p.bitstream + " is of design '" + parsed.value().design + "' (hash " +
           parsed.value().content_hash.substr(0, 12) + "...), design.json says '" + p.name +
           "' (hash " + p.content_hash.substr(0, 12) + "...)";
  }
  if (!IsFile(p.dir + "/" + p.hwh)) return "its " + p.hwh + " is missing";

  auto create = entry->create;
  DesignEntry design{p.name, p.content_hash, p.part,
                     [create](const DesignOptions& options) -> std::unique_ptr<PlDesign> {
                       return std::unique_ptr<PlDesign>(create(
                           options.trace_path.empty() ? nullptr : options.trace_path.c_str()));
                     },
                     p.busy_complete};
  entries_.push_back({std::move(design), p.dir, p.dir + "/" + p.hwh});
  for (const VivadoBitstream& v : p.vivado_bitstreams) {
    vivado_[v.sha256] = entries_.size() - 1;
    vivado_[v.data_sha256] = entries_.size() - 1;
  }
  return "";
}

const CatalogEntry* DesignCatalog::Find(const std::string& name) const {
  for (const CatalogEntry& e : entries_) {
    if (e.design.name == name) return &e;
  }
  return nullptr;
}

const CatalogEntry* DesignCatalog::FindVivado(const std::string& sha256) const {
  auto it = vivado_.find(sha256);
  return it == vivado_.end() ? nullptr : &entries_[it->second];
}

DesignCatalog LoadDesignCatalog(const std::vector<std::string>& dirs, const CatalogBoard& board,
                                bool log) {
  DesignCatalog catalog;
  if (dirs.empty()) return catalog;
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::string> refusals;
  std::vector<PackageDescriptor> packages = ScanDesignPackages(dirs, &refusals);
  // Loading opens each package's library and checks its files: say so first, so a long
  // load (many packages, a slow disk) shows in the log while it happens.
  if (log && packages.size() > 1) {
    std::fprintf(stderr, "design packages: loading %zu\n", packages.size());
    std::fflush(stderr);
  }
  catalog.Load(packages, board, &refusals);
  if (!log) return catalog;
  for (const std::string& r : refusals)
    std::fprintf(stderr, "design package refused: %s\n", r.c_str());
  size_t loaded = 0;
  for (const PackageDescriptor& p : packages) {
    const CatalogEntry* e = catalog.Find(p.name);
    if (e != nullptr && e->origin == p.dir) {
      std::fprintf(stderr, "design package loaded: %s (%s)\n", p.dir.c_str(), p.name.c_str());
      ++loaded;
    }
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (packages.size() > 1 || seconds >= 1.0) {
    std::fprintf(stderr, "design packages: %zu loaded, %zu refused, in %.1f s\n", loaded,
                 refusals.size(), seconds);
  }
  std::fflush(stderr);
  return catalog;
}

std::vector<std::string> DesignCatalog::Names() const {
  std::vector<std::string> names;
  for (const CatalogEntry& e : entries_) names.push_back(e.design.name);
  return names;
}

}  // namespace pynq_remote::sim
