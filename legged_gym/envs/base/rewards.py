"""Reward bookkeeping and the generic legged-robot reward terms.

A term ``name`` is a method ``_reward_<name>(self) -> Tensor (N,)``, or ``_reward_<reward_terms[name]>`` where a
task's table :attr:`LeggedRobotRewards.reward_terms` binds the name to a formula named for what it computes (one
method name, one formula); it is active when ``cfg.rewards.scales.<name>`` is non-zero, and its scale is multiplied by the control dt (scales
are per second). Terms are pure: state they read (air time, first contacts) is updated once per
step in ``_update_state`` before rewards run.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import ClassVar

import torch
from torch import Tensor


class LeggedRobotRewards:
    """Mixin with reward bookkeeping and the legged_gym reward terms."""

    # reward name in the config -> method suffix, where a task's formula for that name is not the generic one
    reward_terms: ClassVar[dict[str, str]] = {}

    def _prepare_reward_function(self) -> None:
        """Bind ``_reward_<name>`` for every non-zero scale; unknown names are an error listing the known terms."""
        scales = {f.name: getattr(self.cfg.rewards.scales, f.name) for f in dataclasses.fields(self.cfg.rewards.scales)}
        self.reward_scales: dict[str, float] = {}
        self.reward_functions: dict[str, Callable[[], Tensor]] = {}
        known = sorted({n[len("_reward_") :] for n in dir(self) if n.startswith("_reward_")} | set(self.reward_terms))
        for name, scale in scales.items():
            if scale == 0:
                continue
            method = f"_reward_{self.reward_terms.get(name, name)}"
            fn = getattr(self, method, None)
            if fn is None:
                raise ValueError(f"rewards.scales.{name} = {scale} but no method {method}; known terms: {known}")
            self.reward_scales[name] = float(scale) * self.dt
            if name != "termination":
                self.reward_functions[name] = fn
        self.episode_sums = {
            name: torch.zeros(self.num_envs, device=self.device) for name in self.reward_scales
        }

    def compute_reward(self) -> None:
        """Sum scaled terms into ``rew_buf``; clip at zero if ``only_positive_rewards``; add termination after."""
        self.rew_buf[:] = 0.0
        for name, fn in self.reward_functions.items():
            rew = fn() * self.reward_scales[name]
            self.rew_buf += rew
            self.episode_sums[name] += rew
        if self.cfg.rewards.only_positive_rewards:
            self.rew_buf[:] = torch.clip(self.rew_buf, min=0.0)
        if "termination" in self.reward_scales:
            rew = self._reward_termination() * self.reward_scales["termination"]
            self.rew_buf += rew
            self.episode_sums["termination"] += rew

    def describe_rewards(self) -> str:
        """A table of the active terms and their per-step scales."""
        lines = [f"{'reward term':<28}{'scale/s':>12}{'scale/step':>14}"]
        for name, s in self.reward_scales.items():
            lines.append(f"{name:<28}{s / self.dt:>12.4g}{s:>14.4g}")
        return "\n".join(lines)

    # --- terms ------------------------------------------------------------------------------------
    def _reward_termination(self) -> Tensor:
        """1 when the episode ended by failure (not timeout)."""
        return (self.reset_buf & ~self.time_out_buf).float()

    def _reward_alive(self) -> Tensor:
        """1 every step."""
        return torch.ones(self.num_envs, device=self.device)

    def _reward_tracking_lin_vel(self) -> Tensor:
        """exp(-|v_xy cmd - v_xy|^2 / sigma), base frame."""
        err = torch.sum(torch.square(self.commands[:, :2] - self.base_lin_vel[:, :2]), dim=1)
        return torch.exp(-err / self.cfg.rewards.tracking_sigma)

    def _reward_tracking_ang_vel(self) -> Tensor:
        """exp(-(yaw rate cmd - yaw rate)^2 / sigma), sigma = ``tracking_sigma_yaw`` or else ``tracking_sigma``."""
        err = torch.square(self.commands[:, 2] - self.base_ang_vel[:, 2])
        sigma = self.cfg.rewards.tracking_sigma_yaw
        return torch.exp(-err / (self.cfg.rewards.tracking_sigma if sigma is None else sigma))

    def _reward_track_vel_hard(self) -> Tensor:
        """0.5 (exp(-10 |e_xy|) + exp(-10 |e_yaw|)) - 0.2 (|e_xy| + |e_yaw|) of the velocity command errors
        (Humanoid-Gym's term: sharp near zero error, and a linear part whose pull does not fade as errors shrink)."""
        lin = torch.norm(self.commands[:, :2] - self.base_lin_vel[:, :2], dim=1)
        ang = torch.abs(self.commands[:, 2] - self.base_ang_vel[:, 2])
        return (torch.exp(-lin * 10) + torch.exp(-ang * 10)) / 2.0 - 0.2 * (lin + ang)

    def _reward_lin_vel_z(self) -> Tensor:
        """Squared vertical base velocity [m^2/s^2]."""
        return torch.square(self.base_lin_vel[:, 2])

    def _reward_ang_vel_xy(self) -> Tensor:
        """Squared roll and pitch rates [rad^2/s^2]."""
        return torch.sum(torch.square(self.base_ang_vel[:, :2]), dim=1)

    def _reward_orientation(self) -> Tensor:
        """Squared horizontal components of gravity in the base frame (0 when upright)."""
        return torch.sum(torch.square(self.projected_gravity[:, :2]), dim=1)

    def _reward_base_height(self) -> Tensor:
        """Squared error of base height above the terrain [m^2]."""
        return torch.square(self._obs_root_height()[:, 0] - self.cfg.rewards.base_height_target)

    def _reward_torques(self) -> Tensor:
        """Sum of squared joint torques [N^2 m^2]."""
        return torch.sum(torch.square(self.torques), dim=1)

    def _reward_dof_vel(self) -> Tensor:
        """Sum of squared joint velocities."""
        return torch.sum(torch.square(self.dof_vel), dim=1)

    def _reward_dof_acc(self) -> Tensor:
        """Sum of squared joint accelerations (finite difference over one control step)."""
        return torch.sum(torch.square((self.last_dof_vel - self.dof_vel) / self.dt), dim=1)

    def _reward_action_rate(self) -> Tensor:
        """Sum of squared action changes."""
        return torch.sum(torch.square(self.last_actions - self.actions), dim=1)

    def _reward_collision(self) -> Tensor:
        """Number of penalised bodies in contact (> 0.1 N)."""
        if len(self.penalised_contact_indices) == 0:
            return torch.zeros(self.num_envs, device=self.device)
        forces = self.contact_forces[:, self.penalised_contact_indices].norm(dim=-1)
        return torch.sum((forces > 0.1).float(), dim=1)

    def _reward_dof_pos_limits(self) -> Tensor:
        """Sum of joint position violations of the soft limits [rad]."""
        low = -(self.dof_pos - self.soft_dof_pos_limits[:, 0]).clip(max=0.0)
        high = (self.dof_pos - self.soft_dof_pos_limits[:, 1]).clip(min=0.0)
        return torch.sum(low + high, dim=1)

    def _reward_feet_air_time(self) -> Tensor:
        """Sum over feet of (air time - target) at touchdown, only while a motion is commanded."""
        target = self.cfg.rewards.feet_air_time_target
        rew = torch.sum((self.feet.air_time_at_contact - target) * self.feet.first_contact, dim=1)
        return rew * (self.commands[:, :2].norm(dim=1) > 0.1)

    def _reward_stand_still(self) -> Tensor:
        """Joint deviation from the default pose while commanded to stand."""
        dev = torch.sum(torch.abs(self.dof_pos - self.default_dof_pos), dim=1)
        return dev * (self.commands[:, :2].norm(dim=1) < 0.1)

    def _reward_feet_contact_forces(self) -> Tensor:
        """Foot contact force above ``max_contact_force`` [N]."""
        f = self.contact_forces[:, self.feet_indices].norm(dim=-1)
        return torch.sum((f - self.cfg.rewards.max_contact_force).clip(min=0.0), dim=1)
