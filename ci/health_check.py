#!/usr/bin/python3
"""Ask a pynq-remote server the standard gRPC health check (grpc.health.v1).

Used by ci/demo.sh and ci/bench.sh to wait for a server they started, and by
hand: ``/usr/bin/python3 ci/health_check.py 127.0.0.1:7967``.

Debian's python3-grpcio ships no ``grpc_health`` module, so the call is made
with raw bytes: an empty HealthCheckRequest (service "", the whole server)
serialises to b"", and the reply is field 1, a varint status.

Exit status: 0 SERVING, 1 anything else once ``--wait`` seconds have passed.
"""

import argparse
import sys
import time

import grpc

_METHOD = "/grpc.health.v1.Health/Check"
_STATUS_NAMES = {0: "UNKNOWN", 1: "SERVING", 2: "NOT_SERVING", 3: "SERVICE_UNKNOWN"}


def _decode_status(reply):
    """Return the status field of a serialised HealthCheckResponse (0 when absent)."""
    # Field 1, wire type 0 (varint): tag byte 0x08; statuses are < 128, one byte.
    if len(reply) >= 2 and reply[0] == 0x08:
        return reply[1]
    return 0


def check(target, wait_s):
    """Poll ``target`` until it reports SERVING or ``wait_s`` seconds pass.

    Returns
    -------
    tuple of (bool, str)
        Whether the server is SERVING, and what was last seen.
    """
    deadline = time.monotonic() + wait_s
    last = "no answer"
    with grpc.insecure_channel(target) as channel:
        # No serializers: the stub takes and returns bytes.
        call = channel.unary_unary(_METHOD)
        while True:
            remaining = deadline - time.monotonic()
            try:
                reply = call(b"", timeout=max(1.0, min(5.0, remaining)), wait_for_ready=True)
                status = _decode_status(reply)
                last = _STATUS_NAMES.get(status, str(status))
                if status == 1:
                    return True, last
            except grpc.RpcError as err:
                last = "%s: %s" % (err.code().name, err.details())
                if err.code() == grpc.StatusCode.UNIMPLEMENTED:
                    # The server is up but has no health service: waiting won't help.
                    return False, last + " (health service not registered)"
            if time.monotonic() >= deadline:
                return False, last
            time.sleep(0.2)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("target", nargs="?", default="127.0.0.1:7967", help="HOST:PORT")
    parser.add_argument("--wait", type=float, default=0.0,
                        help="keep asking for this many seconds (default: ask once)")
    args = parser.parse_args()
    ok, seen = check(args.target, args.wait)
    print("health %s: %s" % (args.target, seen))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
