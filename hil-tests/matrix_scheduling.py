"""pytest-xdist scheduling for the matrix (``matrix.py --runner xdist`` loads it with ``-p``):
tests dealt to the boards a few at a time, in the suite's order.

xdist 3.1's ``--dist load`` (bookworm's) hands each worker a quarter of its share at the start
and, later, up to half of what is left at once. Item counts are not seconds: the suite's
test_cli is 31 of 372 tests and half of the suite's time, and the first deal gave all of it to
one board, which then finished alone (tests sum 45.6 s on one board, 32.2 s on the other).
``--dist worksteal`` (xdist 3.2) would even that out; this does it by never dealing more than
``CHUNK`` tests ahead, so a board is at most one short chunk behind the other at the end.

Consecutive tests stay together, and a worker keeps the next test it will run, so module
fixtures are set up once per worker per module as before, and pytest still knows each
test's successor for its teardown.
"""

import pytest
from xdist.scheduler import LoadScheduling

CHUNK = 2


class ChunkScheduling(LoadScheduling):
    """LoadScheduling with deals of at most CHUNK tests, each topped up when one is left."""

    def schedule(self):
        assert self.collection_is_completed
        if self.collection is not None:  # a node added later: deal to whoever is short
            for node in self.nodes:
                self.check_schedule(node)
            return
        if not self._check_nodes_have_same_collection():
            self.log("**Different tests collected, aborting run**")
            return
        self.collection = list(self.node2collection.values())[0]
        self.pending[:] = range(len(self.collection))
        for node in self.nodes:
            self._send_tests(node, CHUNK)
        if not self.pending:
            for node in self.nodes:
                node.shutdown()

    def check_schedule(self, node, duration=0):
        if node.shutting_down:
            return
        if not self.pending:
            node.shutdown()
            return
        # Two known tests let the worker run one while knowing the next (its teardown).
        if len(self.node2pending[node]) < 2:
            self._send_tests(node, CHUNK)


@pytest.hookimpl(tryfirst=True)
def pytest_xdist_make_scheduler(config, log):
    if config.getvalue("dist") != "load":
        return None
    return ChunkScheduling(config, log)
