#!/usr/bin/python3
"""Checks the GitHub workflows: each parses as YAML and has the shape of a workflow, and the
nightly board run (nightly-boards.yml) keeps what makes it work: a schedule and a dispatch
with a board input, a fail-fast-free matrix of boards on self-hosted runners labelled with
the board, a timeout, a check of PYNQ_REMOTE_DEVICES, the hil label run with JUnit output,
and the artifacts uploaded whatever happened. Its labgrid job (runs-on a `labgrid` runner:
deploy/labgrid) reserves and acquires its place, runs the suite with --lg-env on an
environment that exists, and releases the place whatever happened. A typo there fails CI,
not a night. The matrix example (matrix.yml) keeps its board services (named board-N, each
with the image's gRPC health probe as its health command), a tester that names every one of
them to hil-tests/matrix.py, and its results uploaded whatever happened.

Usage: check_workflows.py WORKFLOWS_DIR. Exit 0 when all hold, 1 with what is wrong.
"""

import glob
import json
import os
import re
import sys

try:
    import yaml
except ImportError:
    print("FAIL: python3-yaml is missing (apt-get install python3-yaml; it is in "
          "ci/debian-packages.txt)")
    sys.exit(1)

NIGHTLY = "nightly-boards.yml"
MATRIX = "matrix.yml"


def triggers(workflow):
    """The ``on:`` mapping. YAML 1.1 (PyYAML) reads the bare key ``on`` as True."""
    on = workflow.get("on", workflow.get(True))
    if isinstance(on, str):
        return {on: None}
    if isinstance(on, list):
        return {name: None for name in on}
    return on or {}


def check_shape(path, workflow):
    problems = []
    if not isinstance(workflow, dict):
        return [f"{path}: not a mapping at the top"]
    if not triggers(workflow):
        problems.append(f"{path}: no 'on:' triggers")
    jobs = workflow.get("jobs")
    if not isinstance(jobs, dict) or not jobs:
        return problems + [f"{path}: no jobs"]
    for name, job in jobs.items():
        if not isinstance(job, dict):
            problems.append(f"{path}: job {name} is not a mapping")
        elif "uses" not in job and ("runs-on" not in job or not job.get("steps")):
            problems.append(f"{path}: job {name} needs runs-on and steps")
        else:
            for index, step in enumerate(job.get("steps") or []):
                if not isinstance(step, dict) or not ("run" in step or "uses" in step):
                    problems.append(f"{path}: job {name} step {index + 1} has no run or uses")
    return problems


def matrix_boards(matrix_value):
    """The boards of the matrix: a list, or the JSON lists inside a fromJSON expression."""
    if isinstance(matrix_value, list):
        return [matrix_value]
    return [json.loads(text) for text in re.findall(r"'(\[[^']*\])'", str(matrix_value))]


def check_nightly(path, workflow):
    problems = []
    on = triggers(workflow)
    crons = [entry.get("cron", "") for entry in on.get("schedule") or []
             if isinstance(entry, dict)]
    if not crons or not all(len(cron.split()) == 5 for cron in crons):
        problems.append(f"{path}: want 'schedule: - cron: \"M H * * *\"', found {crons}")
    if "workflow_dispatch" not in on:
        problems.append(f"{path}: no workflow_dispatch trigger")
    inputs = ((on.get("workflow_dispatch") or {}).get("inputs") or {})
    board_input = inputs.get("board")
    if not board_input:
        return problems + [f"{path}: workflow_dispatch has no 'board' input"]
    choices = [c for c in board_input.get("options", []) if c != "all"]

    board_jobs = []
    for name, job in (workflow.get("jobs") or {}).items():
        runs_on = job.get("runs-on")
        if isinstance(runs_on, list) and "labgrid" in runs_on:
            problems += check_labgrid_job(path, name, job)
        elif isinstance(runs_on, list) and "self-hosted" in runs_on:
            board_jobs.append((name, job))
            if "${{ matrix.board }}" not in runs_on:
                problems.append(f"{path}: job {name} runs-on {runs_on}: want the board's "
                                "label, '${{ matrix.board }}', beside self-hosted")
    if not board_jobs:
        return problems + [f"{path}: no job runs-on [self-hosted, '${{{{ matrix.board }}}}']"]

    for name, job in board_jobs:
        where = f"{path}: job {name}"
        strategy = job.get("strategy") or {}
        if strategy.get("fail-fast") is not False:
            problems.append(f"{where}: want strategy.fail-fast: false (one board's failure "
                            "must not cancel the others)")
        lists = matrix_boards((strategy.get("matrix") or {}).get("board"))
        if not lists or not all(lists[-1]):
            problems.append(f"{where}: no list of boards in strategy.matrix.board")
        elif sorted(lists[-1]) != sorted(choices):
            problems.append(f"{where}: the matrix's boards {lists[-1]} differ from the "
                            f"dispatch input's choices {choices}")
        if not isinstance(job.get("timeout-minutes"), int):
            problems.append(f"{where}: no timeout-minutes")
        steps = job.get("steps") or []
        runs = "\n".join(str(step.get("run", "")) for step in steps)
        uses = [str(step.get("uses", "")) for step in steps]
        if not re.search(r"-z \"?\$\{?PYNQ_REMOTE_DEVICES", runs):
            problems.append(f"{where}: no step fails when PYNQ_REMOTE_DEVICES is unset")
        if "export PYNQ_REMOTE_DEVICES" not in runs:
            problems.append(f"{where}: PYNQ_REMOTE_DEVICES is not exported to ctest")
        for needed in ("ci/install-deps.sh", "ci/build.sh"):
            if needed not in runs:
                problems.append(f"{where}: does not run {needed}")
        if not re.search(r"ctest --test-dir build -L hil\b", runs):
            problems.append(f"{where}: does not run 'ctest --test-dir build -L hil'")
        if "--output-junit" not in runs:
            problems.append(f"{where}: ctest writes no JUnit results (--output-junit)")
        if not any(u.startswith("actions/checkout@") for u in uses):
            problems.append(f"{where}: no actions/checkout step")
        problems += check_uploads_always(where, steps, "a failed run's log")
    return problems


