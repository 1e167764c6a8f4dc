"""export.py on a real training run: TorchScript, ONNX and policy.json that describe the policy's contract."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import onnxruntime as ort
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPTS = os.path.join(ROOT, "legged_gym", "scripts")


def run(script: str, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, OMP_NUM_THREADS="1", WANDB_MODE="disabled")
    proc = subprocess.run([sys.executable, os.path.join(SCRIPTS, script), *args], capture_output=True, text=True,
                          env=env, timeout=400, cwd=ROOT)
    assert proc.returncode == 0, f"{script} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}"
    return proc


def test_export_writes_a_self_describing_policy(tmp_path):
    common = ["--task=g1", "--headless", "--log_root", str(tmp_path), "--num_threads", "1"]
    run("train.py", *common, "--num_envs", "4", "--max_iterations", "1", "--train.runner.num_steps_per_env=4",
        "--no_use_wandb")
    proc = run("export.py", *common)
    assert "ONNX max |diff|" in proc.stdout
    (run_dir,) = os.listdir(tmp_path / "g1")
    out = tmp_path / "g1" / run_dir / "exported"
    meta = json.loads((out / "policy.json").read_text())
    text = json.dumps(meta)
    for field in ("joint_names", "default_joint_pos", "kp", "kd", "action_scale", "decimation", "observations"):
        assert field in text, field
    env_meta = meta.get("env", meta)
    assert env_meta["joint_names"][0] == "left_hip_pitch_joint" and len(env_meta["joint_names"]) == 12
    assert len(env_meta["held_joints"]["joint_names"]) == 11  # waist and arms held by PD
    proprio = env_meta["observations"]["proprio"]
    assert [t["name"] for t in proprio["terms"]][0] == "base_ang_vel"
    # the ONNX policy takes any batch size and agrees with TorchScript
    sess = ort.InferenceSession(str(out / "policy.onnx"), providers=["CPUExecutionProvider"])
    jit = torch.jit.load(str(out / "policy.pt"))
    for batch in (1, 5):
        feeds = {i.name: np.random.randn(batch, *[d for d in i.shape[1:]]).astype(np.float32) for i in sess.get_inputs()}
        onnx_out = sess.run(None, feeds)[0]
        with torch.no_grad():
            jit_out = jit({k: torch.from_numpy(v) for k, v in feeds.items()}).numpy()
        assert onnx_out.shape == (batch, 12) and np.abs(onnx_out - jit_out).max() < 1e-4


def test_export_rebuilds_the_policy_with_the_runs_overrides(tmp_path):
    """A run trained with the waist yaw joint driven exports 13 actions without repeating its flags."""
    legs = [f"{s}_{j}_joint" for s in ("left", "right")
            for j in ("hip_pitch", "hip_roll", "hip_yaw", "knee", "ankle_pitch", "ankle_roll")]
    common = ["--task=g1", "--headless", "--log_root", str(tmp_path), "--num_threads", "1"]
    run("train.py", *common, "--num_envs", "4", "--max_iterations", "1", "--train.runner.num_steps_per_env=4",
        "--no_use_wandb", f"--env.control.policy_joints=[{','.join(legs + ['waist_yaw_joint'])}]",
        "--env.env.num_actions=13")
    run("export.py", *common)
    (run_dir,) = os.listdir(tmp_path / "g1")
    meta = json.loads((tmp_path / "g1" / run_dir / "exported" / "policy.json").read_text())
    env_meta = meta.get("env", meta)
    assert env_meta["joint_names"] == legs + ["waist_yaw_joint"]
    assert len(env_meta["held_joints"]["joint_names"]) == 10
