#include "overlay/hwh_interrupts.h"

#include <tinyxml2.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <utility>

#include "overlay/hwh_address_map.h"

namespace pynq_remote::overlay {
namespace {

using tinyxml2::XMLElement;

// Cells an interrupt may pass through before it arrives; real designs use one or two.
constexpr int kMaxDepth = 16;
constexpr int kPsLines = 16;

DeviceError Bad(std::string_view source, int line, const std::string& what) {
  std::string where(source);
  if (line > 0) where += ":" + std::to_string(line);
  return MakeError(ErrorCode::kInvalidArgument, where + ": " + what);
}

const char* Attr(const XMLElement& e, const char* name) {
  const char* v = e.Attribute(name);
  return v != nullptr ? v : "";
}

bool ParseInt(const char* text, int* value) {
  if (*text == '\0') return false;
  long v = 0;
  for (const char* p = text; *p != '\0'; ++p) {
    if (*p < '0' || *p > '9') return false;
    v = v * 10 + (*p - '0');
    if (v > 4096) return false;
  }
  *value = static_cast<int>(v);
  return true;
}

struct Module {
  const XMLElement* element = nullptr;
  std::string type;
  std::string path;  // FULLNAME without the leading "/": "hier/axi_dma_0"
  std::map<std::string, const XMLElement*> ports;
};

// Where a traced bit arrives.
struct Sink {
  bool found = false;
  std::string intc;  // "" for the PS
  int index = 0;     // INTC input, or PS line
};

class Tracer {
 public:
  Tracer(const std::map<std::string, Module>& modules, std::string_view source)
      : modules_(modules), source_(source) {}

  // Follows output `port` of `instance`, bit `bit` of it, to an INTC input or a PS line.
  Result<Sink> Follow(const XMLElement& port, int bit, int depth) const {
    if (depth > kMaxDepth) {
      return Bad(source_, port.GetLineNum(),
                 "interrupt passes through more than " + std::to_string(kMaxDepth) +
                     " xlconcat cells (a loop?)");
    }
    const XMLElement* connections = port.FirstChildElement("CONNECTIONS");
    for (const XMLElement* c = connections ? connections->FirstChildElement("CONNECTION") : nullptr;
         c != nullptr; c = c->NextSiblingElement("CONNECTION")) {
      auto target = modules_.find(Attr(*c, "INSTANCE"));
      if (target == modules_.end()) continue;
      const Module& t = target->second;
      const std::string tport = Attr(*c, "PORT");
      Result<Sink> sink = Arrive(t, tport, bit, depth);
      if (!sink.ok()) return sink;
      if (sink.value().found) return sink;
    }
    return Sink{};
  }

 private:
  Result<Sink> Arrive(const Module& t, const std::string& tport, int bit, int depth) const {
    if (t.type == "xlconcat" && tport.size() > 2 && tport.compare(0, 2, "In") == 0) {
      int k = 0;
      if (!ParseInt(tport.c_str() + 2, &k)) return Sink{};
      int offset = 0;
      for (int j = 0; j < k; ++j) {
        Result<int> width = ConcatWidth(t, j);
        if (!width.ok()) return width.error();
        offset += width.value();
      }
      auto dout = t.ports.find("dout");
      if (dout == t.ports.end()) return Sink{};
      return Follow(*dout->second, offset + bit, depth + 1);
    }
    if (t.type == "axi_intc" && tport == "intr") {
      return Sink{true, Attr(*t.element, "INSTANCE"), bit};
    }
    if (t.type == "zynq_ultra_ps_e" && (tport == "pl_ps_irq0" || tport == "pl_ps_irq1")) {
      const int line = bit + (tport == "pl_ps_irq1" ? 8 : 0);
      if (bit >= 8) return Sink{};
      return Sink{true, "", line};
    }
    if (t.type == "processing_system7" && tport == "IRQ_F2P") {
      if (bit >= kPsLines) return Sink{};
      return Sink{true, "", bit};
    }
    return Sink{};
  }

  // The width of xlconcat input j: its port's LEFT..RIGHT, else the IN<j>_WIDTH parameter,
  // else 1 bit.
  Result<int> ConcatWidth(const Module& t, int j) const {
    auto port = t.ports.find("In" + std::to_string(j));
    if (port != t.ports.end() && port->second->Attribute("LEFT") != nullptr) {
      int left = 0, right = 0;
      if (!ParseInt(Attr(*port->second, "LEFT"), &left) ||
          !ParseInt(Attr(*port->second, "RIGHT"), &right) || right > left) {
        return Bad(
            source_, port->second->GetLineNum(),
            "xlconcat port In" + std::to_string(j) + " has LEFT/RIGHT that are not a bit range");
      }
      return left - right + 1;
    }
    const std::string name = "IN" + std::to_string(j) + "_WIDTH";
    const XMLElement* params = t.element->FirstChildElement("PARAMETERS");
    for (const XMLElement* p = params ? params->FirstChildElement("PARAMETER") : nullptr;
         p != nullptr; p = p->NextSiblingElement("PARAMETER")) {
      if (name != Attr(*p, "NAME")) continue;
      int width = 0;
      if (!ParseInt(Attr(*p, "VALUE"), &width) || width == 0) {
        return Bad(source_, p->GetLineNum(), "xlconcat " + name + " is not a positive number");
      }
      return width;
    }
    return 1;
  }

