#!/usr/bin/python3
"""pynq-remote-design: build a design package that pynq-remote-server loads at run time.

  pynq-remote-design build --manifest DIR/manifest.json --out OUT [--work DIR] [-j N]
                           [--no-trace] [--depfile FILE]

writes OUT/<name>/ (rtl/README.md, "Design packages"):

* ``lib<name>.so``: the Verilated model with a private Verilator runtime, exporting one symbol,
  ``pynq_remote_design_package`` (sim/pl/design_package_abi.h);
* ``<name>.bit`` and ``<name>.hwh`` (gen_design.py);
* ``design.json``, the descriptor, written last and atomically: a folder without it is a
  half-built package and the server ignores it.

A second run with the same inputs (content hash, tool version, compiler, flags, Verilator)
says "up to date" and does nothing. Every error is one paragraph on stderr and exit status 1;
a usage error is status 2.

Needs an installed pynq-remote (or its build tree), Verilator and a C++ compiler; Debian's
/usr/bin/python3, standard library only.
"""
import argparse
import concurrent.futures
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

TOOLS_DIR = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, TOOLS_DIR)
import gen_design  # noqa: E402
import gen_top  # noqa: E402
import hls_rtl  # noqa: E402

PACKAGE_FORMAT = 1
# The project version; the wrappers (build/bin, installed bin) set it, a bare checkout is "dev".
TOOL_VERSION = os.environ.get("PYNQ_REMOTE_VERSION", "dev")
ENTRY_SYMBOL = "pynq_remote_design_package"
# Verilator's flags as rtl/CMakeLists.txt passes them for the designs built into the server.
VERILATOR_FLAGS = ["-Wall", "-O3", "--x-assign", "fast", "--x-initial", "fast"]
# The code generation of the designs built into the server (CMake's RelWithDebInfo: -O2 -DNDEBUG
# -fPIC and rtl/CMakeLists.txt's -fno-tree-pre, which the clock edge's one long function runs
# faster without; every Verilated file alike, no OPT_FAST/OPT_SLOW), so a package simulates as
# fast as the same design compiled in (bench/README.md). Hidden visibility and -Bsymbolic keep
# every call inside the library direct. What stays different is the dlopen'd runtime's thread_local
# (Verilated::t_s): 2 __tls_get_addr calls per eval, about 1% of the model's instructions;
# -ftls-model=initial-exec would save them but takes static TLS, which runs out after a few
# loaded packages, and -mtls-dialect=gnu2 resolves to the slower dynamic path for dlopen.
CXX_FLAGS = ["-std=c++17", "-fPIC", "-O2", "-fno-tree-pre", "-DNDEBUG", "-fvisibility=hidden",
             "-fvisibility-inlines-hidden", "-w"]
LINK_FLAGS = ["-shared", "-Wl,-Bsymbolic", "-Wl,--no-undefined"]
LIBS = ["-lz", "-lpthread", "-ldl"]
FAMILY_NAMES = {"zynqmp": "Zynq UltraScale+", "zynq7000": "Zynq-7000"}


class BuildError(Exception):
    """A failure the user can act on: printed as one paragraph, exit status 1."""


# ---------------------------------------------------------------------------- where things are

def sim_include_dir():
    """The sim headers the package's glue includes (pl/, bridges/): the source tree's sim/, or
    include/pynq_remote/sim of an installed prefix (share/pynq-remote/tools is this folder)."""
    candidates = [os.environ.get("PYNQ_REMOTE_SIM_INCLUDE", ""),
                  os.path.join(TOOLS_DIR, "..", "..", "sim"),
                  os.path.join(TOOLS_DIR, "..", "..", "..", "include", "pynq_remote", "sim")]
    for c in candidates:
        if c and os.path.isfile(os.path.join(c, "pl", "design_package_abi.h")):
            return os.path.normpath(c)
    raise BuildError("cannot find the pynq-remote sim headers (pl/design_package_abi.h) beside "
                     "%s: is pynq-remote installed completely? (set PYNQ_REMOTE_SIM_INCLUDE to "
                     "the folder that holds pl/ and bridges/)" % TOOLS_DIR)


