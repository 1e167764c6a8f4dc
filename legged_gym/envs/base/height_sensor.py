"""Height maps under a body: a grid of downward rays in the body's heading frame.

``terrain_height`` is the clean grid of ray distances (metres from the body origin down to the
terrain). ``terrain_height_noisy`` follows the seed's sensor model: per-step white noise, a
per-environment offset, a per-environment sensor tilt (roll, pitch) and yaw error, a pose delay
of a few control steps, a per-environment update period (the map is held in between) and a small
fraction of bad rays replaced by random values.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch
from torch import Tensor

from legged_gym.utils.math import quat_from_euler_xyz, quat_rotate, quat_to_euler_xyz

if TYPE_CHECKING:
    from legged_gym.envs.base.deepmimic_config import HeightSensorCfg
    from legged_gym.envs.base.legged_robot import LeggedRobot


class HeightScanner:
    """Clean and noisy height maps of one body of every environment."""

    def __init__(self, env: LeggedRobot, cfg: HeightSensorCfg) -> None:
        self.env = env
        self.cfg = cfg
        dev = env.device
        nx = int(round(cfg.size[0] / cfg.resolution)) + 1
        ny = int(round(cfg.size[1] / cfg.resolution)) + 1
        xs = torch.linspace(-cfg.size[0] / 2, cfg.size[0] / 2, nx, device=dev)
        ys = torch.linspace(-cfg.size[1] / 2, cfg.size[1] / 2, ny, device=dev)
        gx, gy = torch.meshgrid(xs, ys, indexing="ij")
        self.shape = (nx, ny)
        self.offsets = torch.stack([gx.flatten(), gy.flatten(), torch.zeros_like(gx.flatten())], dim=1)  # (R, 3)
        n = env.num_envs
        self.pose_history = torch.zeros(n, max(1, cfg.max_delay), 7, device=dev)  # pos (3) + quat (4)
        self.held = torch.zeros(n, nx * ny, device=dev)
        self.steps_to_update = torch.zeros(n, dtype=torch.long, device=dev)
        self.env_offset = torch.zeros(n, device=dev)
        self.tilt = torch.zeros(n, 3, device=dev)
        self.delay = torch.zeros(n, dtype=torch.long, device=dev)
        self.period = torch.ones(n, dtype=torch.long, device=dev)
        self.fresh = torch.ones(n, dtype=torch.bool, device=dev)
        self._step_cache: tuple[int, Tensor] | None = None
        self.resample(torch.arange(n, device=dev))

    def resample(self, env_ids: Tensor) -> None:
        """Draw the per-environment noise parameters (at start-up and at resets)."""
        c, env, n = self.cfg, self.env, len(env_ids)
        self.env_offset[env_ids] = c.offset_noise * env._randn(n)
        self.tilt[env_ids, 0] = c.roll_pitch_noise * env._randn(n)
        self.tilt[env_ids, 1] = c.roll_pitch_noise * env._randn(n)
        self.tilt[env_ids, 2] = c.yaw_noise * env._randn(n)
        self.delay[env_ids] = (env._rand(n) * max(1, c.max_delay)).long().clamp(max=max(1, c.max_delay) - 1)
        lo, hi = c.update_period_range
        self.period[env_ids] = lo + (env._rand(n) * max(1, hi - lo)).long().clamp(max=max(0, hi - lo - 1))
        self.steps_to_update[env_ids] = 0
        self.fresh[env_ids] = True  # the pose history restarts from the next pose seen

    def _heading_rays(self, pos: Tensor, quat: Tensor, extra: Tensor | None = None) -> tuple[Tensor, Tensor]:
        """Ray origins (N,R,3) and directions (N,R,3) for body poses, rotated by heading (+ optional error)."""
        rpy = quat_to_euler_xyz(quat)
        roll = torch.zeros_like(rpy[:, 0])
        pitch = torch.zeros_like(rpy[:, 0])
        yaw = rpy[:, 2]
        if extra is not None:
            roll, pitch, yaw = extra[:, 0], extra[:, 1], yaw + extra[:, 2]
        heading = quat_from_euler_xyz(torch.zeros_like(yaw), torch.zeros_like(yaw), yaw)
        r = self.offsets.shape[0]
        origins = pos.unsqueeze(1) + quat_rotate(heading.unsqueeze(1).expand(-1, r, -1), self.offsets.expand(len(pos), -1, -1))
        tilt = quat_from_euler_xyz(roll, pitch, yaw)
        down = torch.tensor([0.0, 0.0, -1.0], device=pos.device).expand(len(pos), 3)
        directions = quat_rotate(tilt, down).unsqueeze(1).expand(-1, r, -1)
        return origins, directions

    def clean(self, pos: Tensor, quat: Tensor) -> Tensor:
        """Distances (N, nx, ny) from the body origin straight down to the terrain on the heading-aligned grid."""
        origins, _ = self._heading_rays(pos, quat)
        ground = self.env.sim.terrain.height_at(origins[..., :2])
        dist = (origins[..., 2] - ground).clamp(max=self.cfg.max_distance)
        return dist.view(len(pos), *self.shape)

    def noisy(self, pos: Tensor, quat: Tensor) -> Tensor:
        """The seed's noisy height map; advances the sensor's internal state once per control step."""
        env = self.env
        step = env.common_step_counter
        if self._step_cache is not None and self._step_cache[0] == step:
            return self._step_cache[1]
        c, n = self.cfg, len(pos)
        self.pose_history = torch.roll(self.pose_history, 1, dims=1)
        self.pose_history[:, 0, :3] = pos
        self.pose_history[:, 0, 3:] = quat
        if self.fresh.any():
            self.pose_history[self.fresh] = self.pose_history[self.fresh, :1].expand(-1, self.pose_history.shape[1], -1)
            self.fresh[:] = False
        delayed = self.pose_history[torch.arange(n, device=pos.device), self.delay]
        origins, dirs = self._heading_rays(delayed[:, :3], delayed[:, 3:], self.tilt)
        dist = env.sim.ray_distance(origins, dirs, c.max_distance)
        dist = dist + self.env_offset.unsqueeze(1) + c.white_noise * torch.randn_like(dist)
        bad = torch.rand_like(dist) < c.bad_ray_fraction
        if bad.any():
            mean = dist.mean(dim=1, keepdim=True).expand_as(dist)
            dist = torch.where(bad, torch.rand_like(dist) * 2.0 * mean, dist)
        update = self.steps_to_update <= 0
        self.held[update] = dist[update]
        self.steps_to_update = torch.where(update, self.period - 1, self.steps_to_update - 1)
        out = self.held.view(n, *self.shape).clone()
        self._step_cache = (step, out)
        return out
