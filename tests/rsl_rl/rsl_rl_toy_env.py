# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2025 the project authors.
"""A small batched target-reaching task for testing the learning algorithms (pure torch, CPU).

Each env is a point in the plane that must move to a random target. Action ``a`` (2,) moves the point by
``0.1 * clamp(a, -1, 1)``. Reward per step: ``1 - |target - pos|`` (so reaching and staying scores ~1). Episodes end by
timeout after ``max_episode_length`` steps (``extras["time_outs"]``) or by failure when the point leaves the box
``|pos| > 2``. Observations (dict):

- ``state`` (N, 4): ``[target - pos, pos]``, the full information (teacher / PPO policy input);
- ``rel_hist`` (N, 3, 2): the last three ``target - pos`` values, newest first (a student input);
- ``pos`` (N, 2): the position only;
- ``terrain`` (N, 3, 3): an uninformative "heightmap" (fixed random per env) for gated-input tests.
"""

from __future__ import annotations

from typing import Any

import torch

from rsl_rl.algorithms.symmetry import Mirror, SignedPermutation
from rsl_rl.env.vec_env import VecEnv


class PointMassEnv(VecEnv):
    """Batched 2-D target reaching."""

    def __init__(self, num_envs: int = 64, max_episode_length: int = 40, seed: int = 0, device: str = "cpu") -> None:
        self.num_envs = num_envs
        self.num_actions = 2
        self.device = torch.device(device)
        self.max_episode_length = max_episode_length
        self.gen = torch.Generator(device=self.device).manual_seed(seed)
        self.episode_length_buf = torch.zeros(num_envs, dtype=torch.long, device=self.device)
        self.pos = torch.zeros(num_envs, 2, device=self.device)
        self.target = torch.zeros(num_envs, 2, device=self.device)
        self.hist = torch.zeros(num_envs, 3, 2, device=self.device)
        self.terrain = torch.rand(num_envs, 3, 3, generator=self.gen, device=self.device)
        self.episode_sum = torch.zeros(num_envs, device=self.device)
        self._reset_idx(torch.arange(num_envs, device=self.device))

    def _rand(self, n: int, low: float, high: float) -> torch.Tensor:
        return low + (high - low) * torch.rand(n, 2, generator=self.gen, device=self.device)

    def _reset_idx(self, ids: torch.Tensor) -> None:
        if ids.numel() == 0:
            return
        self.pos[ids] = self._rand(ids.numel(), -0.5, 0.5)
        self.target[ids] = self._rand(ids.numel(), -1.0, 1.0)
        self.hist[ids] = (self.target[ids] - self.pos[ids]).unsqueeze(1).repeat(1, 3, 1)
        self.episode_length_buf[ids] = 0
        self.episode_sum[ids] = 0.0

    def get_observations(self) -> dict[str, torch.Tensor]:
        rel = self.target - self.pos
        return {
            "state": torch.cat([rel, self.pos], dim=1),
            "rel_hist": self.hist.clone(),
            "pos": self.pos.clone(),
            "terrain": self.terrain.clone(),
        }

    def step(self, actions: torch.Tensor) -> tuple[dict[str, torch.Tensor], torch.Tensor, torch.Tensor, dict[str, Any]]:
        self.pos += 0.1 * actions.clamp(-1.0, 1.0)
        dist = (self.target - self.pos).norm(dim=1)
        rewards = 1.0 - dist
        self.episode_sum += rewards
        self.episode_length_buf += 1
        failed = (self.pos.abs() > 2.0).any(dim=1)
        time_outs = self.episode_length_buf >= self.max_episode_length
        dones = failed | time_outs
        self.hist = torch.cat([(self.target - self.pos).unsqueeze(1), self.hist[:, :-1]], dim=1)
        extras: dict[str, Any] = {"time_outs": time_outs & ~failed}
        ids = dones.nonzero().flatten()
        if ids.numel() > 0:
            extras["episode"] = {
                "rew_distance": (self.episode_sum[ids] / self.max_episode_length).mean(),
                "success/overall": float((dist[ids] < 0.1).float().mean()),
            }
        self._reset_idx(ids)
        return self.get_observations(), rewards, dones, extras

    def reset(self) -> dict[str, torch.Tensor]:
        self._reset_idx(torch.arange(self.num_envs, device=self.device))
        return self.get_observations()

    def export_metadata(self) -> dict[str, Any]:
        return {"control_dt": 0.02, "action_scale": 0.1, "joint_names": ["x", "y"]}

    def mirror(self) -> Mirror:
        """Reflection across the x axis: y components change sign (the terrain has no mirror)."""
        flip_y = SignedPermutation([0, 1], [1.0, -1.0])
        return Mirror({"state": SignedPermutation([0, 1, 2, 3], [1.0, -1.0, 1.0, -1.0]), "rel_hist": flip_y,
                       "pos": flip_y}, flip_y)
