"""``humanoid_ppo``: Humanoid-Gym's walking task on the G1 (legs driven by the policy, upper body held by PD).

Built on :class:`~legged_gym.envs.g1.g1_env.G1Robot` (gait clock, foot states) and the base environment's
general mechanisms: ``control.policy_joints`` (the 12 leg joints), per-key history order and zero fill
(``env.frame_stack`` actor frames and ``env.c_frame_stack`` critic frames, oldest first), Gaussian
observation noise, and domain randomisation (friction, added base mass, pushes, action delay and noise).
This module adds the reference gait, the stance and contact masks, Humanoid-Gym's feet air time and lift
bookkeeping, and the privileged observation terms; the reward terms are in ``humanoid_ppo_rewards``.

Reference gait (phase ``p = t / cycle_time``, ``s = sin(2 pi p)``): the left foot is in stance when
``s >= 0``, the right when ``s < 0``, both when ``|s| < 0.1`` (double support). The swing leg's hip pitch,
knee and ankle pitch are offset from the default pose by ``a * (-1, 2, -1)`` with ``a = target_joint_pos_scale
* |s|`` (hip and knee flex, the ankle keeps the foot level: the G1's three pitch axes point the same way);
every offset is zero in double support.
"""

from __future__ import annotations

import copy
import torch
from torch import Tensor

from legged_gym.envs.g1.g1_env import G1Robot
from legged_gym.envs.g1.humanoid_ppo_config import HumanoidPPOCfg
from legged_gym.envs.g1.humanoid_ppo_rewards import REWARD_TERMS, HumanoidPPORewards
from legged_gym.utils.math import quat_to_euler_xyz

FOOT_SOLE_OFFSET = 0.05  # [m] subtracted from the foot body height (Humanoid-Gym's constant)