def board_profile(manifest):
    """(profile name, family) of the manifest's board, resolved and checked the one way the
    generators do it (gen_design.board_of over boards.py and sim/board/boards.json)."""
    try:
        board = gen_design.board_of(manifest)
    except gen_top.DesignError as e:
        raise BuildError("%s: %s" % (manifest.get("name", "the design"), e)) from None
    return board.name, board.family


def run(cmd, what, cwd=None):
    """Runs cmd; returns its output. A missing program is a BuildError naming it."""
    try:
        p = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           universal_newlines=True)
    except FileNotFoundError:
        raise BuildError("%s: cannot run %s (not installed, or not on PATH)" % (what, cmd[0]))
    return p.returncode, p.stdout


def verilator_info(verilator):
    rc, out = run([verilator, "--version"], "Verilator")
    m = re.match(r"Verilator (\d+\.\d+)", out)
    if rc or not m:
        raise BuildError("%s --version did not print a Verilator version: %s" %
                         (verilator, out.strip()[:200]))
    rc, root = run([verilator, "--getenv", "VERILATOR_ROOT"], "Verilator")
    root = root.strip()
    if rc or not os.path.isfile(os.path.join(root, "include", "verilated.cpp")):
        raise BuildError("Verilator's runtime sources (VERILATOR_ROOT/include/verilated.cpp) "
                         "are not at %r" % root)
    return m.group(1), out.strip(), root


def compiler_info(cxx):
    rc, out = run([cxx, "--version"], "the C++ compiler")
    if rc:
        raise BuildError("%s --version failed: %s" % (cxx, out.strip()[:200]))
    return out.splitlines()[0] if out else cxx


def abi_version(include):
    """kPlDesignAbiVersion of the sim headers the package is compiled against."""
    with open(os.path.join(include, "pl", "pl_design.h")) as f:
        m = re.search(r"kPlDesignAbiVersion\s*=\s*(\d+)", f.read())
    if not m:
        raise BuildError("%s/pl/pl_design.h defines no kPlDesignAbiVersion: the sim headers "
                         "are not this pynq-remote's" % include)
    return int(m.group(1))


# ---------------------------------------------------------------------------- inputs

def load_manifest(path):
    if not os.path.isfile(path):
        raise BuildError("%s: no such manifest file" % path)
    with gen_top.manifest_errors():
        with open(path) as f:
            manifest = json.load(f)
        if not isinstance(manifest, dict):
            raise gen_top.DesignError("the manifest is not a JSON object")
        for key in ("name", "sources", "part", "instances"):
            if key not in manifest:
                raise gen_top.DesignError("required key %r is missing" % key)
        if not isinstance(manifest["sources"], list) or not manifest["sources"]:
            raise gen_top.DesignError("\"sources\" must be a non-empty list of file names")
        gen_design.check_xml_text(manifest)
        gen_top.check_names(manifest)
        base = os.path.dirname(os.path.abspath(path))
        for s in manifest["sources"]:
            if not isinstance(s, str) or not os.path.isfile(gen_top.source_path(base, s)):
                raise gen_top.DesignError("source %r: no such file (%s)" %
                                          (s, gen_top.source_path(base, s)))
        hwh_file = manifest.get("hwh_file")
        if hwh_file is not None and (not isinstance(hwh_file, str) or not os.path.isfile(
                gen_top.source_path(base, hwh_file))):
            raise gen_top.DesignError("hwh_file %r: no such file (%s)" %
                                      (hwh_file, gen_top.source_path(base, str(hwh_file))))
        for inst in manifest["instances"]:
            if "base" in inst or fmt_of(manifest) < 2:  # format 2: only slaves have a window
                gen_design._window(inst)
    return manifest


def fmt_of(manifest):
    return manifest.get("format", 1)


def slaves(manifest):
    """The instances with an AXI-Lite window (every one in format 1)."""
    return [i for i in manifest["instances"] if "base" in i or fmt_of(manifest) < 2]


def has_module(paths, module):
    pattern = re.compile(r"\bmodule\s+%s\b" % re.escape(module))
    for p in paths:
        with open(p, errors="replace") as f:
            if pattern.search(gen_top._strip_comments(f.read())):
                return p
    return None


