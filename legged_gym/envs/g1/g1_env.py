"""The G1 humanoid on velocity commands: a gait clock, its reference gait and the foot terms a biped needs.

Reference gait: each leg swings in the part of its cycle after ``gait.stance_fraction``; at swing progress ``u``
(0 to 1 over the swing) its hip pitch, knee and ankle pitch are offset from the default pose by
``a * (-1, 2, -1)`` with ``a = rewards.target_joint_pos_scale * sin(pi u)`` (hip and knee flex, the ankle keeps the
foot level: the G1's three pitch axes point the same way). Stance legs keep the default pose.
"""

from __future__ import annotations

from typing import ClassVar

import torch
from torch import Tensor

from legged_gym.envs.base.legged_robot import LeggedRobot, match_by_substring
from legged_gym.envs.g1.g1_config import G1FlatCfg
from rsl_rl.algorithms.symmetry import Mirror

SWING_PITCH_SIGNS = (-1.0, 2.0, -1.0)  # hip pitch, knee, ankle pitch offsets per unit amplitude


class G1Robot(LeggedRobot):
    """:class:`LeggedRobot` plus a per-environment gait phase, foot states and biped rewards."""

    # the G1 recipe's names -> methods named for what they compute (other tasks use these names for other formulas)
    reward_terms: ClassVar[dict[str, str]] = {"contact_no_vel": "feet_slip_sq"}
    obs_terms: ClassVar[dict[str, str]] = {"phase": "gait_phase"}
    obs_mirror: ClassVar[dict[str, str]] = {
        **LeggedRobot.obs_mirror, "gait_phase": "half_cycle", "ref_dof_error": "joints",
    }

    cfg: G1FlatCfg

    def _init_buffers(self) -> None:
        super()._init_buffers()
        self.phase = torch.zeros(self.num_envs, device=self.device)
        self.leg_phase = torch.zeros(self.num_envs, 2, device=self.device)
        # action columns of left then right hip pitch, knee, ankle pitch: where the reference gait's offsets go
        self.ref_pitch_cols = torch.tensor([c for s in ("left", "right")
                                            for c in self._policy_leg_cols(s, ("hip_pitch", "knee", "ankle_pitch"))],
                                           device=self.device)
        self.swing_signs = torch.tensor(SWING_PITCH_SIGNS, device=self.device)
        self.default_policy_pos = self._policy_cols(self.default_dof_pos)
        self.ref_dof_pos = self.default_policy_pos.repeat(self.num_envs, 1)
        self.hip_indices = torch.tensor(
            [i for i, n in enumerate(self.dof_names) if "hip_roll" in n or "hip_yaw" in n], device=self.device
        )
        if getattr(self.cfg.rewards.scales, "pose", 0.0):  # tasks built on this class without the term lack the table
            std = match_by_substring(self.dof_names, self.cfg.rewards.pose_std, "rewards.pose_std")
            self.pose_std = torch.tensor(std, device=self.device)
        self._update_phase()

    def _policy_leg_cols(self, side: str, joints: tuple[str, ...]) -> list[int]:
        """Action columns of ``<side>_<joint>_joint`` for each joint; a clear error if the policy lacks one."""
        names = self.policy_dof_names
        missing = [f"{side}_{j}_joint" for j in joints if f"{side}_{j}_joint" not in names]
        if missing:
            raise ValueError(f"{self.cfg.asset.name}: control.policy_joints lacks {missing} (has {names})")
        return [names.index(f"{side}_{j}_joint") for j in joints]

    def _update_phase(self) -> None:
        g = self.cfg.gait
        self.phase = (self.episode_length_buf * self.dt) % g.period / g.period
        self.leg_phase = torch.stack([self.phase, (self.phase + g.offset) % 1.0], dim=1)
        self._compute_reference()

    def _compute_reference(self) -> None:
        """Reference joint positions of the gait clock's current phase (see the module docstring)."""
        stance = self.cfg.gait.stance_fraction
        progress = ((self.leg_phase - stance) / (1.0 - stance)).clamp(min=0.0)
        self._set_reference(torch.sin(torch.pi * progress))

    def _set_reference(self, swing: Tensor) -> None:
        """``ref_dof_pos`` = default pose + each leg's swing amplitude (N, 2; 0 to 1) times the pitch offsets."""
        amplitude = self.cfg.rewards.target_joint_pos_scale * swing
        ref = self.default_policy_pos.repeat(self.num_envs, 1)
        ref[:, self.ref_pitch_cols] += (amplitude.unsqueeze(-1) * self.swing_signs).flatten(1)
        self.ref_dof_pos = ref

    def _update_state(self) -> None:
        self._update_phase()  # before the feet: a subclass may filter their air time with the reference's stance
        super()._update_state()
        feet = self.sim.body_states(self.feet_body_names)
        self.feet_pos = feet.pos
        self.feet_vel = feet.lin_vel

    def reset_idx(self, env_ids: Tensor) -> None:
        super().reset_idx(env_ids)
        if len(env_ids) > 0:
            self._update_phase()  # the new episodes' phase, read by the observations

    def mirror(self) -> Mirror:
        """:meth:`LeggedRobot.mirror`; the gait clock's mirror is the clock half a cycle on, which swaps the legs
        only when the right leg runs half a cycle behind the left.

        Raises:
            ValueError: ``gait.offset`` is not 0.5.
        """
        if abs(self.cfg.gait.offset - 0.5) > 1e-9:
            raise ValueError(f"symmetry: the G1's mirror needs gait.offset 0.5 (legs half a cycle apart), got "
                             f"{self.cfg.gait.offset}")
        return super().mirror()

    def export_metadata(self) -> dict:
        meta = super().export_metadata()
        meta["gait_period"] = self.cfg.gait.period
        meta["gait_offset"] = self.cfg.gait.offset
        return meta

    def _obs_gait_phase(self) -> Tensor:
        """sin and cos of the left leg's gait phase."""
        return torch.stack([torch.sin(2 * torch.pi * self.phase), torch.cos(2 * torch.pi * self.phase)], dim=1)

    def _obs_ref_dof_error(self) -> Tensor:
        """Policy joints minus the reference gait's joint positions [rad]."""
        return self._policy_cols(self.dof_pos) - self.ref_dof_pos

    def _reward_joint_pos(self) -> Tensor:
        """exp(-2 |q - q_ref|) - 0.2 clamp(|q - q_ref|, 0, 0.5) over the policy joints [rad] (Humanoid-Gym's term)."""
        diff = torch.norm(self._policy_cols(self.dof_pos) - self.ref_dof_pos, dim=1)
        return torch.exp(-2 * diff) - 0.2 * diff.clamp(0, 0.5)

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
