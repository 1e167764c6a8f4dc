"""PD control pieces shared by every MuJoCo-based backend: actuator gains, delayed targets, torque noise.

The PD law is MuJoCo's position actuator (``gainprm[0] = kp``, ``biasprm[1] = -kp``, ``biasprm[2] = -kd``),
so every backend that steps the scene from :func:`~legged_gym.sim.mujoco_scene.build_scene` writes gains the
same way. Delayed targets and torque noise are torch tensors on the backend's device, so the GPU backend
never leaves the device and the CPU backend converts once per control step.
"""

from __future__ import annotations

from typing import TypeVar

import numpy as np
import torch
from torch import Tensor


ArrayLike = TypeVar("ArrayLike", float, np.ndarray, Tensor)


def position_actuator_params(kp: ArrayLike, kd: ArrayLike) -> tuple[ArrayLike, ArrayLike, ArrayLike]:
    """The ``(gainprm[0], biasprm[1], biasprm[2])`` of MuJoCo position actuators that realise gains kp, kd.

    Works elementwise on floats, numpy arrays and torch tensors alike.
    """
    return kp, -kp, -kd


def check_control_delay(delay: Tensor, limit: int) -> None:
    """Raise ValueError unless every delay lies in ``[0, limit]`` physics steps (``SceneSpec.max_control_delay``)."""
    if delay.numel() == 0:
        return
    lo, hi = int(delay.min()), int(delay.max())
    if lo < 0 or hi > limit:
        raise ValueError(
            f"control delay must be within [0, {limit}] physics steps (SceneSpec.max_control_delay), got {lo}..{hi}"
        )


class DelayedTargets:
    """PD targets per physics step, ``delay[e]`` physics steps late for environment ``e``.

    Keeps the last ``max_delay + decimation`` targets of every environment; :meth:`push` appends one control
    step's targets and returns the targets each of the ``decimation`` physics steps applies.
    """

    def __init__(
        self, num_envs: int, num_dof: int, decimation: int, max_delay: int, device: torch.device, dtype: torch.dtype
    ) -> None:
        self.max_delay = max_delay
        self.decimation = decimation
        self.history = torch.zeros(num_envs, max_delay + decimation, num_dof, device=device, dtype=dtype)
        self.delay = torch.zeros(num_envs, dtype=torch.long, device=device)
        self._any_delay = False
        self._sub = torch.arange(decimation, device=device)

    def set_delay(self, env_ids: Tensor, delay: Tensor) -> None:
        """Delays [physics steps] of the chosen environments (validated against ``max_delay``)."""
        delay = delay.to(self.delay.device, torch.long)
        check_control_delay(delay, self.max_delay)
        self.delay[env_ids.to(self.delay.device)] = delay
        self._any_delay = bool(self.delay.any())

    def reset(self, env_ids: Tensor, joint_pos: Tensor) -> None:
        """Fill the history of the chosen environments with ``joint_pos`` (n, J): no stale targets after a reset."""
        self.history[env_ids.to(self.history.device)] = joint_pos.to(self.history)[:, None, :]

    def push(self, targets: Tensor) -> Tensor:
        """Append one control step's targets (N, J); returns the applied targets per physics step (N, dec, J)."""
        dec, hist = self.decimation, self.history
        targets = targets.to(hist)
        if self.max_delay:
            hist[:, :-dec] = hist[:, dec:].clone()
        hist[:, -dec:] = targets[:, None, :]
        if not self._any_delay:
            return targets[:, None, :].expand(-1, dec, -1)
        idx = self.max_delay + self._sub[None, :] - self.delay[:, None]  # (N, dec)
        return torch.gather(hist, 1, idx[:, :, None].expand(-1, -1, hist.shape[2]))


class TorqueNoise:
    """Uniform joint torque noise ``U(-1, 1) * scale[e] * effort_limit[j]``, drawn for every physics step."""

    def __init__(self, num_envs: int, effort_limits: Tensor, seed: int) -> None:
        self.device = effort_limits.device
        self.effort = effort_limits
        self.scale = torch.zeros(num_envs, device=self.device, dtype=effort_limits.dtype)
        self.active = False
        self._gen = torch.Generator(device=self.device)
        self._gen.manual_seed(seed)

    def set_scale(self, env_ids: Tensor, scale: Tensor) -> None:
        """Noise scale (fraction of the effort limit) of the chosen environments."""
        self.scale[env_ids.to(self.device)] = scale.to(self.scale)
        self.active = bool(self.scale.any())

    def sample(self, decimation: int) -> Tensor:
        """Noise torques (N, decimation, J) [N*m] for the next control step."""
        n, j = self.scale.shape[0], self.effort.shape[0]
        u = torch.rand(n, decimation, j, generator=self._gen, device=self.device, dtype=self.scale.dtype)
        return (2.0 * u - 1.0) * (self.scale[:, None, None] * self.effort[None, None, :])


MAX_STATE_VALUE = 1e10  # MuJoCo resets data whose positions, velocities or accelerations exceed this (mjMAXVAL)


def nonfinite_envs(*tensors: Tensor, limit: float = MAX_STATE_VALUE) -> Tensor:
    """Boolean (N,) mask of environments with a NaN, an infinite value or a value beyond ``limit`` in magnitude in
    any of the (N, ...) tensors (a state MuJoCo itself would reject)."""
    bad = torch.zeros(tensors[0].shape[0], dtype=torch.bool, device=tensors[0].device)
    for t in tensors:
        flat = t.reshape(t.shape[0], -1)
        bad |= ~(torch.isfinite(flat) & (flat.abs() <= limit)).all(dim=1)
    return bad
