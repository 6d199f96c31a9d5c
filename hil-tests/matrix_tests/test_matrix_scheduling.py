"""matrix_scheduling.ChunkScheduling on its own, with stand-in xdist worker nodes: what it
deals, when, and that it ends. The matrix runs it for real in test_matrix.py."""

import os
import sys

import pytest

pytest.importorskip("xdist")
sys.path.insert(0, os.path.normpath(os.path.join(os.path.dirname(__file__), "..")))
import matrix_scheduling  # noqa: E402


class Config:
    def __init__(self, workers, dist="load"):
        self.values = {"tx": [f"{workers}*popen"], "dist": dist}

    def getvalue(self, name):
        return self.values[name]


class Gateway:
    def __init__(self, name):
        self.id = name


class Node:
    def __init__(self, name):
        self.gateway = Gateway(name)
        self.dealt = []
        self.shutting_down = False

    def send_runtest_some(self, indices):
        self.dealt.append(list(indices))

    def shutdown(self):
        self.shutting_down = True


def start(workers, tests):
    sched = matrix_scheduling.ChunkScheduling(Config(workers))
    nodes = [Node(f"gw{i}") for i in range(workers)]
    collection = [f"test_{i}" for i in range(tests)]
    for node in nodes:
        sched.add_node(node)
        sched.add_node_collection(node, collection)
    sched.schedule()
    return sched, nodes


def run_one(sched, node):
    """The node finishes the first test it holds."""
    sched.mark_test_complete(node, sched.node2pending[node][0])


def test_first_deal_is_a_chunk_each_in_suite_order():
    sched, (a, b) = start(2, 100)
    assert a.dealt == [[0, 1]] and b.dealt == [[2, 3]]
    assert sched.pending[0] == 4


def test_a_worker_is_topped_up_when_one_test_is_left_and_not_before():
    sched, (a, b) = start(2, 100)
    run_one(sched, a)  # one left on a: it gets the next chunk
    assert a.dealt[-1] == [4, 5] and sched.node2pending[a] == [1, 4, 5]
    run_one(sched, a)  # two left: nothing yet
    assert len(a.dealt) == 2


def test_a_slow_worker_holds_at_most_a_chunk_ahead_while_a_fast_one_takes_the_rest():
    sched, (slow, fast) = start(2, 50)
    while not fast.shutting_down:
        run_one(sched, fast)
    # The slow worker never ran a test: all it holds is its first chunk.
    assert sched.node2pending[slow] == [0, 1]
    assert sum(len(d) for d in fast.dealt) == 48
    assert sched.tests_finished is False


def test_every_test_is_dealt_once_and_both_workers_end():
    sched, nodes = start(2, 37)
    turn = 0
    while sched.node2pending[nodes[0]] or sched.node2pending[nodes[1]]:
        node = nodes[turn % 2]
        if sched.node2pending[node]:
            run_one(sched, node)
        turn += 1
    dealt = sorted(i for node in nodes for d in node.dealt for i in d)
    assert dealt == list(range(37))
    assert all(node.shutting_down for node in nodes)
    assert sched.tests_finished


def test_fewer_tests_than_a_chunk_each():
    sched, (a, b) = start(2, 3)
    assert a.dealt == [[0, 1]] and b.dealt == [[2]]
    assert a.shutting_down and b.shutting_down  # nothing left to deal


def test_only_load_distribution_is_taken_over():
    assert matrix_scheduling.pytest_xdist_make_scheduler(Config(2, "loadfile"), None) is None
    assert isinstance(matrix_scheduling.pytest_xdist_make_scheduler(Config(2), None),
                      matrix_scheduling.ChunkScheduling)
