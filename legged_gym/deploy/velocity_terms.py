"""Deployment-side observation terms of the velocity tasks beyond the common ones (``observations.COMMON_TERMS``).

Each term takes ``(builder, MjData, ControllerState)`` and returns the physical value the training term
returns; the builder applies the contract's scale. They join ``legged_gym.deploy.terms.TERMS``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import mujoco
import numpy as np

from legged_gym.deploy.rotations import euler_xyz

if TYPE_CHECKING:
    from legged_gym.deploy.observations import ControllerState, ObservationBuilder

__all__ = ["VELOCITY_TERMS"]


def _base_euler_xyz(b: ObservationBuilder, d: mujoco.MjData, s: ControllerState) -> np.ndarray:
    """Base roll, pitch, yaw [rad] (each in (-pi, pi])."""
    return euler_xyz(b.root_quat(d))


VELOCITY_TERMS: dict[str, Callable[[ObservationBuilder, mujoco.MjData, ControllerState], np.ndarray]] = {
    "base_euler_xyz": _base_euler_xyz,
}
