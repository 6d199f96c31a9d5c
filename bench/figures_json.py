"""The figure files every end-to-end benchmark writes with ``--json PATH``, for
bench/results_md.py to gather into bench/RESULTS.md:

    {"script": "bench/x.py", "machine_note": "...",
     "figures": [{"name", "value", "unit", "baseline_name", "baseline", "ratio", "goal"?}],
     "samples": {"series name": [latency in us, ...]}}   (optional, for the plot)
"""

import json
import os


def write_json(path, script, figures, samples=None, machine_note=None):
    """Writes one benchmark's figures (and latency samples) to `path`."""
    data = {"script": script, "figures": figures}
    if machine_note:
        data["machine_note"] = machine_note
    if samples:
        data["samples"] = samples
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w", encoding="utf-8") as out:
        json.dump(data, out, indent=1)