def base_parameter(path, module):
    """True when `module`'s header in `path` declares a parameter named BASE."""
    with open(path, errors="replace") as f:
        text = gen_top._strip_comments(f.read())
    m = re.search(r"\bmodule\s+%s\b\s*#\s*\(" % re.escape(module), text)
    if not m:
        return False
    end = gen_top._balanced(text, m.end() - 1)
    return re.search(r"\bparameter\b[^;]*?\bBASE\s*=", text[m.end():end]) is not None


# ---------------------------------------------------------------------------- build steps

def files_digest(paths):
    d = hashlib.sha256()
    for p in sorted(paths):
        with open(p, "rb") as f:
            d.update(p.encode() + b"\0" + f.read())
    return d.hexdigest()


def classes_mk(obj_dir, prefix):
    """The .cpp files Verilator made for the model, from its <prefix>_classes.mk."""
    with open(os.path.join(obj_dir, prefix + "_classes.mk")) as f:
        text = f.read().replace("\\\n", " ")
    files = []
    # [ \t], not \s: an empty list (no trace classes with --no-trace) must not run on into
    # the next line's comment and list its words as files ("#.cpp").
    for m in re.finditer(r"^(VM_CLASSES_FAST|VM_CLASSES_SLOW|VM_SUPPORT_FAST|VM_SUPPORT_SLOW)"
                         r"[ \t]*\+?=[ \t]*(.*)$", text, re.M):
        files += [os.path.join(obj_dir, w + ".cpp") for w in m.group(2).split()]
    return files


def rtl_flags(manifest, design_dir):
    """Verilator's flags for the design: VERILATOR_FLAGS, and for a manifest with an "rtl" key
    (user RTL as Vitis/Vivado HLS writes it, rtl/README.md) the import flags (--no-timing for
    HLS's `initial #0`, --timescale for its `timescale beside our untimed cores), -I per
    "include_dirs", +define+ per "defines", and with "relaxed_lint" warnings that do not fail
    the build. Returns (flags for the build key, include folders as absolute paths)."""
    rtl = manifest.get("rtl")
    if rtl is None:
        return list(VERILATOR_FLAGS), []
    if not isinstance(rtl, dict):
        raise BuildError("\"rtl\" must be an object (include_dirs, defines, relaxed_lint)")
    unknown = set(rtl) - {"include_dirs", "defines", "relaxed_lint", "prepared_sources"}
    if unknown:
        raise BuildError("\"rtl\": unknown key(s) %s (include_dirs, defines, relaxed_lint, "
                         "prepared_sources)" % ", ".join(sorted(unknown)))
    dirs = rtl.get("include_dirs", [])
    defines = rtl.get("defines", {})
    relaxed = rtl.get("relaxed_lint", False)
    if not isinstance(dirs, list) or not all(isinstance(d, str) and d for d in dirs):
        raise BuildError("\"rtl\".\"include_dirs\" must be a list of folder names")
    if not isinstance(defines, dict) or not all(
            re.fullmatch(r"[A-Za-z_]\w*", k) and isinstance(v, (str, int)) and
            not isinstance(v, bool) and re.fullmatch(r"[^\s+]*", str(v))
            for k, v in defines.items()):
        raise BuildError("\"rtl\".\"defines\" must map identifiers to values without "
                         "spaces or '+'")
    if not isinstance(relaxed, bool):
        raise BuildError("\"rtl\".\"relaxed_lint\" must be true or false")
    absolute = []
    for d in dirs:
        full = os.path.normpath(os.path.join(design_dir, d))
        if not os.path.isdir(full):
            raise BuildError("\"rtl\".\"include_dirs\": %s: no such folder (%s)" % (d, full))
        absolute.append(full)
    flags = list(VERILATOR_FLAGS)
    if relaxed:
        # The user's HLS Verilog is not ours to make -Wall clean; warnings are shown, not fatal.
        flags[1:1] = ["-Wno-fatal", "-Wno-lint", "-Wno-style"]
    flags += hls_rtl.IMPORT_FLAGS
    flags += ["-I" + d for d in dirs]
    flags += ["+define+%s=%s" % (k, v) for k, v in sorted(defines.items())]
    return flags, absolute


