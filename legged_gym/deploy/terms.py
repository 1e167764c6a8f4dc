"""Every deployment observation term by name: the common ones, the velocity tasks' and the tracking tasks'."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import mujoco
import numpy as np

from legged_gym.deploy.observations import COMMON_TERMS, ControllerState, ObservationBuilder
from legged_gym.deploy.tracking import TRACKING_TERMS
from legged_gym.deploy.velocity_terms import VELOCITY_TERMS

__all__ = ["TERMS"]

TERMS: Mapping[str, Callable[[ObservationBuilder, mujoco.MjData, ControllerState], np.ndarray]] = {
    **COMMON_TERMS, **VELOCITY_TERMS, **TRACKING_TERMS,
}
