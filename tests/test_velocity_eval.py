"""The command probe of velocity tasks (legged_gym.eval.velocity) on the real G1, and its use during training."""

from __future__ import annotations

import csv
import os

import pytest
import torch

from legged_gym.envs import task_registry
from legged_gym.eval.velocity import VelocityEvaluator, probe_commands
from tests.test_sim2sim import run


def test_a_policy_that_holds_the_default_pose_falls_and_tracks_nothing() -> None:
    env_cfg, _ = task_registry.get_cfgs("g1")
    env_cfg.sim.num_threads = 1
    ev = VelocityEvaluator(task_registry.get_task_class("g1"), env_cfg,
                           commands=((0.5, 0.0, 0.0), (0.0, 0.0, -0.5)), per=2, duration_s=3.0, warmup_s=0.2)
    zero = lambda obs: torch.zeros(ev.env.num_envs, ev.env.num_actions)  # noqa: E731
    m = ev(zero)
    # held at its default pose by PD the G1 tips forward and falls (doc/results.md): no turning, no tracking
    assert m["falls/sum"] > 0 and m["pass/all"] == 0.0
    assert m["yaw_rate_err/0.00,0.00,-0.50"] == pytest.approx(0.5, abs=0.02)
    assert m["vx/0.50,0.00,0.00"] > 0.2
    # the command is not an input of this policy: both commands see the same motion, so the errors follow the command
    assert m["vx/0.50,0.00,0.00"] == pytest.approx(m["vx/0.00,0.00,-0.50"], abs=1e-4)
    assert m["lin_vel_err/0.00,0.00,-0.50"] > m["lin_vel_err/0.50,0.00,0.00"]
    assert m["lin_vel_err/max"] == max(m["lin_vel_err/0.50,0.00,0.00"], m["lin_vel_err/0.00,0.00,-0.50"])
    # the probe's env count must fit the commands
    with pytest.raises(ValueError, match="4 environments for 3 commands x 2"):
        probe_commands(ev.env, zero, torch.zeros(3, 3), 2, 10, 2)
    ev.close()


def test_train_py_logs_the_command_probe_of_a_velocity_task(tmp_path) -> None:  # noqa: ANN001
    run("train.py", "--task=g1", "--headless", "--log_root", str(tmp_path), "--num_threads", "1", "--num_envs", "4",
        "--max_iterations", "2", "--train.runner.num_steps_per_env=4", "--train.runner.eval_interval=2",
        "--no_use_wandb")
    (name,) = os.listdir(tmp_path / "g1")
    rows = list(csv.DictReader(open(tmp_path / "g1" / name / "eval_curve.csv")))
    assert [int(r["iteration"]) for r in rows] == [0, 2]
    assert {"lin_vel_err/max", "yaw_rate_err/max", "pass/all", "lin_vel_err/0.00,0.30,0.00"} <= set(rows[0])
    assert all(float(r["lin_vel_err/0.50,0.00,0.00"]) > 0.1 and r["pass/all"] == "0.0" for r in rows)
