"""train.py end to end on the real G1 task: checkpoints, saved config, resume, clear errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TRAIN = os.path.join(ROOT, "legged_gym", "scripts", "train.py")


def run_train(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    env = dict(os.environ, OMP_NUM_THREADS="1", WANDB_MODE="disabled")
    proc = subprocess.run([sys.executable, TRAIN, *args], capture_output=True, text=True, env=env, timeout=300)
    if check and proc.returncode != 0:
        raise AssertionError(f"train.py failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return proc


def test_train_checkpoint_config_and_resume(tmp_path):
    common = ["--task=g1", "--headless", "--num_envs", "8", "--log_root", str(tmp_path), "--no_use_wandb",
              "--num_threads", "2", "--train.runner.num_steps_per_env=8"]
    run_train(*common, "--max_iterations", "2", "--run_name", "first", "--env.control.beta=0.7",
              "--train.runner.save_interval=1")
    runs = sorted(os.listdir(tmp_path / "g1"))
    assert len(runs) == 1 and runs[0].endswith("_first")
    run_dir = tmp_path / "g1" / runs[0]
    ckpts = sorted(p for p in os.listdir(run_dir) if p.startswith("model_"))
    assert "model_2.pt" in ckpts
    cfg = json.loads((run_dir / "config.json").read_text())
    assert cfg["env"]["control"]["beta"] == 0.7 and cfg["env"]["env"]["num_envs"] == 8
    assert cfg["train"]["runner"]["max_iterations"] == 2
    ckpt = torch.load(run_dir / "model_2.pt", weights_only=True)
    assert ckpt["iter"] == 2 and "optimizer_state_dict" in ckpt

    run_train(*common, "--max_iterations", "1", "--resume", "--run_name", "second")
    second = [r for r in os.listdir(tmp_path / "g1") if r.endswith("_second")]
    assert len(second) == 1
    resumed = sorted(os.listdir(tmp_path / "g1" / second[0]))
    assert "model_3.pt" in resumed, resumed  # the iteration count continues from 2


def test_unknown_task_and_bad_override_fail_clearly(tmp_path):
    proc = run_train("--task=g7", "--headless", "--log_root", str(tmp_path), check=False)
    assert proc.returncode != 0 and "unknown task 'g7'" in proc.stderr and "g1" in proc.stderr
    proc = run_train("--task=g1", "--headless", "--num_envs", "2", "--env.control.beta=high", check=False)
    assert proc.returncode != 0 and "env.control.beta" in proc.stderr and "expected float" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_resume_without_runs_is_a_clear_error(tmp_path):
    proc = run_train("--task=g1", "--headless", "--num_envs", "2", "--log_root", str(tmp_path), "--resume", check=False)
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr, proc.stderr[-2000:]
