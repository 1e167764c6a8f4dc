"""Quaternion maths on numpy arrays for offline clip processing (wxyz, float64).

The torch helpers in :mod:`legged_gym.utils.math` serve the environment at run time; clip processing runs once,
in numpy float64, before the data becomes torch float32.
"""

from __future__ import annotations

import numpy as np


def xyzw_to_wxyz(q: np.ndarray) -> np.ndarray:
    """Reorder (..., 4) quaternions from x-y-z-w to w-x-y-z."""
    q = np.asarray(q)
    return np.concatenate([q[..., 3:4], q[..., 0:3]], axis=-1)


def wxyz_to_xyzw(q: np.ndarray) -> np.ndarray:
    """Reorder (..., 4) quaternions from w-x-y-z to x-y-z-w."""
    q = np.asarray(q)
    return np.concatenate([q[..., 1:4], q[..., 0:1]], axis=-1)


def quat_mul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Hamilton product a * b of (..., 4) wxyz quaternions."""
    aw, ax, ay, az = np.moveaxis(a, -1, 0)
    bw, bx, by, bz = np.moveaxis(b, -1, 0)
    return np.stack(
        (
            aw * bw - ax * bx - ay * by - az * bz,
            aw * bx + ax * bw + ay * bz - az * by,
            aw * by - ax * bz + ay * bw + az * bx,
            aw * bz + ax * by - ay * bx + az * bw,
        ),
        axis=-1,
    )


def quat_conjugate(q: np.ndarray) -> np.ndarray:
    """Conjugate of (..., 4) wxyz quaternions (the inverse of a unit quaternion)."""
    return np.concatenate([q[..., :1], -q[..., 1:]], axis=-1)


def quat_normalize(q: np.ndarray) -> np.ndarray:
    """Unit-length copies of (..., 4) quaternions."""
    return q / np.maximum(np.linalg.norm(q, axis=-1, keepdims=True), 1e-12)


def quat_rotate(q: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Rotate vectors v (..., 3) by unit wxyz quaternions q (..., 4)."""
    w, xyz = q[..., :1], q[..., 1:]
    t = 2.0 * np.cross(xyz, v)
    return v + w * t + np.cross(xyz, t)


def quat_log(q: np.ndarray) -> np.ndarray:
    """Rotation vectors (axis * angle, (..., 3)) of unit wxyz quaternions, taking the shorter way (angle <= pi)."""
    q = np.where(q[..., :1] < 0, -q, q)
    w = np.clip(q[..., 0], -1.0, 1.0)
    xyz = q[..., 1:]
    s = np.linalg.norm(xyz, axis=-1)
    angle = 2.0 * np.arctan2(s, w)
    # angle / sin(angle/2) -> 2 as the angle -> 0
    scale = np.where(s > 1e-9, angle / np.maximum(s, 1e-12), 2.0)
    return xyz * scale[..., None]


def quat_slerp(q0: np.ndarray, q1: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Spherical interpolation between unit wxyz quaternions q0 and q1 (..., 4) at fractions t (...).

    Takes the shorter arc (q1 is negated where q0 . q1 < 0); falls back to normalised lerp for nearly equal
    rotations. Returns unit quaternions.
    """
    t = np.asarray(t, dtype=np.float64)[..., None]
    dot = np.sum(q0 * q1, axis=-1, keepdims=True)
    q1 = np.where(dot < 0, -q1, q1)
    dot = np.clip(np.abs(dot), 0.0, 1.0)
    theta = np.arccos(dot)
    sin_theta = np.sin(theta)
    near = sin_theta < 1e-6
    safe = np.where(near, 1.0, sin_theta)
    w0 = np.where(near, 1.0 - t, np.sin((1.0 - t) * theta) / safe)
    w1 = np.where(near, t, np.sin(t * theta) / safe)
    return quat_normalize(w0 * q0 + w1 * q1)


def up_z(q: np.ndarray) -> np.ndarray:
    """World z component of the body z axis of wxyz quaternions (1 = upright, -1 = upside down)."""
    q = quat_normalize(q)
    return 1.0 - 2.0 * (q[..., 1] ** 2 + q[..., 2] ** 2)