def prepared_sources(manifest, design_dir, sources, work):
    """The sources Verilator reads. A manifest with an "rtl" key whose sources are the user's
    own HLS Verilog (not "prepared_sources", which the importer already made) gets copies made
    by hls_rtl.prepare: $readmemh data inlined (the package runs from any folder), synthesis
    translate_off regions dropped. Our library cores (@ip/...) and the generated top are used
    as they are."""
    rtl = manifest.get("rtl")
    if rtl is None or rtl.get("prepared_sources"):
        return sources
    ours = {os.path.normpath(gen_top.source_path(design_dir, s)) for s in manifest["sources"]
            if isinstance(s, str) and s.startswith(gen_top.IP_PREFIX)}
    user = [s for s in sources if os.path.normpath(s) not in ours and
            os.path.normpath(s) in {os.path.normpath(gen_top.source_path(design_dir, x))
                                    for x in manifest["sources"]}]
    if not user:
        return sources
    try:
        lib = hls_rtl.collect(user)
        prepared = hls_rtl.prepare(lib, user, os.path.join(work, "prepared"))["sources"]
    except hls_rtl.RtlError as e:
        raise BuildError(str(e)) from None
    by_path = dict(zip(user, prepared))
    return [by_path.get(s, s) for s in sources]


def verilate(args, manifest, design_dir, top_file, verilator, work, prefix, trace, threads=1):
    obj = os.path.join(work, "verilated")
    shutil.rmtree(obj, ignore_errors=True)
    sources = [gen_top.source_path(design_dir, s) for s in manifest["sources"]]
    if top_file:
        sources = [top_file] + sources
    top = manifest.get("top", manifest["name"])
    flags, include_dirs = rtl_flags(manifest, design_dir)
    flags = [f for f in flags if not f.startswith("-I")] + ["-I" + d for d in include_dirs]
    cmd = [verilator, "--cc"] + flags + (["--trace-fst"] if trace else [])
    if threads > 1:
        cmd += ["--threads", str(threads)]
    cmd += ["--top-module", top, "--prefix", prefix, "-Mdir", obj]
    base = None
    if not top_file and slaves(manifest):
        # A hand-written top: its window comes from the manifest when it has a BASE parameter.
        found = has_module(sources, top)
        if found and base_parameter(found, top):
            base = slaves(manifest)[0]["base"]
            # The shell's address is the low 32 bits of the physical one (rtl/README.md).
            cmd.append("-GBASE=32'h%X" % (int(base, 16) & 0xFFFFFFFF))
    cmd += prepared_sources(manifest, design_dir, sources, work)
    rc, out = run(cmd, "Verilator")
    if rc:
        lines = [l for l in out.splitlines() if l.startswith("%Error") or l.startswith("%Warning")]
        shown = "\n".join(lines[:20]) or out.strip()[-2000:]
        raise BuildError("Verilator rejected the design (the RTL must be lint-clean under -Wall; "
                         "see rtl/README.md for how a top keeps unused shell ports clean):\n%s"
                         % shown)
    return obj, base


def compile_all(cxx, units, flags, objs_dir, jobs):
    os.makedirs(objs_dir, exist_ok=True)
    launcher = ["ccache"] if shutil.which("ccache") and "ccache" not in cxx else []

    def one(src):
        out = os.path.join(objs_dir, os.path.basename(src) + ".o")
        rc, text = run(launcher + [cxx] + flags + ["-c", src, "-o", out], "the C++ compiler")
        if rc:
            raise BuildError("compiling %s failed:\n%s" % (src, text.strip()[-3000:]))
        return out

    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(one, units))


def write_atomic(path, text):
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".tmp-")
    with os.fdopen(fd, "w") as f:
        f.write(text)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # mkstemp's 0600 would hide the package from other users
    os.replace(tmp, path)


