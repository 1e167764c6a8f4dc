"""sim2sim.py and legged_gym.deploy on a real (1-iteration) g1 run: parity with training, tampered contracts, a run."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPTS = os.path.join(ROOT, "legged_gym", "scripts")


def run(script: str, *args: str, ok: bool = True) -> subprocess.CompletedProcess:
    env = dict(os.environ, OMP_NUM_THREADS="1", WANDB_MODE="disabled")
    proc = subprocess.run([sys.executable, os.path.join(SCRIPTS, script), *args], capture_output=True, text=True,
                          env=env, timeout=300, cwd=ROOT)
    if ok:
        assert proc.returncode == 0, f"{script} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}"
    return proc


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """A g1 run trained 1 iteration (with a 3-frame proprio history in the contract) and exported."""
    root = tmp_path_factory.mktemp("logs")
    common = ["--task=g1", "--headless", "--log_root", str(root), "--num_threads", "1", '--env.env.obs_history={"proprio": 3}']
    run("train.py", *common, "--num_envs", "4", "--max_iterations", "1", "--train.runner.num_steps_per_env=4",
        "--no_use_wandb")
    run("export.py", *common)
    (run_dir,) = os.listdir(root / "g1")
    return root, common, root / "g1" / run_dir / "exported"


def _tampered(src, dst, edit) -> str:
    shutil.copytree(src, dst)
    meta = json.loads((dst / "policy.json").read_text())
    edit(meta["env"])
    (dst / "policy.json").write_text(json.dumps(meta))
    return str(dst)


def test_parity_with_training(exported):
    _, common, out = exported
    meta = json.loads((out / "policy.json").read_text())
    assert meta["env"]["observations"]["history_proprio"]["length"] == 3
    proc = run("sim2sim.py", "--check", *common, "--check_steps", "30")
    assert "parity OK" in proc.stdout and "history_proprio" in proc.stdout, proc.stdout


def test_parity_fails_on_reversed_joint_order(exported, tmp_path):
    _, common, out = exported
    bad = _tampered(out, tmp_path / "rev", lambda env: env["joint_names"].reverse())
    proc = run("sim2sim.py", "--check", *common, "--check_steps", "5", "--load_model", bad, ok=False)
    assert proc.returncode != 0
    line = proc.stderr.strip().splitlines()[-1]
    assert line.startswith("error: parity FAILED") and "'proprio'" in line and "dof_pos" in line, proc.stderr[-2000:]


def test_parity_fails_on_flipped_history_order(exported, tmp_path):
    _, common, out = exported

    def flip(env):
        h = env["observations"]["history_proprio"]
        h["order"] = "oldest_first" if h["order"] == "newest_first" else "newest_first"

    bad = _tampered(out, tmp_path / "flip", flip)
    proc = run("sim2sim.py", "--check", *common, "--check_steps", "10", "--load_model", bad, ok=False)
    line = proc.stderr.strip().splitlines()[-1]
    assert proc.returncode != 0 and line.startswith("error: parity FAILED") and "history_proprio" in line, line


def test_bad_contract_and_rates_are_one_line_errors(exported, tmp_path):
    _, _, out = exported
    bad = _tampered(out, tmp_path / "nokp", lambda env: env.pop("kp"))
    proc = run("sim2sim.py", "--load_model", bad, "--duration", "0.1", ok=False)
    assert proc.stderr.strip() == f"error: {os.path.join(bad, 'policy.json')}: missing field 'env.kp'", proc.stderr
    bad = _tampered(out, tmp_path / "term", lambda env: env["observations"]["proprio"]["terms"][0].update(name="foo"))
    proc = run("sim2sim.py", "--load_model", bad, "--duration", "0.1", ok=False)
    assert "unknown term 'foo'; supported terms:" in proc.stderr and "base_ang_vel" in proc.stderr, proc.stderr
    bad = _tampered(out, tmp_path / "feet", lambda env: env.update(feet_body_names=["left_ankle_roll_link", "toe"]))
    proc = run("sim2sim.py", "--load_model", bad, "--duration", "0.1", ok=False)
    assert proc.stderr.strip() == "error: gait statistics: foot body 'toe' is not in the model", proc.stderr
    bad = _tampered(out, tmp_path / "feet2", lambda env: env.update(feet_body_names="left_ankle_roll_link"))
    proc = run("sim2sim.py", "--load_model", bad, "--duration", "0.1", ok=False)
    assert "field 'env.feet_body_names' must be a list of body names" in proc.stderr, proc.stderr
    proc = run("sim2sim.py", "--load_model", str(out), "--sim_dt", "0.001", "--decimation", "10", ok=False)
    assert "--allow_rate_change" in proc.stderr and proc.stderr.count("\n") == 1, proc.stderr


@pytest.mark.parametrize("backend", ["onnx", "torchscript"])
def test_sim2sim_runs_and_reports(exported, backend):
    _, _, out = exported
    proc = run("sim2sim.py", "--load_model", str(out), "--sim_dt", "0.001", "--decimation", "20", "--duration", "1",
               "--backend", backend, "--cmd", "0.4", "0", "0")
    assert "50 control steps" in proc.stdout and "falls:" in proc.stdout, proc.stdout
    assert "mean |v_xy - cmd_xy|" in proc.stdout and "mean |yaw rate - cmd|" in proc.stdout, proc.stdout
    assert "steps/s (both feet)" in proc.stdout, proc.stdout


def test_command_sweep_prints_a_table_and_writes_json(exported, tmp_path):
    _, _, out = exported
    path = tmp_path / "sweep.json"
    proc = run("sim2sim.py", "--load_model", str(out), "--duration", "0.5", "--commands", "0.5,0,0", "-0.3,0,-0.5",
               "0,-0.3,0.5", "--json", str(path))
    rows = json.loads(path.read_text())
    assert [(r["cmd_vx"], r["cmd_vy"], r["cmd_yaw_rate"]) for r in rows] == [
        (0.5, 0.0, 0.0), (-0.3, 0.0, -0.5), (0.0, -0.3, 0.5)]
    for r in rows:
        assert {"forward_vel", "lateral_vel", "yaw_rate", "falls", "steps_per_s", "clearance_m",
                "lin_vel_err_cycle", "yaw_rate_err_cycle"} <= set(r)
        assert isinstance(r["falls"], int)
    header = [ln for ln in proc.stdout.splitlines() if "cmd vx" in ln]
    assert header and "|yaw-cmd|" in header[0], proc.stdout
    bad = run("sim2sim.py", "--load_model", str(out), "--commands", "0.5,0", ok=False)
    assert bad.returncode != 0 and "--commands: expected VX,VY,YAW" in bad.stderr, bad.stderr


def test_cycle_mean_errors_leave_out_the_sway_within_a_cycle():
    from legged_gym.deploy.episode import cycle_mean_errors

    t = np.arange(80)
    sway = 0.2 * np.sin(2 * np.pi * t / 20)  # 0.2 m/s of sway, 20 steps per cycle
    v = np.stack([0.45 + sway, sway], axis=1)  # 0.05 m/s slow, swaying sideways
    cmd = np.array([0.5, 0.0])
    assert cycle_mean_errors(v, cmd, 20) == pytest.approx(0.05, abs=1e-9)
    per_step = np.mean(np.linalg.norm(v - cmd, axis=1))
    assert per_step > 0.15  # the per-step error counts the sway
    assert cycle_mean_errors(np.concatenate([v, v[:10]]), cmd, 40) == pytest.approx(0.05, abs=1e-9)  # part cycle out
    assert np.isnan(cycle_mean_errors(v[:10], cmd, 20))
