"""The policies shipped under resources/policies/ load and run without training: play, eval, export, sim2sim."""

from __future__ import annotations

import glob
import json
import os
import subprocess
import sys

import pytest

from rsl_rl.utils.checkpoints import latest_checkpoint_in, load_checkpoint

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHIPPED = sorted(d for d in glob.glob(os.path.join(ROOT, "resources", "policies", "*")) if os.path.isdir(d))
SAMPLE = os.path.join(ROOT, "resources", "motions", "sample")


def run(*args: str) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=600,
                          env=dict(os.environ, OMP_NUM_THREADS="1"))
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    return proc


@pytest.mark.parametrize("folder", SHIPPED, ids=[os.path.basename(d) for d in SHIPPED])
def test_shipped_policy_is_small_and_finite(folder: str) -> None:
    ckpt_path = latest_checkpoint_in(folder)
    assert os.path.getsize(ckpt_path) < 20e6
    ckpt = load_checkpoint(ckpt_path)  # refuses a non-finite policy
    assert "optimizer_state_dict" not in ckpt
    contract = json.load(open(os.path.join(folder, "exported", "policy.json")))
    assert contract["provenance"]["iteration"] == ckpt["iter"]
    assert os.path.exists(os.path.join(folder, "README.md"))


@pytest.mark.slow
@pytest.mark.parametrize("folder", SHIPPED, ids=[os.path.basename(d) for d in SHIPPED])
def test_shipped_policy_plays_evaluates_and_runs_in_sim2sim(folder: str, tmp_path) -> None:  # noqa: ANN001
    task = load_checkpoint(latest_checkpoint_in(folder))["config"]["task"]
    run("legged_gym/scripts/play.py", f"--task={task}", "--load_run", folder, "--headless", "--steps", "20")
    exported = os.path.join(folder, "exported")
    if task.startswith("g1_deepmimic"):
        out = tmp_path / "eval"
        run("legged_gym/scripts/eval.py", f"--task={task}", "--load_run", folder, "--out", str(out))
        report = json.load(open(out / "eval.json"))
        assert set(report["clips"]) >= {"stand"}
        run("legged_gym/scripts/sim2sim.py", "--load_model", exported, "--motion",
            os.path.join(SAMPLE, "mocap", "stand.pkl"), "--json", str(tmp_path / "s2s.json"))
        (row,) = json.load(open(tmp_path / "s2s.json"))
        assert row["clip"] == "stand"
    elif os.path.exists(os.path.join(folder, "sim2sim.json")):  # a velocity policy: it walks and turns on command
        out = tmp_path / "s2s.json"
        run("legged_gym/scripts/sim2sim.py", "--load_model", exported, "--sim_dt", "0.001", "--duration", "6",
            "--commands", "0.5,0,0", "0,0,-0.5", "--json", str(out))
        forward, turn = json.load(open(out))
        assert forward["falls"] == 0 and turn["falls"] == 0
        assert forward["forward_vel"] > 0.25, forward
        assert turn["yaw_rate"] < -0.15, turn
    else:
        run("legged_gym/scripts/sim2sim.py", "--load_model", exported, "--duration", "2")