def build(args):
    manifest_path = os.path.abspath(args.manifest)
    manifest = load_manifest(manifest_path)
    design_dir = os.path.dirname(manifest_path)
    name = manifest["name"]
    top = manifest.get("top", name)
    fmt = manifest.get("format", 1)
    board, family = board_profile(manifest)
    include = sim_include_dir()
    verilator = os.environ.get("VERILATOR", "verilator")
    vl_version, vl_banner, vl_root = verilator_info(verilator)
    cxx = args.cxx or os.environ.get("CXX", "c++")
    compiler = compiler_info(cxx)
    trace = not args.no_trace
    threads = getattr(args, "threads", 1)
    if threads < 1:
        raise BuildError("--threads must be 1 or more, not %d" % threads)
    out_dir = os.path.join(os.path.abspath(args.out), name)
    descriptor_path = os.path.join(out_dir, "design.json")

    old = None
    if os.path.exists(descriptor_path):
        try:
            with open(descriptor_path) as f:
                old = json.load(f)
            if not isinstance(old, dict):
                raise ValueError("not an object")
        except ValueError as e:
            raise BuildError("%s is not a design package descriptor (%s); remove %s or choose "
                             "another --out" % (descriptor_path, e, out_dir))
        if old.get("package_format") != PACKAGE_FORMAT:
            raise BuildError("%s holds a package of another pynq-remote version (package_format "
                             "%r, tool %r; this tool writes package_format %d, version %s): "
                             "remove %s or choose another --out" %
                             (out_dir, old.get("package_format"), old.get("tool_version"),
                              PACKAGE_FORMAT, TOOL_VERSION, out_dir))

    sha = gen_design.content_hash(manifest_path, manifest)
    tool_files = [os.path.join(TOOLS_DIR, f) for f in os.listdir(TOOLS_DIR)
                  if f.endswith((".py", ".in", ".cc"))]
    tool_files += [os.path.join(include, d, f) for d in ("pl", "bridges")
                   for f in os.listdir(os.path.join(include, d)) if f.endswith(".h")]
    key_inputs = {"content_hash": sha, "tool_version": TOOL_VERSION,
                  "tools": files_digest(tool_files), "compiler": compiler,
                  "cxx_flags": CXX_FLAGS, "link_flags": LINK_FLAGS,
                  "verilator_flags": rtl_flags(manifest, design_dir)[0], "trace": trace,
                  "threads": threads,
                  "verilator": vl_banner}
    build_key = hashlib.sha256(json.dumps(key_inputs, sort_keys=True).encode()).hexdigest()
    library = "lib%s.so" % name
    if (old and old.get("build_key") == build_key and
            all(os.path.isfile(os.path.join(out_dir, old.get(k, "")))
                for k in ("library", "bitstream", "hwh"))):
        print("pynq-remote-design: %s is up to date" % out_dir)
        write_depfile(args, manifest, design_dir, manifest_path, descriptor_path)
        return 0

    work = os.path.abspath(args.work) if args.work else os.path.join(
        os.path.abspath(args.out), ".work", name)
    gen = os.path.join(work, "gen")
    os.makedirs(gen, exist_ok=True)
    os.makedirs(out_dir, exist_ok=True)
    # From here on the folder is not a whole package until design.json is back.
    if os.path.exists(descriptor_path):
        os.remove(descriptor_path)

    print("pynq-remote-design: building %s (%s, %s) into %s" % (name, board, manifest["part"],
                                                               out_dir), flush=True)
    top_file = None
    missing = None  # the instances busy may not cover; None: a hand-written top
    with gen_top.manifest_errors():
        if fmt >= 2:
            top_file = os.path.join(gen, top + ".v")
            design = gen_top.Design(manifest_path, manifest)
            missing = gen_top.busy_missing(design)
            write_atomic(top_file, gen_top.generate(design))
        else:
            sources = [gen_top.source_path(design_dir, s) for s in manifest["sources"]]
            if not has_module(sources, top):
                raise gen_top.DesignError("the top module %r is in none of the sources (%s)" %
                                          (top, ", ".join(manifest["sources"])))
        gen_args = argparse.Namespace(manifest=manifest_path, out_dir=out_dir, header_dir=gen)
        gen_design.generate_files(gen_args)
    prefix = "V" + name
    obj, base = verilate(args, manifest, design_dir, top_file, verilator, work, prefix, trace,
                         threads)

    binding_include, model = binding(top_file, manifest, design_dir, top, prefix,
                                     family, gen)
    with open(os.path.join(TOOLS_DIR, "package_entry.cc.in")) as f:
        entry = f.read()
    for k, v in {"NAME": name, "CONTENT_HASH": sha, "PART": manifest["part"], "BOARD": board,
                 "FAMILY": family, "VERILATOR_VERSION": vl_version,
                 "ABI_VERSION": str(abi_version(include)), "BINDING_INCLUDE": binding_include,
                 "MODEL": model, "THREADS": str(threads)}.items():
        entry = entry.replace("@%s@" % k, v)
    entry_cc = os.path.join(gen, name + "_package.cc")
    write_atomic(entry_cc, entry)
    exports = os.path.join(gen, "exports.map")
    write_atomic(exports, "{\n  global: %s;\n  local: *;\n};\n" % ENTRY_SYMBOL)

    runtime = ["verilated.cpp", "verilated_threads.cpp"] + (["verilated_fst_c.cpp"] if trace
                                                            else [])
    units = classes_mk(obj, prefix) + [os.path.join(vl_root, "include", r) for r in runtime]
    units.append(entry_cc)
    defines = ["-DVM_COVERAGE=0", "-DVM_SC=0", "-DVM_TRACE=%d" % trace,
               "-DVM_TRACE_FST=%d" % trace, "-DVM_TRACE_VCD=0"]
    incs = ["-I" + obj, "-I" + gen, "-I" + include, "-isystem", os.path.join(vl_root, "include"),
            "-isystem", os.path.join(vl_root, "include", "vltstd")]
    objs_dir = os.path.join(work, "objs")
    shutil.rmtree(objs_dir, ignore_errors=True)
    objects = compile_all(cxx, units, CXX_FLAGS + defines + incs, objs_dir, args.jobs)
    tmp_lib = os.path.join(out_dir, ".%s.tmp" % library)
    rc, text = run([cxx] + LINK_FLAGS + ["-Wl,--version-script=" + exports, "-o", tmp_lib] +
                   objects + LIBS, "the linker")
    if rc:
        raise BuildError("linking %s failed:\n%s" % (library, text.strip()[-3000:]))
    os.replace(tmp_lib, os.path.join(out_dir, library))
    probe(cxx, include, work, os.path.join(out_dir, library), manifest, base)

    descriptor = {"package_format": PACKAGE_FORMAT, "name": name, "board": board,
                  "family": family, "part": manifest["part"], "content_hash": sha,
                  "verilator_version": vl_version, "abi_version": abi_version(include),
                  "library": library, "bitstream": name + ".bit", "hwh": name + ".hwh",
                  "tool_version": TOOL_VERSION, "trace": trace, "build_key": build_key,
                  # The server runs the PL after a read only when busy may miss something.
                  "busy_complete": missing == []}
    if base is not None:
        descriptor["base_parameter"] = base
    bitstream = manifest.get("vivado_bitstream")
    if isinstance(bitstream, dict) and bitstream.get("sha256"):
        # The server loads this package when a client programs the user's own Vivado .bit
        # (or the .bin made of it): the file's and its configuration data's SHA-256.
        descriptor["vivado_bitstreams"] = [{k: bitstream[k] for k in
                                            ("sha256", "data_sha256", "part", "design")
                                            if k in bitstream}]
    write_atomic(descriptor_path, json.dumps(descriptor, indent=2, sort_keys=True) + "\n")
    write_depfile(args, manifest, design_dir, manifest_path, descriptor_path)
    print("pynq-remote-design: wrote %s" % out_dir)
    if missing:
        print("pynq-remote-design: note: %s ha%s no busy output, so the board keeps clocking the "
              "PL for a while after every access (rtl/ip/README.md, \"busy\")" %
              (", ".join(missing), "s" if len(missing) == 1 else "ve"))
    return 0


