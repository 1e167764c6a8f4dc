"""benchmarks/walking.py on a real 2-iteration g1 run: every checkpoint exported and swept in sim2sim, judged."""

from __future__ import annotations

import csv
import json
import os

import pytest

from benchmarks.walking import main
from tests.test_sim2sim import run


def test_checkpoints_are_swept_judged_and_not_rerun(tmp_path) -> None:  # noqa: ANN001
    run("train.py", "--task=g1", "--headless", "--log_root", str(tmp_path), "--num_threads", "1", "--num_envs", "4",
        "--max_iterations", "2", "--train.runner.num_steps_per_env=4", "--train.runner.save_interval=1",
        "--no_use_wandb")
    (name,) = os.listdir(tmp_path / "g1")
    run_dir = tmp_path / "g1" / name
    out = tmp_path / "walking"
    flags = ["--task", "g1", "--run", str(run_dir), "--every", "1", "--duration", "0.5", "--commands", "0.5,0,0",
             "0,0,0.5", "--out", str(out)]
    curve = main(flags)
    assert [r["iteration"] for r in curve] == [1, 2]
    assert [r["env_steps"] for r in curve] == [16, 32]
    # from rest, 0.5 s cannot track 0.5 m/s within 0.1 m/s on average: an untrained policy must not pass
    assert all(r["max_lin_vel_err"] > 0.1 and r["passes"] == 0 for r in curve)
    table = list(csv.DictReader(open(out / "walking.csv")))
    assert [int(r["iteration"]) for r in table] == [1, 2]
    assert (out / "walking.png").stat().st_size > 0
    md = (out / "walking.md").read_text()
    assert "| 0.500 | 0.000 | 0.000 |" in md and "| 0.000 | 0.000 | 0.500 |" in md
    # rerun with loose thresholds: the sweeps are reused (files untouched) and the verdict follows the falls
    sweep = out / "it_2" / "sweep.json"
    before = sweep.stat().st_mtime_ns
    loose = main([*flags, "--max_lin_err", "10", "--max_yaw_err", "10"])
    assert sweep.stat().st_mtime_ns == before
    assert [r["passes"] for r in loose] == [int(r["falls"] == 0) for r in loose]
    assert [r["max_lin_vel_err"] for r in loose] == [r["max_lin_vel_err"] for r in curve]


def test_a_runs_overrides_reach_the_export(tmp_path) -> None:  # noqa: ANN001
    """A run trained on all 23 joints (the task drives the 12 leg joints) exports with the overrides it recorded;
    flags after ``--`` reach export.py on top of them."""
    overrides = ["--env.control.policy_joints=null", "--env.env.num_actions=23"]
    run("train.py", "--task=g1", "--headless", "--log_root", str(tmp_path), "--num_threads", "1", "--num_envs", "4",
        "--max_iterations", "1", "--train.runner.num_steps_per_env=4", "--no_use_wandb", *overrides)
    (name,) = os.listdir(tmp_path / "g1")
    flags = ["--task", "g1", "--run", str(tmp_path / "g1" / name), "--every", "1", "--duration", "0.2",
             "--commands", "0.5,0,0", "--out", str(tmp_path / "walking")]
    curve = main(flags)
    assert [r["iteration"] for r in curve] == [1]
    policy = json.loads((tmp_path / "walking" / "it_1" / "exported" / "policy.json").read_text())
    assert len(policy["env"]["joint_names"]) == 23 and "waist_yaw_joint" in policy["env"]["joint_names"]
    with pytest.raises(SystemExit, match="export.py failed on iteration 1"):
        main([*flags, "--out", str(tmp_path / "walking12"), "--", "--env.env.num_actions=12",
              "--env.control.policy_joints=[" + ",".join(
                  f"{s}_{j}_joint" for s in ("left", "right")
                  for j in ("hip_pitch", "hip_roll", "hip_yaw", "knee", "ankle_pitch", "ankle_roll")) + "]"])


def test_gait_probe_reports_both_policies_per_command(tmp_path) -> None:  # noqa: ANN001
    from benchmarks.gait_probe import main as probe_main

    run("train.py", "--task=g1", "--headless", "--log_root", str(tmp_path), "--num_threads", "1", "--num_envs", "4",
        "--max_iterations", "1", "--train.runner.num_steps_per_env=4", "--no_use_wandb")
    (name,) = os.listdir(tmp_path / "g1")
    out = tmp_path / "probe.json"
    rows = probe_main(["--task=g1", "--load_run", str(tmp_path / "g1" / name), "--envs_per_command", "2",
                       "--steps", "8", "--warmup", "2", "--commands", "0.5,0,0", "0,0,-0.5", "--json", str(out)])
    assert [(r["policy"], r["cmd_vx"], r["cmd_yaw"]) for r in rows] == [
        ("deterministic", 0.5, 0.0), ("deterministic", 0.0, -0.5), ("stochastic", 0.5, 0.0), ("stochastic", 0.0, -0.5)]
    assert all(0.0 <= r["air"] <= 1.0 and abs(r["vx"]) < 5.0 for r in rows)
    assert json.loads(out.read_text())["rows"] == rows
    with pytest.raises(SystemExit, match="VX,VY,YAW"):
        probe_main(["--task=g1", "--load_run", str(tmp_path / "g1" / name), "--commands", "0.5,0"])
    with pytest.raises(SystemExit, match="VX,VY,YAW"):
        probe_main(["--task=g1", "--load_run", str(tmp_path / "g1" / name), "--commands", "nan,0,0"])
    back = probe_main(["--task=g1", "--load_run", str(tmp_path / "g1" / name), "--envs_per_command", "1",
                       "--steps", "3", "--warmup", "1", "--commands", "-0.3,0,0"])  # a leading minus stays a value
    assert [(r["policy"], round(r["cmd_vx"], 6)) for r in back] == [("deterministic", -0.3), ("stochastic", -0.3)]
