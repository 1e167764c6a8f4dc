"""The G1 tracking environment: :class:`RobotDeepMimic` with the G1's feet and hands."""

from __future__ import annotations

from legged_gym.envs.base.robot_deepmimic import RobotDeepMimic
from legged_gym.envs.g1.g1_deepmimic_config import G1DeepMimicCfg


class G1DeepMimic(RobotDeepMimic):
    """G1 motion tracking. Feet are the ankle-roll links, hands the wrist-yaw links (see the config)."""

    cfg: G1DeepMimicCfg