def probe(cxx, include, work, lib, manifest, base):
    """Loads the library as the server will and reads once at every instance's base: the RTL
    must answer where the manifest says it sits (anything but DECERR). Catches a hand-written
    top whose hard-coded decode disagrees with the manifest, and a library that cannot load."""
    exe = os.path.join(work, "package_probe")
    rc, text = run([cxx, "-std=c++17", "-O1", "-I" + include,
                    os.path.join(TOOLS_DIR, "package_probe.cc"), "-o", exe, "-ldl"],
                   "the C++ compiler")
    if rc:
        raise BuildError("compiling the package probe failed:\n%s" % text.strip()[-2000:])
    bases = [inst["base"] for inst in slaves(manifest)]
    rc, text = run([exe, lib] + bases, "the package probe")
    answers = dict(line.split() for line in text.splitlines() if line.startswith("0x"))
    if rc == 2 or (bases and not answers):
        raise BuildError("the built library does not load: %s" % text.strip())
    wrong = []
    for inst in slaves(manifest):
        got = answers.get("0x%08X" % int(inst["base"], 16))
        if got in ("3", "none"):
            wrong.append("%s at %s: %s" % (inst["name"], inst["base"],
                                            "DECERR" if got == "3" else "no answer"))
    if wrong:
        hint = ("the top has a BASE parameter, set to %s" % base if base else
                "a hand-written top without a BASE parameter must decode the manifest's "
                "addresses itself; give it a 'parameter [31:0] BASE' and decode relative to it"
                if manifest.get("format", 1) < 2 else "the generated top decodes the manifest")
        raise BuildError("the RTL does not answer where the manifest says it sits (%s): %s" %
                         ("; ".join(wrong), hint))


