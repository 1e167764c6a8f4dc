"""Batched forward kinematics of a floating-base tree of hinge joints, in torch.

Backends read the root state and joint state from the engine; body poses and velocities are
computed here from the *current* state, so they never lag one physics step behind (MuJoCo
evaluates sensors before it integrates). The same code turns joint-only motion clips into link
poses. Bodies are processed depth level by depth level, so the cost is a few dozen batched
tensor operations per level rather than per body.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from legged_gym.utils.math import quat_from_axis_angle, quat_mul, quat_rotate


@dataclass
class KinematicTreeSpec:
    """Engine-independent description of a body tree (index 0 is the floating root body).

    Attributes:
        body_names: names of the bodies, root first, parents before children.
        parent: (B,) parent index of each body (-1 for the root).
        pos: (B, 3) body origin in the parent frame.
        quat: (B, 4) body orientation in the parent frame (wxyz).
        joint_dof: (B,) index into the joint vector of the hinge joint of each body, -1 if fixed.
        joint_axis: (B, 3) hinge axis in the body frame.
        joint_anchor: (B, 3) hinge position in the body frame.
    """

    body_names: list[str]
    parent: np.ndarray
    pos: np.ndarray
    quat: np.ndarray
    joint_dof: np.ndarray
    joint_axis: np.ndarray
    joint_anchor: np.ndarray


@dataclass
class BodyStates:
    """World-frame states of every body: pos (N,B,3), quat (N,B,4) wxyz, lin_vel (N,B,3), ang_vel (N,B,3)."""

    pos: Tensor
    quat: Tensor
    lin_vel: Tensor | None
    ang_vel: Tensor | None


class ForwardKinematics:
    """Computes world poses (and optionally velocities) of all bodies from root and joint states."""

    def __init__(self, spec: KinematicTreeSpec, num_dof: int, device: torch.device | str = "cpu") -> None:
        self.spec = spec
        self.device = torch.device(device)
        self.num_bodies = len(spec.body_names)
        self.num_dof = num_dof
        depth = np.zeros(self.num_bodies, dtype=np.int64)
        for b in range(1, self.num_bodies):
            if spec.parent[b] >= b:
                raise ValueError("kinematic tree bodies must be ordered parents first")
            depth[b] = depth[spec.parent[b]] + 1
        f = dict(device=self.device, dtype=torch.float32)
        self.levels: list[dict[str, Tensor]] = []
        for level in range(1, int(depth.max()) + 1 if self.num_bodies > 1 else 1):
            ids = np.nonzero(depth == level)[0]
            dof = spec.joint_dof[ids]
            self.levels.append(
                dict(
                    ids=torch.as_tensor(ids, device=self.device),
                    parent=torch.as_tensor(spec.parent[ids], device=self.device),
                    pos=torch.as_tensor(spec.pos[ids], **f),
                    quat=torch.as_tensor(spec.quat[ids], **f),
                    dof=torch.as_tensor(np.where(dof >= 0, dof, num_dof), device=self.device),
                    axis=torch.as_tensor(spec.joint_axis[ids], **f),
                    anchor=torch.as_tensor(spec.joint_anchor[ids], **f),
                    has_anchor=torch.tensor(bool(np.abs(spec.joint_anchor[ids]).max() > 0) if len(ids) else False),
                )
            )

    def compute(
        self,
        root_pos: Tensor,
        root_quat: Tensor,
        dof_pos: Tensor,
        root_lin_vel: Tensor | None = None,
        root_ang_vel: Tensor | None = None,
        dof_vel: Tensor | None = None,
    ) -> BodyStates:
        """Body states from root pose (N,3)/(N,4), joint positions (N,J) and, optionally, velocities.

        Velocities are computed when ``root_lin_vel``, ``root_ang_vel`` (world frame) and ``dof_vel`` are given;
        linear velocities are those of each body's origin.
        """
        n = root_pos.shape[0]
        with_vel = root_lin_vel is not None and root_ang_vel is not None and dof_vel is not None
        pos = root_pos.new_empty((n, self.num_bodies, 3))
        quat = root_pos.new_empty((n, self.num_bodies, 4))
        pos[:, 0] = root_pos
        quat[:, 0] = root_quat
        q_ext = torch.cat([dof_pos, dof_pos.new_zeros((n, 1))], dim=1)
        if with_vel:
            lin = root_pos.new_empty((n, self.num_bodies, 3))
            ang = root_pos.new_empty((n, self.num_bodies, 3))
            lin[:, 0] = root_lin_vel
            ang[:, 0] = root_ang_vel
            qd_ext = torch.cat([dof_vel, dof_vel.new_zeros((n, 1))], dim=1)
        for lv in self.levels:
            ids, par = lv["ids"], lv["parent"]
            p_pos = pos[:, par]
            p_quat = quat[:, par]
            body_quat = quat_mul(p_quat, lv["quat"].expand(n, -1, -1))
            body_pos = p_pos + quat_rotate(p_quat, lv["pos"].expand(n, -1, -1))
            angle = q_ext[:, lv["dof"]]
            axis = lv["axis"].expand(n, -1, -1)
            new_quat = quat_mul(body_quat, quat_from_axis_angle(axis, angle))
            if bool(lv["has_anchor"]):
                anchor_w = body_pos + quat_rotate(body_quat, lv["anchor"].expand(n, -1, -1))
                body_pos = anchor_w - quat_rotate(new_quat, lv["anchor"].expand(n, -1, -1))
            pos[:, ids] = body_pos
            quat[:, ids] = new_quat
            if with_vel:
                axis_w = quat_rotate(body_quat, axis)
                joint_w = axis_w * qd_ext[:, lv["dof"]].unsqueeze(-1)
                p_ang = ang[:, par]
                rel = body_pos - p_pos
                v = lin[:, par] + torch.cross(p_ang, rel, dim=-1)
                if bool(lv["has_anchor"]):
                    v = v + torch.cross(joint_w, body_pos - anchor_w, dim=-1)
                lin[:, ids] = v
                ang[:, ids] = p_ang + joint_w
        return BodyStates(pos=pos, quat=quat, lin_vel=lin if with_vel else None, ang_vel=ang if with_vel else None)
