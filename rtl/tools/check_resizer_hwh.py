#!/usr/bin/env python3
"""The resizer design's .hwh against the real Vivado file it imitates.

    check_resizer_hwh.py --client <client/python> <generated resizer.hwh> <test-data dir>

Both files go through our client's parser (pynq_remote.hwh.HwhParser); for axi_dma_0 and
resize_accel_0 the ip_dict entries must agree key by key: phys_addr, addr_range, type,
parameters (every PARAMETER, name and value) and registers (names, offsets, sizes, access,
descriptions and fields). Every difference is printed; any makes the exit status 1.

The real file is third-party data, <test-data dir>/hwh/zcu104_resizer.hwh (the build's
PYNQ_REMOTE_TESTDATA_DIR; ci/fetch-testdata.sh downloads it). Without it the check is
skipped (exit status 77, ctest's SKIP_RETURN_CODE), or fails under CI=true, where losing the
comparison must not go unnoticed.
"""
import argparse
import os
import sys

SKIP = 77
REAL = "hwh/zcu104_resizer.hwh"
REAL_SOURCE = ("Xilinx/PYNQ-HelloWorld (BSD-3-Clause) boards/ZCU104/resizer/bitstream/resizer.hwh "
               "at commit a48e7aa65121b62f90b14f9d2f87afbef97d33da")

INSTANCES = ("axi_dma_0", "resize_accel_0")
KEYS = ("phys_addr", "addr_range", "type", "parameters", "registers")


def diff(path, ours, real, out):
    """Appends "path: ..." lines for every difference between two parsed values."""
    if isinstance(ours, dict) and isinstance(real, dict):
        for key in sorted(set(ours) | set(real), key=str):
            where = "%s[%r]" % (path, key)
            if key not in real:
                out.append("%s: only in ours (%r)" % (where, ours[key]))
            elif key not in ours:
                out.append("%s: missing (real file has %r)" % (where, real[key]))
            else:
                diff(where, ours[key], real[key], out)
    elif ours != real or type(ours) is not type(real):
        out.append("%s: ours %r, real file %r" % (path, ours, real))


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--client", required=True, help="client/python directory")
    parser.add_argument("generated")
    parser.add_argument("testdata", help="the test-data directory (PYNQ_REMOTE_TESTDATA_DIR)")
    args = parser.parse_args(argv)
    if not os.path.isfile(args.generated):
        print("FAIL: generated .hwh %s does not exist (build the resizer design first)"
              % args.generated)
        return 1
    args.real = os.path.join(args.testdata, REAL)
    if not os.path.isfile(args.real):
        reason = ("third-party test data %s is not in %s (PYNQ_REMOTE_TESTDATA_DIR): it is %s; "
                  "run ci/fetch-testdata.sh DIR and configure with PYNQ_REMOTE_TESTDATA_DIR=DIR"
                  % (REAL, args.testdata, REAL_SOURCE))
        if os.environ.get("CI", "").strip().lower() == "true":
            print("FAIL: CI=true: " + reason)
            return 1
        print("SKIP: " + reason)
        return SKIP
    sys.path.insert(0, args.client)
    from pynq_remote.hwh import HwhParser

    ours, real = HwhParser(path=args.generated).ip_dict, HwhParser(path=args.real).ip_dict
    problems = []
    for name in INSTANCES:
        if name not in real:
            problems.append("%s: not in the real file's ip_dict (%s)" % (name, sorted(real)))
            continue
        if name not in ours:
            problems.append("%s: not in our ip_dict (%s)" % (name, sorted(ours)))
            continue
        for key in KEYS:
            diff("%s.%s" % (name, key), ours[name].get(key), real[name].get(key), problems)
        print("%s: %d parameters, %d registers compared" % (
            name, len(real[name]["parameters"]), len(real[name]["registers"])))
    for line in problems:
        print("DIFF " + line)
    if problems:
        print("FAIL: %d difference(s) between %s and %s" % (len(problems), args.generated,
                                                            args.real))
        return 1
    print("OK: %s matches %s for %s" % (args.generated, args.real, ", ".join(INSTANCES)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