def binding(top_file, manifest, design_dir, top, prefix, family, gen):
    """(#include line, model type) of the C++ glue around the model: the pin binding
    gen_binding.py generates for the top."""
    script = os.path.join(TOOLS_DIR, "gen_binding.py")
    top_path = top_file or has_module(
        [gen_top.source_path(design_dir, s) for s in manifest["sources"]], top)
    out = os.path.join(gen, prefix + "_binding.h")
    cmd = [sys.executable, script, "--top-file", top_path, "--top", top, "--prefix", prefix,
           "--family", family, "--out", out]
    masters = manifest.get("masters") or []
    if masters and isinstance(masters[0], dict) and masters[0].get("ps_port"):
        cmd += ["--legacy-port", masters[0]["ps_port"]]
    rc, text = run(cmd, "gen_binding.py")
    if rc:
        raise BuildError("the top's ports break the shell convention (rtl/README.md):\n%s" %
                         text.strip())
    return ('#include "%s_binding.h"' % prefix,
            "VerilatedDesign<%s, sim::Binding_%s>" % (prefix, prefix[1:]))


def write_depfile(args, manifest, design_dir, manifest_path, descriptor_path):
    """A Makefile-style depfile for build systems (CMake's DEPFILE): the descriptor depends on
    the manifest and every source."""
    if not args.depfile:
        return
    deps = [manifest_path] + [os.path.abspath(gen_top.source_path(design_dir, s))
                              for s in manifest["sources"] + ([manifest["hwh_file"]]
                                                              if manifest.get("hwh_file")
                                                              else [])]
    esc = [d.replace(" ", "\\ ") for d in deps]
    write_atomic(os.path.abspath(args.depfile),
                 "%s: %s\n" % (descriptor_path.replace(" ", "\\ "), " \\\n  ".join(esc)))


def import_command(args):
    """pynq-remote-design import: the .hwh -> OUT/<name>/manifest.json, then build it."""
    import hwh_reader
    import import_design
    try:
        hwh = hwh_reader.read(args.hwh)
    except hwh_reader.HwhError as e:
        raise BuildError(str(e)) from None
    name = args.name or os.path.splitext(os.path.basename(args.hwh))[0]
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        raise BuildError("%s: the design name %r (the .hwh's file name) is not an identifier; "
                         "give --name NAME" % (args.hwh, name))
    maps = {}
    for item in args.map or []:
        inst, sep, module = item.partition("=")
        if not sep or not inst or not module:
            raise BuildError("--map %s: expected INSTANCE=MODULE" % item)
        maps[inst] = module
    try:
        lib = import_design.collect_rtl(args.rtl or [])
        manifest = import_design.import_manifest(hwh, lib, name, board=args.board, maps=maps,
                                                 stand_in=args.stand_in)
        bit = None
        if args.bit:
            bit = import_design.read_bit(args.bit)
            import_design.check_bit_part(bit, boards_of(manifest))
        for w in manifest.get("_warnings", []):
            print("pynq-remote-design: warning: %s" % w, file=sys.stderr)
        for n in manifest.get("_notes", []):
            print("pynq-remote-design: note: %s" % n, file=sys.stderr)
        path = import_design.write_package(hwh, manifest, args.out, bit, lib)
    except import_design.hls_rtl.RtlError as e:
        raise BuildError("%s: %s" % (args.hwh, e)) from None
    except import_design.DesignImportError as e:
        raise BuildError(str(e)) from None
    print("pynq-remote-design: wrote %s" % path, flush=True)
    args.manifest = path
    return build(args)


