#include "overlay/hwh_address_map.h"

#include <tinyxml2.h>

#include <algorithm>
#include <cstring>
#include <tuple>

namespace pynq_remote::overlay {
namespace {

// MODTYPEs of the processing systems PYNQ knows (pynq/pl_server/hwh_parser.py family_ps).
constexpr const char* kPsModTypes[] = {"zynq_ultra_ps_e", "processing_system7"};

// Attribute values come from the file; a corrupt one can be megabytes long.
constexpr size_t kMaxQuoted = 64;

std::string Quote(std::string_view text) {
  std::string out = "\"";
  out.append(text.substr(0, kMaxQuoted));
  if (text.size() > kMaxQuoted) out += "...";
  return out + "\"";
}

DeviceError Bad(std::string_view source, int line, const std::string& what) {
  std::string where(source);
  if (line > 0) where += ":" + std::to_string(line);
  return MakeError(ErrorCode::kInvalidArgument, where + ": " + what);
}

// "0x" then 1..n hex digits whose value fits 64 bits: what Vivado writes. Decimal is
// refused on purpose: PYNQ reads these attributes as hex even without the prefix, so a
// bare "16" has two readings, and the server must not pick the wrong one.
bool ParseHex(const char* text, uint64_t* value) {
  if (text[0] != '0' || (text[1] != 'x' && text[1] != 'X') || text[2] == '\0') return false;
  uint64_t v = 0;
  for (const char* p = text + 2; *p != '\0'; ++p) {
    int digit;
    if (*p >= '0' && *p <= '9') {
      digit = *p - '0';
    } else if (*p >= 'a' && *p <= 'f') {
      digit = *p - 'a' + 10;
    } else if (*p >= 'A' && *p <= 'F') {
      digit = *p - 'A' + 10;
    } else {
      return false;
    }
    if (v >> 60 != 0) return false;  // a fifth nibble past 64 bits
    v = v << 4 | static_cast<uint64_t>(digit);
  }
  *value = v;
  return true;
}

bool IsPsModule(const tinyxml2::XMLElement& module) {
  const char* type = module.Attribute("MODTYPE");
  if (type == nullptr) return false;
  return std::any_of(std::begin(kPsModTypes), std::end(kPsModTypes),
                     [type](const char* ps) { return std::strcmp(type, ps) == 0; });
}

// The one PS MODULE under EDKSYSTEM/MODULES.
Result<const tinyxml2::XMLElement*> FindPs(const tinyxml2::XMLElement& root,
                                           std::string_view source) {
  const tinyxml2::XMLElement* ps = nullptr;
  for (const tinyxml2::XMLElement* modules = root.FirstChildElement("MODULES"); modules != nullptr;
       modules = modules->NextSiblingElement("MODULES")) {
    for (const tinyxml2::XMLElement* module = modules->FirstChildElement("MODULE");
         module != nullptr; module = module->NextSiblingElement("MODULE")) {
      if (!IsPsModule(*module)) continue;
      if (ps != nullptr) {
        return Bad(source, module->GetLineNum(),
                   "a second processing system MODULE (the first is at line " +
                       std::to_string(ps->GetLineNum()) + "); which address map applies?");
      }
      ps = module;
    }
  }
  if (ps == nullptr) {
    return Bad(source, 0,
               "no processing system (a MODULE with MODTYPE zynq_ultra_ps_e or "
               "processing_system7), so no address map; a partial-reconfiguration .hwh has "
               "none: use the full design's .hwh");
  }
  return ps;
}

// A required, non-empty attribute, or an error naming it and the MEMRANGE's line.
Result<const char*> Required(const tinyxml2::XMLElement& range, const char* name,
                             std::string_view source) {
  const char* value = range.Attribute(name);
  if (value == nullptr) {
    return Bad(source, range.GetLineNum(), std::string("MEMRANGE has no ") + name + " attribute");
  }
  if (value[0] == '\0') {
    return Bad(source, range.GetLineNum(), std::string("MEMRANGE has an empty ") + name);
  }
  return value;
}

Result<uint64_t> HexAttribute(const tinyxml2::XMLElement& range, const char* name,
                              std::string_view source) {
  Result<const char*> text = Required(range, name, source);
  if (!text.ok()) return text.error();
  uint64_t value = 0;
  if (!ParseHex(text.value(), &value)) {
    return Bad(source, range.GetLineNum(),
               std::string("MEMRANGE ") + name + " " + Quote(text.value()) +
                   " is not a 0x-prefixed hex number of at most 64 bits");
  }
  return value;
}

// One MEMRANGE. *keep is false for non-REGISTER ranges, which are still checked: a
// corrupt DDR range means a corrupt file.
Result<OverlayWindow> ReadRange(const tinyxml2::XMLElement& range, std::string_view source,
                                bool* keep) {
  Result<uint64_t> base = HexAttribute(range, "BASEVALUE", source);
  if (!base.ok()) return base.error();
  Result<uint64_t> high = HexAttribute(range, "HIGHVALUE", source);
  if (!high.ok()) return high.error();
  if (high.value() < base.value()) {
    return Bad(
        source, range.GetLineNum(),
        "MEMRANGE HIGHVALUE " + Hex(high.value()) + " is below its BASEVALUE " + Hex(base.value()));
  }
  // Refused so that base + size never wraps for any consumer; no Zynq bus reaches there.
  if (high.value() == UINT64_MAX) {
    return Bad(source, range.GetLineNum(),
               "MEMRANGE HIGHVALUE " + Hex(high.value()) +
                   " is the top of the 64-bit address space, where no Zynq bus reaches");
  }
  Result<const char*> memtype = Required(range, "MEMTYPE", source);
  if (!memtype.ok()) return memtype.error();
  *keep = std::strcmp(memtype.value(), "REGISTER") == 0;
  OverlayWindow window;
  window.base = base.value();
  window.size = high.value() - base.value() + 1;
  if (!*keep) return window;
  Result<const char*> instance = Required(range, "INSTANCE", source);
  if (!instance.ok()) return instance.error();
  Result<const char*> interface = Required(range, "SLAVEBUSINTERFACE", source);
  if (!interface.ok()) return interface.error();
  window.instance = instance.value();
  window.slave_interface = interface.value();
  return window;
}

std::string XmlErrorText(const tinyxml2::XMLDocument& doc) {
  switch (doc.ErrorID()) {
    case tinyxml2::XML_ERROR_EMPTY_DOCUMENT:
      return "empty, no XML element in it";
    case tinyxml2::XML_ELEMENT_DEPTH_EXCEEDED:
      return "elements nested more than " + std::to_string(TINYXML2_MAX_ELEMENT_DEPTH) +
             " deep (a .hwh nests fewer than 10)";
    default:
      break;
  }
  // ErrorStr() repeats the line and the numeric id; the name and the detail are enough.
  std::string text = std::string("not well-formed XML: ") + doc.ErrorName();
  const char* detail = doc.ErrorStr();
  const char* colon = detail != nullptr ? std::strstr(detail, ": ") : nullptr;
  if (colon != nullptr) text += std::string(" (") + (colon + 2) + ")";
  return text;
}

}  // namespace

Result<std::vector<OverlayWindow>> ParseHwhAddressMap(std::string_view hwh_text,
                                                      std::string_view source) {
  if (hwh_text.size() > kMaxHwhBytes) {
    return Bad(source, 0,
               std::to_string(hwh_text.size()) + " bytes is more than the " +
                   std::to_string(kMaxHwhBytes) + " a .hwh may have");
  }
  const size_t nul = hwh_text.find('\0');
  if (nul != std::string_view::npos) {
    const int line =
        1 + static_cast<int>(std::count(hwh_text.begin(), hwh_text.begin() + nul, '\n'));
    return Bad(source, line,
               "contains a NUL byte (at byte " + std::to_string(nul) +
                   "); a .hwh is UTF-8 text (a UTF-16 file has NULs: save it as UTF-8)");
  }
  tinyxml2::XMLDocument doc;
  if (doc.Parse(hwh_text.data(), hwh_text.size()) != tinyxml2::XML_SUCCESS) {
    return Bad(source, doc.ErrorLineNum(), XmlErrorText(doc));
  }
  const tinyxml2::XMLElement* root = doc.RootElement();
  if (root == nullptr || std::strcmp(root->Name(), "EDKSYSTEM") != 0) {
    return Bad(source, root != nullptr ? root->GetLineNum() : 0,
               "not a Vivado hardware handoff: the root element is " +
                   (root != nullptr ? Quote(root->Name()) : std::string("missing")) +
                   ", not EDKSYSTEM");
  }
  Result<const tinyxml2::XMLElement*> ps = FindPs(*root, source);
  if (!ps.ok()) return ps.error();

  std::vector<OverlayWindow> windows;
  for (const tinyxml2::XMLElement* map = ps.value()->FirstChildElement("MEMORYMAP"); map != nullptr;
       map = map->NextSiblingElement("MEMORYMAP")) {
    for (const tinyxml2::XMLElement* range = map->FirstChildElement("MEMRANGE"); range != nullptr;
         range = range->NextSiblingElement("MEMRANGE")) {
      bool keep = false;
      Result<OverlayWindow> window = ReadRange(*range, source, &keep);
      if (!window.ok()) return window.error();
      if (keep) windows.push_back(std::move(window).value());
    }
  }
  auto key = [](const OverlayWindow& w) {
    return std::tie(w.base, w.size, w.instance, w.slave_interface);
  };
  std::sort(windows.begin(), windows.end(),
            [&key](const OverlayWindow& a, const OverlayWindow& b) { return key(a) < key(b); });
  windows.erase(std::unique(windows.begin(), windows.end()), windows.end());
  return windows;
}

bool WindowsContain(const std::vector<OverlayWindow>& windows, uint64_t addr, uint64_t len) {
  const uint64_t last = len == 0 ? addr : addr + (len - 1);
  if (last < addr) return false;  // wraps past 2^64
  // Compared through the last byte: base + size itself may be 2^64.
  return std::any_of(windows.begin(), windows.end(), [addr, last](const OverlayWindow& w) {
    return w.size > 0 && addr >= w.base && last <= w.base + (w.size - 1);
  });
}

}  // namespace pynq_remote::overlay
