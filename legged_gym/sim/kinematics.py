"""Batched forward kinematics of a floating-base tree of hinge joints.

Backends read the root state and joint state from the engine; body poses and velocities are
computed here from the *current* state, so they never lag one physics step behind (MuJoCo
evaluates sensors before it integrates). The same code turns joint-only motion clips into link
poses. Bodies are processed depth level by depth level, so the cost is a few batched array
operations per level rather than per body.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from torch import Tensor



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
    """Computes world poses (and optionally velocities) of chosen bodies from root and joint states.

    Only the chosen bodies and their ancestors are computed. Rotations are propagated as 3x3 matrices
    (one batched product per tree level) in numpy float64, where small batched operations cost a
    microsecond or two, and converted to quaternions for the chosen bodies at the end.
    """

    def __init__(self, spec: KinematicTreeSpec, num_dof: int, bodies: list[int] | None = None) -> None:
        self.spec = spec
        self.num_dof = num_dof
        n_all = len(spec.body_names)
        for b in range(1, n_all):
            if spec.parent[b] >= b:
                raise ValueError("kinematic tree bodies must be ordered parents first")
        wanted = list(range(n_all)) if bodies is None else list(bodies)
        parent, pos, quat = self._fold_fixed_bodies(spec, set(wanted))
        keep: set[int] = set()
        for b in wanted:
            while b >= 0 and b not in keep:
                keep.add(b)
                b = int(parent[b])
        kept = sorted(keep)
        local = {b: i for i, b in enumerate(kept)}
        self.num_kept = len(kept)
        self.out_index = np.array([local[b] for b in wanted])
        depth = {0: 0}
        for b in kept[1:]:
            depth[b] = depth[int(parent[b])] + 1
        self.levels: list[dict] = []
        for level in range(1, max(depth.values()) + 1):
            ids = [b for b in kept if depth[b] == level]
            axis = spec.joint_axis[ids].astype(np.float64)
            skew = np.zeros((len(ids), 3, 3))
            skew[:, 0, 1], skew[:, 0, 2], skew[:, 1, 2] = -axis[:, 2], axis[:, 1], -axis[:, 0]
            skew = skew - skew.transpose(0, 2, 1)
            dof = spec.joint_dof[ids]
            anchor = spec.joint_anchor[ids].astype(np.float64)
            self.levels.append(
                dict(
                    ids=np.array([local[b] for b in ids]),
                    parent=np.array([local[int(parent[b])] for b in ids]),
                    pos=pos[ids],
                    rot=quat_to_matrix_np(quat[ids]),
                    dof=np.where(dof >= 0, dof, num_dof),
                    axis=axis,
                    K=skew,
                    K2=skew @ skew,
                    anchor=anchor,
                    has_anchor=bool(np.abs(anchor).max() > 0),
                )
            )

    @staticmethod
    def _fold_fixed_bodies(spec: KinematicTreeSpec, wanted: set[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Parents and local transforms with unrequested jointless bodies folded into their children.

        A body without a joint only adds a constant transform; skipping it shortens the chains (the G1's three
        fixed wrist links) and so the number of levels to compute.
        """
        parent = spec.parent.copy()
        pos = spec.pos.astype(np.float64).copy()
        quat = spec.quat.astype(np.float64).copy()
        for b in range(1, len(parent)):
            p = int(parent[b])
            while p > 0 and spec.joint_dof[p] < 0 and p not in wanted:
                pos[b] = pos[p] + quat_to_matrix_np(quat[p]) @ pos[b]
                quat[b] = _quat_mul_np(quat[p], quat[b])
                parent[b] = parent[p]
                p = int(parent[b])
        return parent, pos, quat

    def compute(
        self,
        root_pos: np.ndarray,
        root_quat: np.ndarray,
        dof_pos: np.ndarray,
        root_lin_vel: np.ndarray | None = None,
        root_ang_vel: np.ndarray | None = None,
        dof_vel: np.ndarray | None = None,
    ) -> dict[str, np.ndarray]:
        """Body states from root pose (N,3)/(N,4 wxyz), joint positions (N,J) and, optionally, velocities.

        Velocities are computed when ``root_lin_vel``, ``root_ang_vel`` (world frame) and ``dof_vel`` are given;
        linear velocities are those of each body's origin. Returns float64 arrays ``pos``, ``quat`` and, with
        velocities, ``lin_vel`` and ``ang_vel``, shaped (N, B, ...) in the ``bodies`` order given at construction.
        """
        n = root_pos.shape[0]
        with_vel = root_lin_vel is not None and root_ang_vel is not None and dof_vel is not None
        k = self.num_kept
        pos = np.empty((n, k, 3))
        rot = np.empty((n, k, 3, 3))
        pos[:, 0] = root_pos
        rot[:, 0] = quat_to_matrix_np(root_quat)
        q_ext = np.concatenate([dof_pos, np.zeros((n, 1))], axis=1)
        if with_vel:
            lin = np.empty((n, k, 3))
            ang = np.empty((n, k, 3))
            lin[:, 0] = root_lin_vel
            ang[:, 0] = root_ang_vel
            qd_ext = np.concatenate([dof_vel, np.zeros((n, 1))], axis=1)
        for lv in self.levels:
            ids, par = lv["ids"], lv["parent"]
            p_pos, p_rot = pos[:, par], rot[:, par]
            body_rot = p_rot @ lv["rot"]
            body_pos = p_pos + np.einsum("nkij,kj->nki", p_rot, lv["pos"])
            angle = q_ext[:, lv["dof"]][..., None, None]
            new_rot = body_rot @ (np.eye(3) + np.sin(angle) * lv["K"] + (1.0 - np.cos(angle)) * lv["K2"])
            if lv["has_anchor"]:
                anchor_w = body_pos + np.einsum("nkij,kj->nki", body_rot, lv["anchor"])
                body_pos = anchor_w - np.einsum("nkij,kj->nki", new_rot, lv["anchor"])
            pos[:, ids] = body_pos
            rot[:, ids] = new_rot
            if with_vel:
                joint_w = np.einsum("nkij,kj->nki", body_rot, lv["axis"]) * qd_ext[:, lv["dof"]][..., None]
                p_ang = ang[:, par]
                v = lin[:, par] + _cross(p_ang, body_pos - p_pos)
                if lv["has_anchor"]:
                    v = v + _cross(joint_w, body_pos - anchor_w)
                lin[:, ids] = v
                ang[:, ids] = p_ang + joint_w
        out = self.out_index
        result = {"pos": pos[:, out], "quat": matrix_to_quat_np(rot[:, out])}
        if with_vel:
            result["lin_vel"] = lin[:, out]
            result["ang_vel"] = ang[:, out]
        return result


