"""The G1 humanoid on velocity commands: a gait clock and the foot terms a biped needs."""

from __future__ import annotations

from typing import ClassVar

import torch
from torch import Tensor

from legged_gym.envs.base.legged_robot import LeggedRobot, match_by_substring
from legged_gym.envs.g1.g1_config import G1FlatCfg


class G1Robot(LeggedRobot):
    """:class:`LeggedRobot` plus a per-environment gait phase, foot states and biped rewards."""

    # the G1 recipe's names -> methods named for what they compute (other tasks use these names for other formulas)
    reward_terms: ClassVar[dict[str, str]] = {"contact_no_vel": "feet_slip_sq"}
    obs_terms: ClassVar[dict[str, str]] = {"phase": "gait_phase"}

    cfg: G1FlatCfg

    def _init_buffers(self) -> None:
        super()._init_buffers()
        self.phase = torch.zeros(self.num_envs, device=self.device)
        self.leg_phase = torch.zeros(self.num_envs, 2, device=self.device)
        self.hip_indices = torch.tensor(
            [i for i, n in enumerate(self.dof_names) if "hip_roll" in n or "hip_yaw" in n], device=self.device
        )
        if getattr(self.cfg.rewards.scales, "pose", 0.0):  # tasks built on this class without the term lack the table
            std = match_by_substring(self.dof_names, self.cfg.rewards.pose_std, "rewards.pose_std")
            self.pose_std = torch.tensor(std, device=self.device)
        self._update_phase()

    def _update_phase(self) -> None:
        g = self.cfg.gait
        self.phase = (self.episode_length_buf * self.dt) % g.period / g.period
        self.leg_phase = torch.stack([self.phase, (self.phase + g.offset) % 1.0], dim=1)

    def _update_state(self) -> None:
        super()._update_state()
        self._update_phase()
        feet = self.sim.body_states(self.feet_body_names)
        self.feet_pos = feet.pos
        self.feet_vel = feet.lin_vel

    def reset_idx(self, env_ids: Tensor) -> None:
        super().reset_idx(env_ids)
        if len(env_ids) > 0:
            self._update_phase()  # the new episodes' phase, read by the observations

    def export_metadata(self) -> dict:
        meta = super().export_metadata()
        meta["gait_period"] = self.cfg.gait.period
        meta["gait_offset"] = self.cfg.gait.offset
        return meta

    def _obs_gait_phase(self) -> Tensor:
        """sin and cos of the left leg's gait phase."""
        return torch.stack([torch.sin(2 * torch.pi * self.phase), torch.cos(2 * torch.pi * self.phase)], dim=1)

    def _reward_contact(self) -> Tensor:
        """Number of feet whose contact state matches the gait clock (stance in the first part of the cycle)."""
        stance = self.leg_phase < self.cfg.gait.stance_fraction
        return torch.sum((self.feet.contact == stance).float(), dim=1)

    def _reward_feet_swing_height(self) -> Tensor:
        """Squared error of swing-foot height above the terrain to the target [m^2]."""
        ground = self.sim.terrain.height_at(self.feet_pos[..., :2])
        err = torch.square(self.feet_pos[..., 2] - ground - self.cfg.rewards.feet_swing_height_target)
        return torch.sum(err * ~self.feet.contact, dim=1)

    def _reward_feet_slip_sq(self) -> Tensor:
        """Squared velocity of feet in contact (slipping) [m^2/s^2]."""
        return torch.sum(torch.square(self.feet_vel) * self.feet.contact.unsqueeze(-1), dim=(1, 2))

    def _reward_hip_pos(self) -> Tensor:
        """Squared hip roll and yaw angles [rad^2]."""
        return torch.sum(torch.square(self.dof_pos[:, self.hip_indices]), dim=1)

    def _reward_upright(self) -> Tensor:
        """exp(-|g_xy|^2 / upright_sigma): 1 when the base is level, g = gravity in the base frame."""
        return torch.exp(-torch.sum(torch.square(self.projected_gravity[:, :2]), dim=1) / self.cfg.rewards.upright_sigma)

    def _reward_pose(self) -> Tensor:
        """exp(-mean over joints of ((q - q_default) / pose_std)^2): 1 at the default pose."""
        return torch.exp(-torch.mean(torch.square((self.dof_pos - self.default_dof_pos) / self.pose_std), dim=1))
