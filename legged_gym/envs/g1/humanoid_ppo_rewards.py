"""Humanoid-Gym's reward terms (formulas and constants as published), on the G1's leg joints.

A mixin of :class:`~legged_gym.envs.g1.humanoid_ppo.HumanoidPPO`; terms read the state updated once per step
in its ``_update_state`` (stance mask, reference joint positions, contact mask, feet air time and lift, feet
and knee positions). The base terms ``torques``, ``dof_vel``, ``dof_acc``, ``collision``, ``track_vel_hard`` and the two
tracking terms (``exp(-err / tracking_sigma)``, sigma 0.2 = Humanoid-Gym's ``exp(-5 err)``) are reused
from :class:`~legged_gym.envs.base.rewards.LeggedRobotRewards`. Four of Humanoid-Gym's terms share a name with a
generic term of another formula; their methods are named for what they compute, and :data:`REWARD_TERMS` binds
Humanoid-Gym's names (``rewards.scales.orientation`` and so on) to them for this task.
"""

from __future__ import annotations

import torch
from torch import Tensor


def _distance_reward(dist: Tensor, lo: float, hi: float) -> Tensor:
    """0.5 (exp(-100 |min(dist - lo, 0)|) + exp(-100 max(dist - hi, 0))), each violation clamped to 0.5 m."""
    d_min = torch.clamp(dist - lo, -0.5, 0.0)
    d_max = torch.clamp(dist - hi, 0.0, 0.5)
    return (torch.exp(-torch.abs(d_min) * 100) + torch.exp(-torch.abs(d_max) * 100)) / 2


# Humanoid-Gym's reward name -> the method suffix of its formula here (the generic term of that name differs)
REWARD_TERMS = {
    "orientation": "upright_exp",
    "base_height": "base_height_exp",
    "feet_air_time": "feet_air_time_clamped",
    "feet_contact_forces": "feet_contact_forces_clipped",
}