class HumanoidPPO(HumanoidPPORewards, G1Robot):
    """:class:`G1Robot` with Humanoid-Gym's reference gait, privileged observations and rewards."""

    cfg: HumanoidPPOCfg
    reward_terms = {**G1Robot.reward_terms, **REWARD_TERMS}
    # Humanoid-Gym's observation noise is Gaussian
    obs_term_units = {
        **G1Robot.obs_term_units,
        "base_lin_vel": ("lin_vel", "lin_vel", "gaussian"),
        "base_ang_vel": ("ang_vel", "ang_vel", "gaussian"),
        "dof_pos": ("dof_pos", "dof_pos", "gaussian"),
        "dof_vel": ("dof_vel", "dof_vel", "gaussian"),
        "base_euler_xyz": ("quat", "quat", "gaussian"),
        "added_mass": ("body_mass", None),
    }
    # the mirror is a reflection across the world's x-z plane, under which world-frame pushes mirror like base-frame
    # vectors and roll and yaw angles change sign
    obs_mirror = {
        **G1Robot.obs_mirror, "base_euler_xyz": "axial", "push_force": "polar", "push_torque": "axial",
        "friction": "even", "added_mass": "even", "stance_mask": "feet", "contact_mask": "feet",
    }

    def __init__(self, cfg: HumanoidPPOCfg, sim_device: str = "cpu", rl_device: str = "cpu") -> None:
        cfg = copy.deepcopy(cfg)  # the frame stacks become observation histories on the environment's own copy
        for name, value in (("frame_stack", cfg.env.frame_stack), ("c_frame_stack", cfg.env.c_frame_stack)):
            if value < 1:
                raise ValueError(f"env.{name} must be >= 1, got {value}")
        cfg.env.obs_history = {"proprio": cfg.env.frame_stack, "privileged": cfg.env.c_frame_stack}
        super().__init__(cfg, sim_device, rl_device)

    # --- buffers and per-step state ---------------------------------------------------------------
    def _init_buffers(self) -> None:
        from legged_gym.sim.robot_info import body_names

        super()._init_buffers()
        n, dev = self.num_envs, self.device
        self.hip_roll_yaw_ids = torch.tensor([self._policy_leg_cols(s, ("hip_roll", "hip_yaw"))
                                              for s in ("left", "right")], device=dev)
        knee = self.cfg.asset.knee_name
        self.knee_body_names = tuple(b for b in body_names(self._robot_file()) if knee in b)
        if len(self.knee_body_names) != 2:
            raise ValueError(f"asset.knee_name '{knee}' matches {list(self.knee_body_names)}; expected two bodies")
        self.feet_lift = torch.zeros(n, 2, device=dev)  # [m] foot height gained since its last contact
        self._lift = torch.zeros(n, 2, device=dev)  # running lift, zeroed on contact after each step
        self.last_feet_z = torch.zeros(n, 2, device=dev)
        self._feet_z_fresh = torch.ones(n, dtype=torch.bool, device=dev)
        self._feet_states()

    def _feet_states(self) -> None:
        feet = self.sim.body_states(self.feet_body_names)
        self.feet_pos, self.feet_vel = feet.pos, feet.lin_vel
        self.knee_pos = self.sim.body_states(self.knee_body_names, with_velocities=False).pos

    def _compute_reference(self) -> None:
        """Stance mask and reference joint positions of the current phase (see the module docstring)."""
        sin = torch.sin(2 * torch.pi * self.phase)
        double = sin.abs() < 0.1
        self.stance_mask = torch.stack([sin >= 0, sin < 0], dim=1) | double.unsqueeze(1)
        self._set_reference(torch.stack([(-sin).clamp(min=0.0), sin.clamp(min=0.0)], dim=1) * ~double.unsqueeze(1))

    def _update_state(self) -> None:
        """Humanoid-Gym's per-step bookkeeping: the reference gait, then the feet (air time filtered with the
        stance mask, see :meth:`_feet_stance`) and their lift since the last contact."""
        super()._update_state()  # the reference gait first (G1Robot), then the feet
        self._feet_states()
        contact = self.feet.contact
        feet_z = self.feet_pos[..., 2] - FOOT_SOLE_OFFSET
        fresh = self._feet_z_fresh.unsqueeze(1)
        self._lift += torch.where(fresh, 0.0, feet_z - self.last_feet_z)
        self.last_feet_z = feet_z
        self._feet_z_fresh[:] = False
        self.feet_lift = self._lift.clone()
        self._lift *= ~contact

    def _feet_stance(self) -> Tensor:
        """The reference gait's stance mask: Humanoid-Gym filters air time with it."""
        return self.stance_mask

    def reset_idx(self, env_ids: Tensor) -> None:
        super().reset_idx(env_ids)
        if len(env_ids) > 0:
            self._lift[env_ids] = 0.0
            self._feet_z_fresh[env_ids] = True

    # --- observation terms ------------------------------------------------------------------------
    def _obs_base_euler_xyz(self) -> Tensor:
        """Base roll, pitch, yaw [rad]."""
        return quat_to_euler_xyz(self.base_quat)

    def _obs_push_force(self) -> Tensor:
        """Horizontal velocity [m/s] added by the last push (Humanoid-Gym's 'push force')."""
        return self.domain_rand.last_push[:, :2]

    def _obs_push_torque(self) -> Tensor:
        """Angular velocity [rad/s] added by the last push (Humanoid-Gym's 'push torque')."""
        return self.domain_rand.last_push_ang

    def _obs_friction(self) -> Tensor:
        """Ground friction coefficient of each environment."""
        return self.domain_rand.friction.unsqueeze(1)

    def _obs_added_mass(self) -> Tensor:
        """Mass added to the base [kg] (scaled by obs_scales.body_mass = 1/30)."""
        return self.domain_rand.added_mass.unsqueeze(1)

    def _obs_stance_mask(self) -> Tensor:
        """1 for each foot the reference gait has in stance (left, right)."""
        return self.stance_mask.float()

    def _obs_contact_mask(self) -> Tensor:
        """1 for each foot in contact (vertical force above ``rewards.contact_force_threshold``, 5 N here)."""
        return self.feet.contact.float()