def boards_of(manifest):
    return gen_design.boards.get(manifest["board_name"])


def main(argv):
    parser = argparse.ArgumentParser(prog="pynq-remote-design",
                                     description="Build design packages for pynq-remote-server "
                                     "(--backend sim --designs DIR).")
    parser.add_argument("--version", action="version", version="pynq-remote-design " +
                        TOOL_VERSION)
    sub = parser.add_subparsers(dest="command")
    b = sub.add_parser("build", help="Verilate and compile a design into OUT/<name>/")
    b.add_argument("--manifest", required=True, help="the design's manifest.json")
    b.add_argument("--out", required=True, help="the package goes to OUT/<name>/")
    b.add_argument("--work", help="intermediate files (default OUT/.work/<name>)")
    b.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1,
                   help="parallel compile jobs (default: the number of CPUs)")
    b.add_argument("--no-trace", action="store_true",
                   help="leave waveform support out (a smaller, faster-building library)")
    b.add_argument("--cxx", help="the C++ compiler (default $CXX, else c++)")
    b.add_argument("--depfile", help="also write a Makefile-style depfile (for CMake)")
    b.add_argument("--threads", type=int, default=1,
                   help="Verilator --threads N: each cycle's evaluation split over N threads "
                   "(default 1; a small design runs far slower threaded, rtl/README.md)")
    i = sub.add_parser("import", help="a Vivado block design (.hwh) -> OUT/<name>/, built")
    i.add_argument("--hwh", required=True, help="the .hwh Vivado wrote for the block design")
    i.add_argument("--bit", help="the Vivado .bit of the design: clients programming it (or "
                   "its .bin) get the simulated design")
    i.add_argument("--rtl", action="append", help="Verilog of user/HLS IP: a folder (searched "
                   "recursively) or a file; repeatable")
    i.add_argument("--name", help="the design's name (default: the .hwh's file name)")
    i.add_argument("--board", help="the board profile (default: the .hwh's board or part)")
    i.add_argument("--map", action="append", metavar="INSTANCE=MODULE",
                   help="bind an instance to a Verilog module of another name; repeatable")
    i.add_argument("--stand-in", action="store_true",
                   help="an addressed IP with no model becomes a register file")
    i.add_argument("--out", required=True, help="the package goes to OUT/<name>/")
    i.add_argument("--work", help="intermediate files (default OUT/.work/<name>)")
    i.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1)
    i.add_argument("--no-trace", action="store_true")
    i.add_argument("--cxx", help="the C++ compiler (default $CXX, else c++)")
    i.add_argument("--depfile", help="also write a Makefile-style depfile (for CMake)")
    args = parser.parse_args(argv)
    if args.command == "import":
        if args.jobs < 1:
            parser.error("-j wants a positive number")
        try:
            return import_command(args)
        except (BuildError, gen_top.DesignError, OSError) as e:
            where = getattr(args, "manifest", None)  # set once the manifest is written
            print("pynq-remote-design: %s%s" % (where + ": " if where else "", e),
                  file=sys.stderr)
            return 1
    if args.command != "build":
        parser.print_help(sys.stderr)
        return 2
    if args.jobs < 1:
        parser.error("-j wants a positive number")
    try:
        return build(args)
    except (BuildError, gen_top.DesignError) as e:
        print("pynq-remote-design: %s: %s" % (args.manifest, e), file=sys.stderr)
        return 1
    except OSError as e:
        print("pynq-remote-design: %s: %s" % (args.manifest, e), file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
