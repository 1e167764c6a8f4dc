"""Deployment-side observation terms of the velocity tasks beyond the common ones (``observations.TERMS``).

Each term takes ``(builder, MjData, ControllerState)`` and returns the physical value the training term
returns; the builder applies the contract's scale. They join ``legged_gym.deploy.observations.TERMS``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import mujoco
import numpy as np

if TYPE_CHECKING:
    from legged_gym.deploy.observations import ControllerState, ObservationBuilder

__all__ = ["VELOCITY_TERMS", "euler_xyz"]


def euler_xyz(q_wxyz: np.ndarray) -> np.ndarray:
    """Roll, pitch, yaw [rad] of a (w, x, y, z) quaternion; the formula of ``legged_gym.utils.math.quat_to_euler_xyz``."""
    w, x, y, z = (float(v) for v in q_wxyz)
    roll = np.arctan2(2.0 * (w * x + y * z), 1.0 - 2.0 * (x * x + y * y))
    pitch = np.arcsin(np.clip(2.0 * (w * y - z * x), -1.0, 1.0))
    yaw = np.arctan2(2.0 * (w * z + x * y), 1.0 - 2.0 * (y * y + z * z))
    return np.array([roll, pitch, yaw])


def _base_euler_xyz(b: ObservationBuilder, d: mujoco.MjData, s: ControllerState) -> np.ndarray:
    """Base roll, pitch, yaw [rad] (each in (-pi, pi])."""
    return euler_xyz(b.root_quat(d))


VELOCITY_TERMS: dict[str, Callable[[ObservationBuilder, mujoco.MjData, ControllerState], np.ndarray]] = {
    "base_euler_xyz": _base_euler_xyz,
}
