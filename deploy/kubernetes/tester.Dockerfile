# The tester of hil-tests/job.yaml: the board image (the server and its designs, for the tests
# that start servers of their own) plus the Python client, the hil-tests and their packages.
# Build the board image first, then this, both from the repository's root:
#   docker build -t pynq-remote-sim .
#   docker build -f deploy/kubernetes/tester.Dockerfile -t pynq-remote-tester .
# Plain Dockerfile syntax only, as the main Dockerfile (Debian's docker.io, classic builder).
FROM pynq-remote-sim:latest
USER root
SHELL ["/bin/bash", "-euo", "pipefail", "-c"]
# What the pytest suites import; all Debian's, as in ci/debian-packages.txt.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      python3-grpcio python3-protobuf python3-numpy python3-pytest python3-pil \
 && rm -rf /var/lib/apt/lists/*
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
