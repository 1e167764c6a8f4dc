"""Provenance: config.json and policy.json say where a run and an exported policy came from."""

from __future__ import annotations

import json
import os
import subprocess

from legged_gym.scripts.export import export
from legged_gym.scripts.train import train
from legged_gym.utils.helpers import get_args

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_config_and_policy_json_record_command_commit_and_checkpoint(tmp_path) -> None:  # noqa: ANN001
    argv = ["--task=g1", "--headless", "--num_envs", "4", "--max_iterations", "1", "--no_use_wandb", "--log_root",
            str(tmp_path), "--train.runner.num_steps_per_env=4"]
    run = train(get_args(argv))
    cfg = json.load(open(os.path.join(run, "config.json")))
    prov = cfg["provenance"]
    head = subprocess.run(["git", "-C", ROOT, "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    if head:  # a git checkout
        assert prov["commit"] == head and isinstance(prov["dirty"], bool)
        assert os.path.exists(os.path.join(run, "git_diff.patch")) == prov["dirty"]
    assert prov["versions"]["torch"] and prov["versions"]["mujoco"]
    out = tmp_path / "exported"
    export(get_args(["--task=g1", "--log_root", str(tmp_path), "--out", str(out)], extra_flags=[
        {"name": "--out", "type": str}]))
    meta = json.load(open(out / "policy.json"))["provenance"]
    assert meta["checkpoint"] == os.path.join(run, "model_1.pt") and meta["iteration"] == 1
    assert meta["trained_with"]["commit"] == prov["commit"]
    assert meta["exported_by"]["command"]
