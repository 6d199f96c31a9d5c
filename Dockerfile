# The simulated board as an image:  docker run -p 7967:7967 pynq-remote-sim
# A user's design packages:  docker run -v "$PWD/designs:/designs" -p 7967:7967 pynq-remote-sim --designs /designs
# Building them with the image: docker run --user "$(id -u):$(id -g)" -v "$PWD:/work" -w /work \
#   pynq-remote-sim pynq-remote-design build --manifest my_ip/manifest.json --out designs
# Build:  docker build -t pynq-remote-sim .
# (Where no registry is reachable, make debian:bookworm first: ci/make-base-image.sh.)
# Plain Dockerfile syntax only (no RUN --mount, no heredocs): it must build with the
# classic builder too, which is what Debian's docker.io uses.

# ---- build stage: the same scripts as CI and the README ----
FROM debian:bookworm AS build
SHELL ["/bin/bash", "-euo", "pipefail", "-c"]
WORKDIR /src

# Packages first and alone: this layer is reused until the package list changes.
COPY ci/install-deps.sh ci/debian-packages.txt ci/
RUN ci/install-deps.sh && rm -rf /var/lib/apt/lists/*

COPY . .
# Parallel compile jobs; empty means all the cores docker gives us.
ARG JOBS=
# Only the server: it depends on every design library, whose build also generates each
# design's .bit and .hwh. The tests are built and run by ci/test.sh, not in the image.
# Without XRT: a simulated board has no zocl, and the image stays free of libxrt.
RUN JOBS="${JOBS}" TARGETS="pynq-remote-server pynq-remote-health" BUILD_DIR=/src/build \
    CMAKE_ARGS=-DPYNQ_REMOTE_WITH_XRT=OFF ci/build.sh

# Stage exactly what the final image gets: the stripped server and every generated
# design's .bit and .hwh, keeping the build's designs/<name>/ layout.
RUN mkdir -p /out/designs \
 && cp build/server/pynq-remote-server build/server/pynq-remote-health /out/ \
 && strip --strip-unneeded /out/pynq-remote-server /out/pynq-remote-health \
 && shopt -s nullglob \
 && for dir in build/designs/*/; do \
      name=$(basename "${dir}"); \
      files=("${dir}"*.bit "${dir}"*.hwh); \
      if [[ ${#files[@]} -gt 0 ]]; then \
        mkdir -p "/out/designs/${name}" && cp "${files[@]}" "/out/designs/${name}/"; \
      fi; \
    done \
 && if ! compgen -G '/out/designs/*/*.bit' >/dev/null; then \
      echo 'no design .bit under build/designs: a board with nothing to load' >&2; exit 1; \
    fi \
 && ls -R /out
# The design builder (pynq-remote-design, its tools, the IP library, the board profiles and
# the headers a package's glue includes): the install component "design".
RUN cmake --install build --prefix /out/usr --component design \
 && /out/usr/bin/pynq-remote-design --help >/dev/null

# ---- final stage: runtime libraries, the server, the designs ----
FROM debian:bookworm
SHELL ["/bin/bash", "-euo", "pipefail", "-c"]

COPY ci/install-deps.sh ci/debian-runtime-packages.txt /tmp/ci/
RUN /tmp/ci/install-deps.sh -f /tmp/ci/debian-runtime-packages.txt \
 && rm -rf /var/lib/apt/lists/* /tmp/ci

COPY --from=build /out/pynq-remote-server /out/pynq-remote-health /usr/bin/
COPY --from=build /out/designs /usr/share/pynq-remote/designs
COPY --from=build /out/usr /usr
COPY deploy/docker-entrypoint.sh /usr/lib/pynq-remote/docker-entrypoint.sh

# Fail here, not at the first `docker run`, if the runtime list misses a library.
RUN if ldd /usr/bin/pynq-remote-server | grep 'not found'; then exit 1; fi \
 && pynq-remote-server --version \
 && pynq-remote-health --help >/dev/null \
 && pynq-remote-design --help >/dev/null

# A simulated board needs no privileges: run as a plain user in a directory it owns.
RUN useradd --system --home-dir /var/lib/pynq-remote --create-home pynq
USER pynq
WORKDIR /var/lib/pynq-remote

EXPOSE 7967
# The gRPC health check itself (grpc.health.v1, server/health_probe.cc): SERVING, not merely
# a port that accepts connections; NOT_SERVING once the server is stopping.
HEALTHCHECK --interval=10s --timeout=5s --start-period=10s \
  CMD ["pynq-remote-health", "--timeout-s", "3", "127.0.0.1:7967"]
# Extra server flags go after the image name: docker run ... pynq-remote-sim --deterministic;
# a command instead (pynq-remote-design build ...) runs that (deploy/docker-entrypoint.sh).
# tini as PID 1 (see ci/debian-runtime-packages.txt) so `docker stop` is immediate.
ENTRYPOINT ["tini", "--", "/usr/lib/pynq-remote/docker-entrypoint.sh"]
CMD []