  const std::map<std::string, Module>& modules_;
  std::string_view source_;
};

bool IsPs(const std::string& type) {
  return type == "zynq_ultra_ps_e" || type == "processing_system7";
}

}  // namespace

const HwhInterruptPin* HwhInterrupts::FindPin(std::string_view path) const {
  for (const HwhInterruptPin& pin : pins) {
    if (pin.path == path) return &pin;
  }
  return nullptr;
}

const HwhIntc* HwhInterrupts::FindController(uint64_t base) const {
  for (const HwhIntc& intc : controllers) {
    if (intc.base == base) return &intc;
  }
  return nullptr;
}

std::string HwhInterrupts::PinList(size_t max) const {
  std::string out;
  for (size_t i = 0; i < pins.size(); ++i) {
    if (i == max) return out + ", ...";
    out += (i == 0 ? "" : ", ") + pins[i].path;
  }
  return out.empty() ? "none" : out;
}

Result<HwhInterrupts> ParseHwhInterrupts(std::string_view hwh_text, std::string_view source) {
  // The address map checks the text (size, NULs, XML, one PS) and gives the INTCs' bases.
  Result<std::vector<OverlayWindow>> windows = ParseHwhAddressMap(hwh_text, source);
  if (!windows.ok()) return windows.error();
  tinyxml2::XMLDocument doc;
  if (doc.Parse(hwh_text.data(), hwh_text.size()) != tinyxml2::XML_SUCCESS) {
    return Bad(source, doc.ErrorLineNum(), "not well-formed XML");
  }
  const XMLElement* root = doc.RootElement();
  std::map<std::string, Module> modules;
  for (const XMLElement* mods = root->FirstChildElement("MODULES"); mods != nullptr;
       mods = mods->NextSiblingElement("MODULES")) {
    for (const XMLElement* m = mods->FirstChildElement("MODULE"); m != nullptr;
         m = m->NextSiblingElement("MODULE")) {
      const std::string instance = Attr(*m, "INSTANCE");
      if (instance.empty()) {
        return Bad(source, m->GetLineNum(), "MODULE has no INSTANCE attribute");
      }
      Module& module = modules[instance];
      if (module.element != nullptr) continue;  // CONNECTIONs name the first; Vivado has one
      module.element = m;
      // Pins are named as PYNQ names them: the hierarchical FULLNAME, without its "/".
      module.path = Attr(*m, "FULLNAME");
      if (!module.path.empty() && module.path[0] == '/') module.path.erase(0, 1);
      if (module.path.empty()) module.path = instance;
      module.type = Attr(*m, "MODTYPE");
      const XMLElement* ports = m->FirstChildElement("PORTS");
      for (const XMLElement* p = ports ? ports->FirstChildElement("PORT") : nullptr; p != nullptr;
           p = p->NextSiblingElement("PORT")) {
        module.ports.emplace(Attr(*p, "NAME"), p);
      }
    }
  }

  HwhInterrupts out;
  Tracer tracer(modules, source);
  std::map<std::string, size_t> intc_by_name;
  for (const auto& [instance, module] : modules) {
    if (module.type != "axi_intc") continue;
    HwhIntc intc;
    intc.instance = instance;
    for (const OverlayWindow& w : windows.value()) {
      if (w.instance == instance) {
        intc.base = w.base;
        break;
      }
    }
    auto irq = module.ports.find("irq");
    if (irq != module.ports.end()) {
      Result<Sink> sink = tracer.Follow(*irq->second, 0, 0);
      if (!sink.ok()) return sink.error();
      // A cascaded INTC (irq into another INTC) reaches the PS only through its parent's
      // software: not served, so no line.
      if (sink.value().found && sink.value().intc.empty()) intc.ps_line = sink.value().index;
    }
    intc_by_name[instance] = out.controllers.size();
    out.controllers.push_back(intc);
  }
  for (const auto& [instance, module] : modules) {
    if (module.type == "xlconcat" || module.type == "axi_intc" || IsPs(module.type)) continue;
    for (const auto& [name, port] : module.ports) {
      if (std::strcmp(Attr(*port, "SIGIS"), "INTERRUPT") != 0 ||
          std::strcmp(Attr(*port, "DIR"), "O") != 0) {
        continue;
      }
      const std::string path = module.path + "/" + name;
      Result<Sink> sink = tracer.Follow(*port, 0, 0);
      if (!sink.ok()) return sink.error();
      if (!sink.value().found) {
        out.unwired.push_back(path);
        continue;
      }
      HwhInterruptPin pin;
      pin.path = path;
      pin.controller = sink.value().intc;
      pin.index = sink.value().index;
      if (pin.controller.empty()) {
        pin.ps_line = pin.index;
      } else {
        const HwhIntc& intc = out.controllers[intc_by_name.at(pin.controller)];
        pin.controller_base = intc.base;
        pin.ps_line = intc.ps_line;
      }
      out.pins.push_back(std::move(pin));
    }
  }
  std::sort(out.pins.begin(), out.pins.end(),
            [](const HwhInterruptPin& a, const HwhInterruptPin& b) { return a.path < b.path; });
  std::sort(out.unwired.begin(), out.unwired.end());
  return out;
}

}  // namespace pynq_remote::overlay
