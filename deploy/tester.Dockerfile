# The tester of the Compose boards (compose/) and of the Kubernetes Job
# (kubernetes/hil-tests/job.yaml): the board image (the server and its designs, for the tests
# that start servers of their own) plus the Python client, the hil-tests and their packages.
# Build the board image first, then this, both from the repository's root:
#   docker build -t pynq-remote-sim .
#   docker build -f deploy/tester.Dockerfile -t pynq-remote-tester .
# Plain Dockerfile syntax only, as the main Dockerfile (Debian's docker.io, classic builder).
FROM pynq-remote-sim:latest
USER root
SHELL ["/bin/bash", "-euo", "pipefail", "-c"]
# What the pytest suites import; all Debian's (tester-packages.txt).
COPY ci/install-deps.sh deploy/tester-packages.txt /tmp/ci/
RUN /tmp/ci/install-deps.sh -f /tmp/ci/tester-packages.txt \
 && rm -rf /var/lib/apt/lists/* /tmp/ci
# The sources (.dockerignore keeps build trees out): the suites find the client, the fake
# board, the examples and the board profiles by their paths in the repository.
COPY . /opt/pynq-remote
ENV PYTHONPATH=/opt/pynq-remote/client/python \
    PYTHONDONTWRITEBYTECODE=1 \
    PYNQ_REMOTE_SERVER=/usr/bin/pynq-remote-server \
    PYNQ_REMOTE_DESIGNS=/usr/share/pynq-remote/designs
USER pynq
WORKDIR /opt/pynq-remote
# The Job gives the command; by hand: docker run -e PYNQ_REMOTE_DEVICES=host:7967 ...
ENTRYPOINT ["tini", "--"]
CMD ["python3", "-m", "pytest", "-p", "no:cacheprovider", "-rs", "hil-tests/python"]