def check_uploads_always(where, steps, needed):
    """The job uploads its results however it ended: `needed` is what a failure leaves."""
    uploads = [step for step in steps
               if str(step.get("uses", "")).startswith("actions/upload-artifact@")]
    if uploads and all(str(step.get("if", "")).startswith("always()") for step in uploads):
        return []
    return [f"{where}: want an actions/upload-artifact step with 'if: always()' ({needed} is "
            "the one needed)"]


def check_labgrid_job(path, name, job):
    """A job on a lab's boards through labgrid's coordinator (deploy/labgrid/README.md)."""
    where = f"{path}: job {name}"
    problems = []
    strategy = job.get("strategy") or {}
    if strategy.get("fail-fast") is not False:
        problems.append(f"{where}: want strategy.fail-fast: false")
    if "place" not in (strategy.get("matrix") or {}):
        problems.append(f"{where}: no strategy.matrix.place")
    if not isinstance(job.get("timeout-minutes"), int):
        problems.append(f"{where}: no timeout-minutes")
    steps = job.get("steps") or []
    runs = [str(step.get("run", "")) for step in steps]

    def first(pattern):
        return next((i for i, run in enumerate(runs) if re.search(pattern, run)), None)

    reserve, acquire = first(r"labgrid-client reserve --wait"), first(r"labgrid-client .*acquire")
    suite = first(r"pytest .*--lg-env|--lg-env")
    release = first(r"labgrid-client .*release")
    for what, index in (("reserves a place (labgrid-client reserve --wait)", reserve),
                        ("acquires it (labgrid-client ... acquire)", acquire),
                        ("runs the suite with pytest --lg-env", suite),
                        ("releases the place (labgrid-client ... release)", release)):
        if index is None:
            problems.append(f"{where}: no step {what}")
    if None not in (reserve, acquire, suite, release):
        if not reserve <= acquire < suite < release:
            problems.append(f"{where}: want reserve, acquire, the suite, release, in order")
        if not str(steps[release].get("if", "")).startswith("always()"):
            problems.append(f"{where}: the release step wants 'if: always()' (a failed run "
                            "must not leave the place acquired)")
        if "cancel-reservation" not in runs[release]:
            problems.append(f"{where}: the release step does not cancel the reservation")
    repo = os.path.normpath(os.path.join(os.path.dirname(path), "..", ".."))
    for env_file in re.findall(r"--lg-env[ =](\S+)", "\n".join(runs)):
        if not os.path.isfile(os.path.join(repo, env_file)):
            problems.append(f"{where}: --lg-env {env_file}: no such file in the repository")
    return problems


def check_matrix(path, workflow):
    problems = []
    jobs = [(name, job) for name, job in (workflow.get("jobs") or {}).items()
            if isinstance(job, dict) and job.get("services")]
    if not jobs:
        return [f"{path}: no job with services (the boards as service containers)"]
    for name, job in jobs:
        where = f"{path}: job {name}"
        boards = {service: spec for service, spec in job["services"].items()
                  if re.fullmatch(r"board-\d+", service)}
        if len(boards) < 2:
            problems.append(f"{where}: want services board-0, board-1, ... (found "
                            f"{sorted(job['services'])})")
        for service, spec in boards.items():
            options = str((spec or {}).get("options", ""))
            if not re.search(r"--health-cmd\s+\"?pynq-remote-health\b", options):
                problems.append(f"{where}: service {service} has no --health-cmd "
                                "\"pynq-remote-health ...\" in its options (steps would "
                                "start before the board serves)")
            if not (spec or {}).get("image"):
                problems.append(f"{where}: service {service} has no image")
        steps = job.get("steps") or []
        runs = "\n".join(str(step.get("run", "")) for step in steps)
        text = runs + "\n" + json.dumps(job.get("env") or {})
        if not re.search(r"hil-tests/matrix\.py\s+--boards", runs):
            problems.append(f"{where}: no step runs 'hil-tests/matrix.py --boards ...'")
        for service in boards:
            if f"{service}:7967" not in text:
                problems.append(f"{where}: the matrix is not given {service}:7967")
        if not re.search(r"--runner\s[^\n]*(serial|xdist)", runs):
            problems.append(f"{where}: matrix.py without --runner serial or xdist")
        problems += check_uploads_always(where, steps, "the failed board's JUnit XML")
    return problems


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    directory = sys.argv[1]
    paths = sorted(glob.glob(os.path.join(directory, "*.yml")) +
                   glob.glob(os.path.join(directory, "*.yaml")))
    problems = []
    if not any(os.path.basename(path) == NIGHTLY for path in paths):
        problems.append(f"{directory}/{NIGHTLY} is missing")
    for path in paths:
        try:
            with open(path) as f:
                workflow = yaml.safe_load(f)
        except yaml.YAMLError as e:
            problems.append(f"{path}: not valid YAML: {e}")
            continue
        problems += check_shape(path, workflow)
        if os.path.basename(path) == NIGHTLY and isinstance(workflow, dict):
            problems += check_nightly(path, workflow)
        if os.path.basename(path) == MATRIX and isinstance(workflow, dict):
            problems += check_matrix(path, workflow)
    if problems:
        print("FAIL:\n" + "\n".join(problems))
        return 1
    print(f"{len(paths)} workflows check out: {', '.join(map(os.path.basename, paths))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