def _cross(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cross product over the last axis (numpy's np.cross spends most of its time on argument handling)."""
    a0, a1, a2 = a[..., 0], a[..., 1], a[..., 2]
    b0, b1, b2 = b[..., 0], b[..., 1], b[..., 2]
    return np.stack((a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0), axis=-1)


def _quat_mul_np(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    aw, ax, ay, az = a
    bw, bx, by, bz = b
    return np.array(
        [
            aw * bw - ax * bx - ay * by - az * bz,
            aw * bx + ax * bw + ay * bz - az * by,
            aw * by - ax * bz + ay * bw + az * bx,
            aw * bz + ax * by - ay * bx + az * bw,
        ]
    )


def quat_to_matrix_np(q: np.ndarray) -> np.ndarray:
    """Rotation matrices (..., 3, 3) of wxyz quaternions (..., 4)."""
    q = q / np.linalg.norm(q, axis=-1, keepdims=True)
    w, x, y, z = q[..., 0], q[..., 1], q[..., 2], q[..., 3]
    m = np.stack(
        (
            1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y),
            2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x),
            2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y),
        ),
        axis=-1,
    )
    return m.reshape(q.shape[:-1] + (3, 3))


def matrix_to_quat_np(m: np.ndarray) -> np.ndarray:
    """Unit wxyz quaternions (w >= 0) of rotation matrices (..., 3, 3)."""
    m00, m01, m02 = m[..., 0, 0], m[..., 0, 1], m[..., 0, 2]
    m10, m11, m12 = m[..., 1, 0], m[..., 1, 1], m[..., 1, 2]
    m20, m21, m22 = m[..., 2, 0], m[..., 2, 1], m[..., 2, 2]
    # four candidate solutions, each accurate where its leading term is large
    cands = np.stack(
        (
            np.stack((1 + m00 + m11 + m22, m21 - m12, m02 - m20, m10 - m01), -1),
            np.stack((m21 - m12, 1 + m00 - m11 - m22, m01 + m10, m02 + m20), -1),
            np.stack((m02 - m20, m01 + m10, 1 - m00 + m11 - m22, m12 + m21), -1),
            np.stack((m10 - m01, m02 + m20, m12 + m21, 1 - m00 - m11 + m22), -1),
        ),
        axis=-2,
    )
    lead = np.stack((cands[..., 0, 0], cands[..., 1, 1], cands[..., 2, 2], cands[..., 3, 3]), -1)
    best = lead.argmax(axis=-1)[..., None, None]
    q = np.take_along_axis(cands, np.broadcast_to(best, best.shape[:-2] + (1, 4)), axis=-2)[..., 0, :]
    q = q / np.linalg.norm(q, axis=-1, keepdims=True)
    return np.where(q[..., :1] < 0, -q, q)
