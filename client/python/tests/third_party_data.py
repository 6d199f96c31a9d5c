"""Third-party files the tests compare against: real Vivado output that this repository does
not carry. They live in one directory, PYNQ_REMOTE_TESTDATA_DIR (ctest sets it from the
CMake cache variable of the same name; default ../shared/testdata beside the checkout), and
ci/fetch-testdata.sh downloads them there.

A test that needs a missing file skips, naming the file and where it comes from; under
CI=true it fails instead, so that CI never loses the comparison quietly. The hil-tests use
this module too.
"""

import os
from pathlib import Path

import pytest

_REPO = Path(__file__).resolve().parents[3]

# relative path -> where it comes from (ci/fetch-testdata.sh pins the same commit and sha256).
SOURCES = {
    "hwh/zcu104_resizer.hwh":
        "Xilinx/PYNQ-HelloWorld (BSD-3-Clause) boards/ZCU104/resizer/bitstream/resizer.hwh at "
        "commit a48e7aa65121b62f90b14f9d2f87afbef97d33da (Vivado 2019.1)",
}


def testdata_dir():
    """PYNQ_REMOTE_TESTDATA_DIR, else ../shared/testdata beside the checkout."""
    named = os.environ.get("PYNQ_REMOTE_TESTDATA_DIR", "").strip()
    return Path(named) if named else _REPO.parent / "shared" / "testdata"


def in_ci():
    """True under CI=true, as GitHub Actions and most CI systems set it."""
    return os.environ.get("CI", "").strip().lower() == "true"


def missing_reason(relpath):
    """Why a test cannot run without ``relpath``: what it is, where it is looked for, where it
    comes from and how to get it."""
    source = SOURCES.get(relpath, "unknown source")
    return (f"third-party test data {relpath} is not in {testdata_dir()} "
            f"(PYNQ_REMOTE_TESTDATA_DIR): it is {source}; run ci/fetch-testdata.sh DIR and set "
            "PYNQ_REMOTE_TESTDATA_DIR=DIR")


def third_party_file(relpath):
    """The path of ``relpath`` in the test-data directory; skips the calling test when it is
    absent, or fails it under CI=true."""
    path = testdata_dir() / relpath
    if path.is_file():
        return path
    reason = missing_reason(relpath)
    if in_ci():
        pytest.fail(f"CI=true: {reason}", pytrace=False)
    pytest.skip(reason)