class HumanoidPPORewards:
    """Humanoid-Gym reward terms (``_reward_<name>``), selected by non-zero ``rewards.scales.<name>``."""

    def _reward_feet_clearance(self) -> Tensor:
        """Number of swing feet (by the stance mask) whose lift since their last contact is within 1 cm of target."""
        near = torch.abs(self.feet_lift - self.cfg.rewards.target_feet_height) < 0.01
        return torch.sum(near * ~self.stance_mask, dim=1).float()

    def _reward_feet_contact_number(self) -> Tensor:
        """Mean over feet of +1 when contact matches the stance mask, -0.3 otherwise."""
        match = self.feet.contact == self.stance_mask
        return torch.mean(torch.where(match, 1.0, -0.3), dim=1)

    def _reward_feet_air_time_clamped(self) -> Tensor:
        """Sum over feet of air time clamped to 0.5 s, at touchdown (contact filtered with the stance mask)."""
        return self.feet.air_time_at_contact.clamp(max=0.5).sum(dim=1)

    def _reward_foot_slip(self) -> Tensor:
        """Sum over feet in contact of sqrt(|horizontal foot speed|)."""
        speed = torch.norm(self.feet_vel[..., :2], dim=2)
        return torch.sum(torch.sqrt(speed) * self.feet.contact, dim=1)

    def _reward_feet_distance(self) -> Tensor:
        """Horizontal feet distance inside [min_dist, max_dist]: 1, decaying as exp(-100 violation)."""
        r = self.cfg.rewards
        dist = torch.norm(self.feet_pos[:, 0, :2] - self.feet_pos[:, 1, :2], dim=1)
        return _distance_reward(dist, r.min_dist, r.max_dist)

    def _reward_knee_distance(self) -> Tensor:
        """Horizontal knee distance inside [min_dist, max_dist / 2]: 1, decaying as exp(-100 violation)."""
        r = self.cfg.rewards
        dist = torch.norm(self.knee_pos[:, 0, :2] - self.knee_pos[:, 1, :2], dim=1)
        return _distance_reward(dist, r.min_dist, r.max_dist / 2)

    def _reward_feet_contact_forces_clipped(self) -> Tensor:
        """Sum over feet of the contact force above max_contact_force, each clipped to [0, 400] N."""
        f = torch.norm(self.contact_forces[:, self.feet_indices, :], dim=-1)
        return torch.sum((f - self.cfg.rewards.max_contact_force).clip(0, 400), dim=1)

    def _reward_vel_mismatch_exp(self) -> Tensor:
        """0.5 (exp(-10 v_z^2) + exp(-5 |omega_xy|)), base frame."""
        lin = torch.exp(-torch.square(self.base_lin_vel[:, 2]) * 10)
        ang = torch.exp(-torch.norm(self.base_ang_vel[:, :2], dim=1) * 5.0)
        return (lin + ang) / 2.0

    def _reward_low_speed(self) -> Tensor:
        """Forward speed vs command: -1 below 50 %, 0 above 120 %, 1.2 between, -2 on a sign mismatch (|cmd| > 0.1)."""
        speed, cmd = self.base_lin_vel[:, 0], self.commands[:, 0]
        too_low = speed.abs() < 0.5 * cmd.abs()
        too_high = speed.abs() > 1.2 * cmd.abs()
        reward = torch.full_like(speed, 1.2)
        reward[too_low] = -1.0
        reward[too_high] = 0.0
        reward[torch.sign(speed) != torch.sign(cmd)] = -2.0
        return reward * (cmd.abs() > 0.1)

    def _reward_default_joint_pos(self) -> Tensor:
        """exp(-100 clamp(|hip roll, yaw L| + |hip roll, yaw R| - 0.1, 0, 50)) - 0.01 |q - q_default| (policy joints)."""
        diff = self._policy_cols(self.dof_pos - self.default_dof_pos)
        yaw_roll = torch.norm(diff[:, self.hip_roll_yaw_ids[0]], dim=1) + torch.norm(diff[:, self.hip_roll_yaw_ids[1]], dim=1)
        yaw_roll = torch.clamp(yaw_roll - 0.1, 0, 50)
        return torch.exp(-yaw_roll * 100) - 0.01 * torch.norm(diff, dim=1)

    def _reward_upright_exp(self) -> Tensor:
        """0.5 (exp(-10 (|roll| + |pitch|)) + exp(-20 |g_xy|)) (positive: 1 when upright)."""
        euler = self._obs_base_euler_xyz()
        quat_mismatch = torch.exp(-torch.sum(torch.abs(euler[:, :2]), dim=1) * 10)
        gravity = torch.exp(-torch.norm(self.projected_gravity[:, :2], dim=1) * 20)
        return (quat_mismatch + gravity) / 2.0

    def _reward_base_height_exp(self) -> Tensor:
        """exp(-100 |h - target|), h = base z - (mean height of the stance feet - 0.05 m)."""
        stance = self.stance_mask.float()
        feet_z = torch.sum(self.feet_pos[..., 2] * stance, dim=1) / torch.sum(stance, dim=1)
        height = self.root_pos_w[:, 2] - (feet_z - 0.05)
        return torch.exp(-torch.abs(height - self.cfg.rewards.base_height_target) * 100)

    def _reward_base_acc(self) -> Tensor:
        """exp(-3 |change of the root's world velocity (linear and angular) over one control step|)."""
        root_vel = torch.cat([self.root_lin_vel_w, self.root_ang_vel_w], dim=1)
        return torch.exp(-torch.norm(self.last_root_vel - root_vel, dim=1) * 3)

    def _reward_action_smoothness(self) -> Tensor:
        """|a - a_prev|^2 + |a - 2 a_prev + a_prev2|^2 + 0.05 |a|_1."""
        first = torch.sum(torch.square(self.last_actions - self.actions), dim=1)
        second = torch.sum(torch.square(self.actions + self.last_last_actions - 2 * self.last_actions), dim=1)
        return first + second + 0.05 * torch.sum(torch.abs(self.actions), dim=1)
