"""Observation terms of motion-tracking environments (the seed's keys), in physical units.

"Heading frame" is the frame of the robot's root yaw: x forward, z up. Targets come from the next
reference frame (the frame the policy's action should reach).
"""

from __future__ import annotations

import torch
from torch import Tensor

from legged_gym.utils.math import (
    quat_conjugate,
    quat_mul,
    quat_rotate_inverse,
    quat_to_euler_xyz,
    wrap_to_pi,
    yaw_quat,
)


class DeepMimicObservations:
    """Mixin: ``_obs_<term>`` methods for the tracking observation keys."""

    obs_term_units = {
        "base_lin_vel": ("lin_vel", "lin_vel"),
        "base_ang_vel": ("ang_vel", "ang_vel"),
        "projected_gravity": (None, "gravity"),
        "dof_pos": ("dof_pos", "dof_pos"),
        "dof_vel": ("dof_vel", "dof_vel"),
        "root_height": (None, None),
        "torso_xy_rel": (None, "torso_rel", "gaussian"),
        "torso_yaw_rel": (None, "torso_rel", "gaussian"),
        "deepmimic_lin_ang_vel": (None, "reference_vel", "gaussian"),
    }
    # Manual root targets (the viewer's joystick): None, or (N, 3) [dx, dy (m, heading frame), dyaw (rad)] that
    # ``torso_xy_rel`` / ``torso_yaw_rel`` report instead of the reference.
    root_target_override: Tensor | None = None

    def _heading_inv(self, v: Tensor) -> Tensor:
        """Express world vectors (N, ..., 3) in the robot's heading frame."""
        h = yaw_quat(self.base_quat)
        shape = v.shape
        h = h.view(h.shape[0], *([1] * (v.dim() - 2)), 4).expand(*shape[:-1], 4)
        return quat_rotate_inverse(h, v)

    def _obs_link_heights(self) -> Tensor:
        """Height of each tracked link above the terrain under it [m]."""
        pos = self.links().pos[:, : self.num_tracked]
        return pos[..., 2] - self.sim.terrain.height_at(pos[..., :2])

    def _obs_deepmimic(self) -> Tensor:
        """Privileged tracking state: link heights, root/joint/link errors to the next frames, contacts."""
        links = self.links()
        nt = self.num_tracked
        parts = [self._obs_link_heights()]
        for k in range(1, self.cfg.deepmimic.num_next_obs + 1):
            ref = self.reference(k)
            parts += [
                quat_mul(ref["root_quat"], quat_conjugate(self.base_quat)),
                self._heading_inv(ref["root_pos"] - self.root_pos_w),
                ref["joints"] - self.dof_pos,
                self._heading_inv(ref["link_pos"][:, :nt] - links.pos[:, :nt]).flatten(1),
            ]
        ref = self.reference(1)
        actual, last = self.dm_contact.contact.float(), self.dm_contact.last_contact.float()
        target = ref["contacts"]
        prev_target = self.reference(0)["contacts"]
        invalid = ((actual != last) & (target == prev_target)).float()
        parts += [self._heading_inv(links.lin_vel[:, :nt]).flatten(1), actual, target, last, invalid]
        return torch.cat(parts, dim=-1)

    def _torso_index(self) -> int:
        return self.link_names.index("torso_link") if "torso_link" in self.link_names else 0

    def _obs_torso_xy_rel(self) -> Tensor:
        """Reference torso xy minus torso xy, in the torso's heading frame [m] (or ``root_target_override``)."""
        if self.root_target_override is not None:
            return self.root_target_override[:, :2].clone()
        i = self._torso_index()
        torso_pos, torso_quat = self.links().pos[:, i], self.links().quat[:, i]
        delta = self.reference(1)["link_pos"][:, i] - torso_pos
        delta[:, 2] = 0.0
        return quat_rotate_inverse(yaw_quat(torso_quat), delta)[:, :2]

    def _obs_torso_yaw_rel(self) -> Tensor:
        """Reference torso heading minus torso heading, wrapped to [-pi, pi) [rad] (or ``root_target_override``)."""
        if self.root_target_override is not None:
            return self.root_target_override[:, 2:3].clone()
        i = self._torso_index()
        yaw = quat_to_euler_xyz(self.links().quat[:, i])[:, 2]
        ref_yaw = quat_to_euler_xyz(self.reference(1)["link_quat"][:, i])[:, 2]
        return wrap_to_pi(ref_yaw - yaw).unsqueeze(1)

    def _obs_target_joints(self) -> Tensor:
        """Next reference joint angles relative to the default pose [rad]."""
        return self.reference(1)["joints"] - self.default_dof_pos

    def _obs_upper_body_joint_targets(self) -> Tensor:
        """Next reference waist and arm joint angles relative to the default pose [rad]."""
        return (self.reference(1)["joints"] - self.default_dof_pos)[:, self.upper_body_dof]

    def _ref_euler(self) -> Tensor:
        return quat_to_euler_xyz(self.reference(1)["root_quat"])

    def _obs_target_root_roll(self) -> Tensor:
        """Next reference root roll [rad]."""
        return self._ref_euler()[:, 0:1]

    def _obs_target_root_pitch(self) -> Tensor:
        """Next reference root pitch [rad]."""
        return self._ref_euler()[:, 1:2]

    def _obs_target_root_yaw(self) -> Tensor:
        """Next reference root yaw [rad]."""
        return self._ref_euler()[:, 2:3]

    def _obs_deepmimic_lin_ang_vel(self) -> Tensor:
        """Next reference root linear and angular velocity in the robot's heading frame."""
        ref = self.reference(1)
        return torch.cat([self._heading_inv(ref["root_lin_vel"]), self._heading_inv(ref["root_ang_vel"])], dim=1)

    def _obs_phase(self) -> Tensor:
        """sin and cos of the progress through the clip."""
        r = self.replay
        progress = (self.ref_frame - r.clip_start[self.ref_clip]).float() / r.clip_length[self.ref_clip].float()
        return torch.stack([torch.sin(2 * torch.pi * progress), torch.cos(2 * torch.pi * progress)], dim=1)

    def _obs_teacher_checkpoint_index(self) -> Tensor:
        """Index into ``teacher_checkpoints`` of the teacher of the clip each env tracks (N, 1), as a float.

        Read by a multi-teacher DAgger algorithm to route each env to its clip's teacher, never by a network.
        """
        return self.clip_teacher_index[self.ref_clip].float().unsqueeze(1)

    def _sensor_pose(self) -> tuple[Tensor, Tensor]:
        i = self.link_names.index(self.cfg.height_sensor.body) if self.cfg.height_sensor.body in self.link_names else None
        if i is None:
            b = self.sim.body_states((self.cfg.height_sensor.body,), with_velocities=False)
            return b.pos[:, 0], b.quat[:, 0]
        return self.links().pos[:, i], self.links().quat[:, i]

    def _obs_terrain_height(self) -> Tensor:
        """Clean 11 x 11 ray distances from the torso down to the terrain [m]."""
        return self.height_scanner.clean(*self._sensor_pose())

    def _obs_terrain_height_noisy(self) -> Tensor:
        """The seed's noisy height map (noise, offsets, tilt, delay, held updates, bad rays) [m]."""
        return self.height_scanner.noisy(*self._sensor_pose())
