#!/usr/bin/python3
"""pynq-remote-health against real servers: SERVING over TCP, a unix socket and TLS exits 0;
an unknown service, no server and a TLS server asked in plain text exit 1 with a message that
names the address; usage errors exit 2.

Usage: check_health_probe.py --probe pynq-remote-health --server pynq-remote-server
"""

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, binary, listen, *flags):
        self.root = tempfile.TemporaryDirectory(prefix="health-probe-root-")
        self.proc = subprocess.Popen(
            [binary, "--listen", listen, "--root", self.root.name, "--log-level", "warn",
             *flags], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for line in self.proc.stdout:
            if "listening" in line:
                return
        raise RuntimeError(f"{binary} did not start on {listen}")

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=30)
        self.root.cleanup()


def probe(binary, *args):
    done = subprocess.run([binary, *args], capture_output=True, text=True, timeout=60)
    return done.returncode, done.stdout + done.stderr


def expect(failures, what, result, code, *texts):
    rc, output = result
    missing = [t for t in texts if t not in output]
    if rc != code or missing:
        failures.append(f"{what}: exit {rc} (want {code}), output {output!r}"
                        + (f" lacks {missing}" if missing else ""))
    else:
        print(f"ok: {what}: exit {rc}")


def make_certificate(directory):
    key, cert = os.path.join(directory, "key.pem"), os.path.join(directory, "cert.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", cert,
                    "-days", "1", "-subj", "/CN=board.test",
                    "-addext", "subjectAltName=DNS:board.test"],
                   check=True, capture_output=True)
    return cert, key


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--probe", required=True)
    parser.add_argument("--server", required=True)
    args = parser.parse_args()
    failures = []

    address = f"127.0.0.1:{free_port()}"
    server = Server(args.server, address)
    try:
        expect(failures, "a running server", probe(args.probe, address), 0, "SERVING")
        expect(failures, "an unknown service", probe(args.probe, address, "--service", "nope"),
               1, "nope")
    finally:
        server.stop()
    # The port is free again: nothing answers there.
    expect(failures, "no server", probe(args.probe, address, "--timeout-s", "0.5"), 1,
           address, "is it running")

    with tempfile.TemporaryDirectory(prefix="health-probe-") as tmp:
        sock = os.path.join(tmp, "board.sock")
        server = Server(args.server, f"unix:{sock}")
        try:
            expect(failures, "a unix socket", probe(args.probe, f"unix:{sock}"), 0, "SERVING")
        finally:
            server.stop()

        cert, key = make_certificate(tmp)
        address = f"127.0.0.1:{free_port()}"
        server = Server(args.server, address, "--tls-cert", cert, "--tls-key", key)
        try:
            expect(failures, "TLS", probe(args.probe, address, "--tls-ca", cert, "--tls-name",
                                          "board.test"), 0, "SERVING")
            expect(failures, "a TLS server asked in plain text",
                   probe(args.probe, address, "--timeout-s", "1"), 1, address, "--tls-ca")
        finally:
            server.stop()
        expect(failures, "an unreadable CA", probe(args.probe, "--tls-ca",
                                                   os.path.join(tmp, "missing.pem")),
               2, "missing.pem")

    expect(failures, "a bad timeout", probe(args.probe, "--timeout-s", "soon"), 2, "soon")
    expect(failures, "an unknown flag", probe(args.probe, "--colour"), 2, "--colour")
    expect(failures, "two servers", probe(args.probe, "a:1", "b:2"), 2, "one server only")
    expect(failures, "--tls-name alone", probe(args.probe, "--tls-name", "x"), 2, "--tls-ca")
    expect(failures, "--help", probe(args.probe, "--help"), 0, "exit status")

    for failure in failures:
        print("FAILED:", failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
