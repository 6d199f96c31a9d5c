"""The shipped examples run as users run them: the resizer script, the resizer notebook's
code cells in order, and the reference-design demo, against the board under test."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
from PIL import Image

from conftest import budget
from resize_model import resize_fixed

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
CLIENT = Path(__file__).resolve().parents[2] / "client" / "python"


def run_example(args, board_address, designs):
    env = dict(os.environ, PYNQ_REMOTE_DEVICES=board_address, PYNQ_REMOTE_DESIGNS=designs,
               PYTHONPATH=str(CLIENT))
    return subprocess.run([sys.executable, *args], env=env, capture_output=True, text=True,
                          timeout=budget(300), cwd=EXAMPLES)


def test_resizer_script_writes_the_resized_png(board_address, designs, tmp_path):
    out = tmp_path / "resized.png"
    result = run_example(["resizer.py", "--out", str(out)], board_address, designs)
    assert result.returncode == 0, result.stderr
    assert "resized to 320x180 in the PL" in result.stdout
    scene = np.array(Image.open(EXAMPLES / "images" / "test_scene.png").convert("RGB"))
    assert np.array_equal(np.array(Image.open(out)), resize_fixed(scene, 180, 320))


def test_resizer_notebook_cells_run_in_order(board_address, device, designs, monkeypatch):
    monkeypatch.chdir(EXAMPLES)
    monkeypatch.setenv("PYNQ_REMOTE_DESIGNS", designs)
    # The notebook sets PYNQ_REMOTE_DEVICES in os.environ; monkeypatch takes it back after,
    # or every later test would think it runs against a named board and skip.
    monkeypatch.setenv("PYNQ_REMOTE_DEVICES", board_address)
    notebook = json.loads((EXAMPLES / "resizer.ipynb").read_text())
    env = {}
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code":
            source = "".join(cell["source"]).replace("%time run_kernel()", "run_kernel()")
            exec(compile(source, "resizer.ipynb", "exec"), env)
    assert env["resized_image"].size == (320, 180)
    assert env["resize_design"].device is device


def test_reference_design_demo(board_address, designs):
    result = run_example(["demo.py"], board_address, designs)
    assert result.returncode == 0, result.stderr
    assert "demo: every result matched" in result.stdout
