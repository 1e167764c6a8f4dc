# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2025 the project authors.
"""Runner logging (TensorBoard, console, W&B offline), NaN detection, config validation."""

from __future__ import annotations

import importlib.util
import json
import os
from typing import Any

import pytest
import torch

from rsl_rl.runners import OnPolicyRunner
from rsl_rl.utils.checks import NonFiniteError
from tests.rsl_rl.helpers import small_cfg
from tests.rsl_rl.rsl_rl_toy_env import PointMassEnv


def _scalars(log_dir: str) -> dict[str, list[float]]:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    acc = EventAccumulator(log_dir)
    acc.Reload()
    return {tag: [e.value for e in acc.Scalars(tag)] for tag in acc.Tags()["scalars"]}


def test_tensorboard_scalars_and_console(tmp_path, capsys) -> None:
    cfg = small_cfg(actor={"state": "identity", "terrain": "gated_to_hidden"}, num_steps=20)
    cfg.runner.log_interval = 1
    cfg.runner.verbose = True  # the full per-iteration block
    runner = OnPolicyRunner(PointMassEnv(16, max_episode_length=10), cfg, log_dir=str(tmp_path))
    runner.learn(3)
    out = capsys.readouterr().out
    assert "Learning iteration 3/3" in out and "Mean reward:" in out and "Episode rew_distance:" in out
    assert "ETA:" in out and "steps/s" in out
    tags = _scalars(str(tmp_path))
    expected = {
        "Loss/value_function", "Loss/surrogate", "Loss/bounds", "Loss/learning_rate",
        "Policy/mean_noise_std", "Perf/total_fps", "Perf/collection_time", "Perf/learning_time",
        "Train/mean_reward", "Train/mean_episode_length", "Episode/rew_distance", "Episode/success/overall",
        "Network/gate_terrain_mean_abs", "Network/gate_terrain_max_abs",
    }
    assert expected <= set(tags), expected - set(tags)
    assert "Loss/bc" not in tags and "BC loss" not in out  # PPO has no behaviour cloning (DAgger logs it)
    assert len(tags["Loss/surrogate"]) == 3
    assert tags["Train/mean_episode_length"][-1] == pytest.approx(10.0)
    with open(tmp_path / "config.json") as f:
        assert json.load(f)["runner"]["num_steps_per_env"] == 20


def test_entropy_schedule_follows_the_runner_iteration(tmp_path) -> None:
    cfg = small_cfg(num_steps=8, entropy_coef_final=0.0, entropy_decay_iterations=4)
    cfg.algorithm.entropy_coef = 0.04
    cfg.runner.log_interval = 1
    runner = OnPolicyRunner(PointMassEnv(8, max_episode_length=10), cfg, log_dir=str(tmp_path))
    runner.learn(3)
    coefs = _scalars(str(tmp_path))["Loss/entropy_coef"]
    assert coefs == pytest.approx([0.04, 0.03, 0.02])  # iterations 0, 1, 2 of a 4-iteration decay
    runner.learn(3)  # the clock continues across learn() calls, as it does across resumes
    assert runner.alg.iteration == 5 and runner.alg.entropy_coef() == 0.0


class _NanEnv(PointMassEnv):
    def __init__(self, where: str) -> None:
        super().__init__(8)
        self.where = where
        self.count = 0

    def step(self, actions: torch.Tensor) -> tuple[dict[str, torch.Tensor], torch.Tensor, torch.Tensor, dict[str, Any]]:
        obs, rew, dones, extras = super().step(actions)
        self.count += 1
        if self.count == 3:
            if self.where == "obs":
                obs["rel_hist"][2, 1, 0] = float("nan")
            else:
                rew[5] = float("inf")
        return obs, rew, dones, extras


@pytest.mark.parametrize(("where", "message"), [
    ("obs", r"NaN detected in observations\['rel_hist'\] \(iteration 0, step 2\): first bad env ids \[2\]"),
    ("rew", r"Inf detected in rewards \(iteration 0, step 2\): first bad env ids \[5\]"),
])
def test_non_finite_values_are_caught(where: str, message: str) -> None:
    runner = OnPolicyRunner(_NanEnv(where), small_cfg(num_steps=8))
    with pytest.raises(NonFiniteError, match=message):
        runner.learn(1)


def test_nan_actions_are_caught() -> None:
    runner = OnPolicyRunner(PointMassEnv(8), small_cfg(num_steps=8))
    with torch.no_grad():
        runner.actor_critic.actor.mlp.first.weight[0, 0] = float("nan")
    with pytest.raises(NonFiniteError, match=r"NaN detected in actions \(iteration 0, step 0\)"):
        runner.learn(1)


def test_wandb_missing_is_a_clear_error(monkeypatch) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "wandb" else real(name, *a))
    cfg = small_cfg()
    cfg.runner.use_wandb = True
    with pytest.raises(ImportError, match=r"pip install -e \.\[wandb\].*--no_use_wandb"):
        OnPolicyRunner(PointMassEnv(8), cfg, log_dir="unused")


@pytest.mark.skipif(importlib.util.find_spec("wandb") is None, reason="wandb not installed")
def test_wandb_offline_run(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("WANDB_MODE", "offline")
    monkeypatch.setenv("WANDB_SILENT", "true")
    monkeypatch.delenv("WANDB_API_KEY", raising=False)
    cfg = small_cfg(num_steps=8)
    cfg.runner.use_wandb = True
    cfg.runner.wandb_project = "rsl_rl_test"
    cfg.runner.wandb_note = "offline test"
    runner = OnPolicyRunner(PointMassEnv(8), cfg, log_dir=str(tmp_path), cfg_to_save={"train": {"seed": 1}})
    runner.learn(2)
    runner.writer.close()
    wandb_dir = tmp_path / "wandb"
    runs = [d for d in os.listdir(wandb_dir) if d.startswith("offline-run-")]
    assert len(runs) == 1
    assert os.path.isfile(tmp_path / "model_2.pt")


def test_runner_validates_observations_and_policy_class() -> None:
    class BadEnv(PointMassEnv):
        def get_observations(self) -> dict[str, torch.Tensor]:
            obs = super().get_observations()
            obs["state"] = obs["state"][:3]
            return obs

    with pytest.raises(ValueError, match=r"leading dim num_envs=8; got shapes \{'state': \(3, 4\)\}"):
        OnPolicyRunner(BadEnv(8), small_cfg())
    cfg = small_cfg()
    cfg.policy.class_name = "Transformer"
    with pytest.raises(ValueError, match=r"Unknown policy.class_name 'Transformer'.*\['ActorCritic'\]"):
        OnPolicyRunner(PointMassEnv(8), cfg)
