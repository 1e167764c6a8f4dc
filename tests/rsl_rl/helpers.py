# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2025 the project authors.
"""Small config builders and evaluation helpers shared by the rsl_rl tests."""

from __future__ import annotations

import dataclasses

import torch

from rsl_rl.config import AlgorithmCfg, DAggerCfg, PolicyCfg, RunnerCfg, TrainCfg
from tests.rsl_rl.rsl_rl_toy_env import PointMassEnv

DAGGER_FIELDS = {f.name for f in dataclasses.fields(DAggerCfg)} - {f.name for f in dataclasses.fields(AlgorithmCfg)}


def small_cfg(
    actor: dict[str, str] | None = None,
    critic: dict[str, str] | None = None,
    num_steps: int = 16,
    **alg: object,
) -> TrainCfg:
    """A fast config for the toy env: [32, 32] MLPs, 16 steps per env."""
    actor = actor or {"state": "identity"}
    critic = critic or {"state": "identity"}
    return TrainCfg(
        policy=PolicyCfg(
            actor_hidden_dims=[32, 32], critic_hidden_dims=[32, 32], obs_proc_actor=actor, obs_proc_critic=critic,
            init_noise_std=0.5, embed_dim=8,
        ),
        algorithm=(DAggerCfg if set(alg) & DAGGER_FIELDS else AlgorithmCfg)(entropy_coef=0.0, **alg),  # type: ignore
        runner=RunnerCfg(num_steps_per_env=num_steps, save_interval=1000, log_interval=1000),
    )


@torch.no_grad()
def evaluate_return(policy, num_envs: int = 128, seed: int = 123, steps: int = 40) -> float:
    """Mean per-step reward of a deterministic policy over one episode of a fresh env."""
    env = PointMassEnv(num_envs, max_episode_length=steps, seed=seed)
    obs = env.get_observations()
    total = 0.0
    for _ in range(steps):
        obs, rew, _, _ = env.step(policy(obs))
        total += float(rew.mean())
    return total / steps
