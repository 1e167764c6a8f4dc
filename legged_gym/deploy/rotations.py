"""Rotation helpers of the deployment side (numpy, quaternions w, x, y, z): the formulas of
``legged_gym.utils.math`` that training uses, for one robot at a time."""

from __future__ import annotations

import math

import numpy as np

__all__ = ["euler_xyz", "heading_inv", "quat_rotate_inverse", "wrap_to_pi"]


def quat_rotate_inverse(q_wxyz: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Rotate the world vector ``v`` into the frame of the unit quaternion ``q`` (w, x, y, z)."""
    w, xyz = q_wxyz[0], q_wxyz[1:4]
    return v * (2.0 * w * w - 1.0) - np.cross(xyz, v) * (2.0 * w) + xyz * (2.0 * np.dot(xyz, v))


def euler_xyz(q_wxyz: np.ndarray) -> np.ndarray:
    """Roll, pitch, yaw [rad] of a (w, x, y, z) quaternion; the formula of ``legged_gym.utils.math.quat_to_euler_xyz``."""
    w, x, y, z = (float(v) for v in q_wxyz)
    roll = math.atan2(2.0 * (w * x + y * z), 1.0 - 2.0 * (x * x + y * y))
    pitch = math.asin(min(1.0, max(-1.0, 2.0 * (w * y - z * x))))
    yaw = math.atan2(2.0 * (w * z + x * y), 1.0 - 2.0 * (y * y + z * z))
    return np.array([roll, pitch, yaw])


def heading_inv(yaw: float, v: np.ndarray) -> np.ndarray:
    """World vectors (..., 3) expressed in the frame rotated by ``yaw`` about world z."""
    c, s = math.cos(yaw), math.sin(yaw)
    out = np.array(v, dtype=np.float64, copy=True)
    out[..., 0] = c * v[..., 0] + s * v[..., 1]
    out[..., 1] = -s * v[..., 0] + c * v[..., 1]
    return out


def wrap_to_pi(angle: float) -> float:
    """Angle wrapped to [-pi, pi)."""
    return (angle + math.pi) % (2.0 * math.pi) - math.pi
