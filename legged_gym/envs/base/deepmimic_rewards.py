"""Tracking reward terms (the seed's DeepMimic set). Errors are summed squares inside exp(-k * error).

All terms compare the state after the physics step with the reference frame of the same time.
"""

from __future__ import annotations

import torch
from torch import Tensor

from legged_gym.utils.math import quat_angle, quat_conjugate, quat_mul, quat_to_euler_xyz, wrap_to_pi


class DeepMimicRewards:
    """Mixin: ``_reward_<name>`` terms for motion tracking."""

    def _reward_joint_pos_tracking(self) -> Tensor:
        """exp(-k * sum of squared joint angle errors)."""
        err = torch.sum(torch.square(self.dof_pos - self.reference()["joints"]), dim=1)
        return torch.exp(-self.cfg.rewards.joint_pos_tracking_k * err)

    def _reward_joint_vel_tracking(self) -> Tensor:
        """exp(-k * sum of squared joint velocity errors)."""
        err = torch.sum(torch.square(self.dof_vel - self.reference()["joint_vel"]), dim=1)
        return torch.exp(-self.cfg.rewards.joint_vel_tracking_k * err)

    def _reward_link_pos_tracking(self) -> Tensor:
        """exp(-k * sum over tracked links of squared position errors) [world frame]."""
        nt = self.num_tracked
        err = torch.sum(torch.square(self.links().pos[:, :nt] - self.reference()["link_pos"][:, :nt]), dim=(1, 2))
        return torch.exp(-self.cfg.rewards.link_pos_tracking_k * err)

    def _reward_link_vel_tracking(self) -> Tensor:
        """exp(-k * sum over tracked links of squared linear velocity errors)."""
        nt = self.num_tracked
        err = torch.sum(torch.square(self.links().lin_vel[:, :nt] - self.reference()["link_lin_vel"]), dim=(1, 2))
        return torch.exp(-self.cfg.rewards.link_vel_tracking_k * err)

    def _reward_torso_pos_tracking(self) -> Tensor:
        """exp(-k * squared torso position error)."""
        i = self._torso_index()
        err = torch.sum(torch.square(self.links().pos[:, i] - self.reference()["link_pos"][:, i]), dim=1)
        return torch.exp(-self.cfg.rewards.torso_pos_tracking_k * err)

    def _reward_torso_orientation_tracking(self) -> Tensor:
        """exp(-k * rotation angle between torso and reference torso)."""
        i = self._torso_index()
        dq = quat_mul(self.links().quat[:, i], quat_conjugate(self.reference()["link_quat"][:, i]))
        return torch.exp(-self.cfg.rewards.torso_orientation_tracking_k * quat_angle(dq))

    def _reward_root_orientation_tracking(self) -> Tensor:
        """exp(-k * rotation angle between root and reference root)."""
        dq = quat_mul(self.base_quat, quat_conjugate(self.reference()["root_quat"]))
        return torch.exp(-self.cfg.rewards.root_orientation_tracking_k * quat_angle(dq))

    def _reward_root_pos_tracking(self) -> Tensor:
        """exp(-k * squared root position error)."""
        err = torch.sum(torch.square(self.root_pos_w - self.reference()["root_pos"]), dim=1)
        return torch.exp(-self.cfg.rewards.root_pos_tracking_k * err)

    def _reward_root_vel_tracking(self) -> Tensor:
        """exp(-k * root linear velocity error norm)."""
        err = torch.norm(self.root_lin_vel_w - self.reference()["root_lin_vel"], dim=1)
        return torch.exp(-self.cfg.rewards.root_vel_tracking_k * err)

    def _reward_root_ang_vel_tracking(self) -> Tensor:
        """exp(-k * root angular velocity error norm)."""
        err = torch.norm(self.root_ang_vel_w - self.reference()["root_ang_vel"], dim=1)
        return torch.exp(-self.cfg.rewards.root_ang_vel_tracking_k * err)

    def _reward_feet_contact_matching(self) -> Tensor:
        """Number of feet whose contact state equals the reference's."""
        return torch.sum((self.dm_contact.contact.float() == self.reference()["contacts"]).float(), dim=1)

    def _reward_contact_no_vel(self) -> Tensor:
        """Sum over feet in contact of the foot's speed [m/s] (sliding)."""
        return torch.sum(self._feet_states().lin_vel.norm(dim=-1) * self.dm_contact.contact, dim=1)

    def _reward_action_accel(self) -> Tensor:
        """Sum of squared second differences of the actions."""
        return torch.sum(torch.square(self.actions - 2 * self.last_actions + self.last_last_actions), dim=1)

    def _reward_ankle_action(self) -> Tensor:
        """Sum of squared ankle actions."""
        return torch.sum(torch.square(self.actions[:, self.ankle_dof]), dim=1)

    def _reward_feet_orientation(self) -> Tensor:
        """exp(-k * sum over feet of the absolute heading error to the reference feet)."""
        yaw = quat_to_euler_xyz(self._feet_states().quat)[..., 2]
        feet = [self.link_names.index(b) for b in self.cfg.deepmimic.contact_bodies]
        ref_yaw = quat_to_euler_xyz(self.reference()["link_quat"][:, feet])[..., 2]
        err = torch.sum(wrap_to_pi(yaw - ref_yaw).abs(), dim=1)
        return torch.exp(-self.cfg.rewards.feet_orientation_k * err)

    def _reward_energy(self) -> Tensor:
        """Mechanical power |tau * qdot| summed over joints [W]."""
        return torch.sum(torch.abs(self.torques * self.dof_vel), dim=1)
